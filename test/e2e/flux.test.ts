// Stage 2 of the live cluster (issue 12): Flux, installed by `paddock cluster
// up` and reconciling platform/ from the OCI artifact the bootstrap pushed to
// its registry. Skipped unless PADDOCK_E2E=1 (make e2e).
//
// What it proves: Flux's controllers run the images of the pinned release, on
// the system pool (never on an app's dedicated workers); source-controller
// pulled the tree `cluster up` pushed (the revision it recorded is this
// checkout's commit); kustomize-controller applied platform/clusters/kind, so
// Flux manages its own entry point and the layers below it; and what is
// deleted behind Flux's back comes back on its next reconciliation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLUSTER, clusterImages, FLUX_COMPONENTS, FLUX_COMPONENTS_FLAG, treeRevision } from 'paddock/cluster/index.js';
import { paths } from 'paddock/paths.js';
import { build } from '../gitops/lib.js';
import { eventually } from '../lib/eventually.js';
import { type FluxObject, getJson, kubectl, ok, ready, readyEventually, run, SKIP } from './kubectl.js';

const flux = (args: string[]) => run(['flux', '--context', CLUSTER.context, ...args]);

const controllers = clusterImages(paths.root).filter((i) => (FLUX_COMPONENTS as readonly string[]).includes(i.recipe));

/** The Flux Kustomizations a folder of platform/ declares, and those its Kustomizations' own paths there declare, by name. */
async function declaredKustomizations(path: string, seen = new Set<string>()): Promise<string[]> {
  const dir = path.replace(/^\.\//, '');
  if (seen.has(dir)) return [];
  seen.add(dir);
  const names = new Set<string>();
  for (const o of await build(dir))
    if (o.kind === 'Kustomization' && String(o.apiVersion).startsWith('kustomize.toolkit.fluxcd.io/')) {
      names.add(o.metadata.name);
      // a path in this tree only when it reconciles the platform's own artifact (prometheus-operator's is its bundle)
      if (o.spec.sourceRef?.name === 'platform') for (const n of await declaredKustomizations(o.spec.path, seen)) names.add(n);
    }
  return [...names].sort();
}

describe('live cluster, stage 2: Flux reconciles platform/ from the OCI artifact', { skip: SKIP }, () => {
  it("Flux's controllers run the pinned release's images, Available, off the app pools", async () => {
    assert.equal(controllers.length, FLUX_COMPONENTS.length, 'an image for each controller flux install deploys');
    const pools = await getJson<{ items: { metadata: { name: string; labels: Record<string, string> } }[] }>(['get', 'nodes']);
    const poolOf = new Map(pools.items.map((n) => [n.metadata.name, n.metadata.labels['paddock.dev/nodepool'] ?? '(none)']));
    for (const c of controllers) {
      const name = c.recipe;
      const d = await getJson<{ spec: { template: { spec: { containers: { image: string }[] } } }; status: { availableReplicas?: number } }>([
        '-n',
        'flux-system',
        'get',
        'deployment',
        name,
      ]);
      assert.equal(d.spec.template.spec.containers[0]!.image, c.ref, `${name} runs ${c.ref}`);
      assert.ok((d.status.availableReplicas ?? 0) >= 1, `${name} is Available`);
      const pods = await getJson<{ items: { spec: { nodeName: string } }[] }>(['-n', 'flux-system', 'get', 'pods', '-l', `app=${name}`]);
      assert.ok(pods.items.length >= 1, `a ${name} pod`);
      for (const p of pods.items) {
        const pool = poolOf.get(p.spec.nodeName);
        assert.ok(pool === 'system' || pool === '(none)', `${name} runs on ${p.spec.nodeName}, of pool ${pool}: an app's dedicated worker takes only that app`);
      }
    }
    const check = await flux(['check', FLUX_COMPONENTS_FLAG]);
    assert.equal(check.code, 0, `flux check: ${check.stdout}${check.stderr}`);
  });

  it('source-controller holds the tree cluster up pushed, at this checkout’s revision', async () => {
    const repo = await getJson<FluxObject>(['-n', 'flux-system', 'get', 'ocirepository', 'platform']);
    assert.equal(ready(repo)?.status, 'True', `OCIRepository platform: ${ready(repo)?.message}`);
    const recorded = repo.status?.artifact?.metadata?.['org.opencontainers.image.revision'];
    assert.equal(recorded, `latest@sha1:${treeRevision(paths.root)}`, 'the artifact carries the revision `flux push artifact` recorded');
    assert.match(repo.status!.artifact!.revision, /^latest@sha256:[0-9a-f]{64}$/);
  });

  it('kustomize-controller applied clusters/kind: Flux manages its entry point and every layer below it', async () => {
    const root = await getJson<FluxObject>(['-n', 'flux-system', 'get', 'kustomization', 'platform']);
    assert.equal(ready(root)?.status, 'True', `Kustomization platform: ${ready(root)?.message}`);
    const repo = await getJson<FluxObject>(['-n', 'flux-system', 'get', 'ocirepository', 'platform']);
    assert.equal(root.status?.lastAppliedRevision, repo.status?.artifact?.revision, 'it applied the revision source-controller holds');
    const ks = await getJson<{ items: FluxObject[] }>(['-n', 'flux-system', 'get', 'kustomizations']);
    const names = ks.items.map((k) => k.metadata.name).sort();
    const entry = (root as { spec?: { path?: string } }).spec?.path ?? '';
    assert.deepEqual(names, await declaredKustomizations(entry), `the Kustomizations ${entry} declares, through every layer`);
    for (const layer of ['apps', 'infrastructure-configs', 'infrastructure-controllers', 'platform']) assert.ok(names.includes(layer), layer);
  });

  it('a Flux-managed object deleted by hand comes back on the next reconciliation', async () => {
    // A leaf of the configs layer (the Grafana dashboard's ConfigMap), once that layer is Ready: deleting a
    // whole Kustomization would prune everything it applied (Vault, Redis, the provisioner) on the full stack.
    await readyEventually('kustomization', 'flux-system', 'infrastructure-configs', 1_200_000);
    const get = ['-n', 'monitoring', 'get', 'configmap', 'dashboard-dapr-apps'];
    const before = await getJson<FluxObject>(get);
    await ok(['-n', 'monitoring', 'delete', 'configmap', 'dashboard-dapr-apps', '--wait=true', '--timeout=120s']);
    const started = Date.now();
    // the layer's interval is minutes; ask for the reconciliation now, as `paddock cluster sync` does
    const r = await flux(['reconcile', 'kustomization', 'infrastructure-configs', '-n', 'flux-system']);
    assert.equal(r.code, 0, `flux reconcile: ${r.stderr}`);
    let back: FluxObject | undefined;
    await eventually(
      'Flux to put the dashboard ConfigMap back',
      async () => {
        const g = await kubectl([...get, '-o', 'json']);
        back = g.code === 0 ? (JSON.parse(g.stdout) as FluxObject) : undefined;
        return back !== undefined;
      },
      120_000,
    );
    assert.notEqual(back!.metadata.uid, before.metadata.uid, 'a new object, made by Flux');
    console.log(`# drift: monitoring/dashboard-dapr-apps restored ${((Date.now() - started) / 1000).toFixed(1)} s after the reconcile was asked for`);
  });
});
