// The GitOps tree (platform/) as Flux would see it: every file parses, every
// Kustomization builds with the real kustomize, every object validates
// strictly against the pinned schemas, and the Flux graph is sound.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { checkFluxGraph, chartVersion, loadTree, planOnboard, sourceOf, type TreeObject } from 'paddock/gitops/index.js';
import { yamlFiles } from 'paddock/gitops/graph.js';
import { paths } from 'paddock/paths.js';
import { AIRGAPPED_FLUX_PATHS, build, FLUX_PATHS, kubeconform, platform, restrictedProblems, type Obj } from './lib.js';

const built = new Map<string, Obj[]>();
/** Every object once (clusters/kind includes its flux-system folder). */
const all = (): Obj[] => [...new Map([...built.values()].flat().map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o])).values()];
const find = (kind: string, name: string): Obj => {
  const o = all().find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} is in the tree`);
  return o;
};

before(async () => {
  for (const p of FLUX_PATHS) built.set(p, await build(p));
});

describe('platform/: every file parses', () => {
  it('YAML files (multi-document, unique keys)', () => {
    const { objects, findings } = loadTree(platform);
    assert.deepEqual(findings, []);
    assert.ok(objects.length > 30, `${objects.length} documents`);
  });
  it('JSON and Python files', () => {
    const files = execFileSync('find', [platform, '-type', 'f', '(', '-name', '*.json', '-o', '-name', '*.py', ')'], { encoding: 'utf8' }).trim().split('\n');
    assert.ok(files.length >= 3);
    for (const f of files) {
      if (f.endsWith('.json')) JSON.parse(readFileSync(f, 'utf8'));
      else execFileSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])', f]);
    }
  });
});

describe('platform/: every kustomization builds', () => {
  for (const file of yamlFiles(platform).filter((f) => f.endsWith('/kustomization.yaml'))) {
    const dir = relative(platform, dirname(file));
    it(dir, async () => {
      const objects = await build(dir);
      assert.ok(objects.length > 0, 'builds to at least one object');
    });
  }
  it('every object file is part of some Flux path (nothing silently left out)', async () => {
    const { objects } = loadTree(platform);
    const key = (o: { kind?: string; metadata?: { name?: string; namespace?: string } }) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
    const airgapped = (await Promise.all(AIRGAPPED_FLUX_PATHS.map((p) => build(p)))).flat();
    const builtKeys = new Set([...all(), ...airgapped].map(key));
    const missing = objects
      .filter((o: TreeObject) => !o.file.endsWith('kustomization.yaml') && o.object.kind !== 'Cluster')
      .filter((o) => !builtKeys.has(key(o.object)))
      .map((o) => `${o.file}: ${key(o.object)}`);
    assert.deepEqual(missing, []);
  });
});

describe('platform/: objects are valid for the pinned versions (kubeconform -strict)', () => {
  for (const p of FLUX_PATHS) {
    it(p, async () => {
      const r = await kubeconform(
        built
          .get(p)!
          .map((o) => stringify(o))
          .join('---\n'),
      );
      assert.deepEqual(r.problems, []);
      assert.ok(r.checked > 0);
    });
  }
});

describe('platform/: the Flux graph', () => {
  it('sources, paths, charts, versions and dependencies exist; no cycle', () => {
    const objects = all().map((object) => ({ file: '(built)', line: 0, object }) as TreeObject);
    assert.deepEqual(checkFluxGraph(platform, objects, chartVersion()), []);
  });
  it('orders controllers → configs → apps, each waiting and pruning', () => {
    const deps = (name: string) => (find('Kustomization', name).spec.dependsOn ?? []).map((d: { name: string }) => d.name);
    assert.deepEqual(deps('infrastructure-controllers'), []);
    assert.deepEqual(deps('infrastructure-configs'), ['infrastructure-controllers']);
    assert.deepEqual(deps('apps'), ['infrastructure-configs']);
    for (const k of all().filter((o) => o.kind === 'Kustomization' && o.apiVersion.startsWith('kustomize.toolkit'))) {
      assert.equal(k.spec.prune, true, `${k.metadata.name} prunes`);
      assert.ok(k.spec.interval, `${k.metadata.name} has an interval`);
    }
  });
  it('pins the seed versions', () => {
    const chart = (name: string) => find('HelmRelease', name).spec.chart.spec;
    assert.equal(chart('metrics-server').version, '3.13.0');
    assert.equal(chart('kube-prometheus-stack').version, '83.6.0');
    assert.equal(chart('external-secrets').version, '2.3.0');
    assert.equal(chart('dapr').version, '1.17.5');
    assert.equal(chart('harbor').version, '1.18.3');
    const image = (deploy: string) => find('Deployment', deploy).spec.template.spec.containers[0].image as string;
    assert.match(image('vault'), /^hashicorp\/vault:1\.21\./);
    assert.match(image('redis'), /^redis:7\./);
    assert.equal(find('OCIRepository', 'app-chart').spec.ref.tag, chartVersion());
  });
});

describe('platform/: what the platform promises', () => {
  it('Dapr: hardened sidecars, mTLS, metrics on the cluster-wide configuration', () => {
    const v = find('HelmRelease', 'dapr').spec.values;
    assert.equal(v.dapr_sidecar_injector.sidecarDropALLCapabilities, true);
    assert.equal(v.dapr_sidecar_injector.sidecarRunAsNonRoot, true);
    assert.equal(v.dapr_sidecar_injector.sidecarReadOnlyRootFilesystem, true);
    assert.equal(v.dapr_sidecar_injector.runAsNonRoot, true);
    assert.equal(v.global.mtls.enabled, true);
    assert.equal(v.dapr_config.dapr_default_system_config_name, 'daprsystem');
    const patch = find('HelmRelease', 'dapr').spec.postRenderers[0].kustomize.patches[0];
    assert.equal(patch.target.name, 'daprsystem');
    assert.deepEqual(parse(patch.patch), [{ op: 'add', path: '/spec/metric', value: { enabled: true } }]);
  });
  it('the chart-side names match what the platform provisions (Vault audience, Redis Secret, settings)', () => {
    const settings = parse(find('ConfigMap', 'paddock-platform-settings').data['values.yaml']).platform;
    const chartDefaults = parse(readFileSync(join(paths.chart, 'values.yaml'), 'utf8')).platform;
    assert.equal(settings.redis.credentialsSecret, 'redis-credentials');
    assert.equal(settings.vault.audience, 'vault');
    for (const k of ['redis', 'vault', 'dapr', 'monitoring'])
      assert.deepEqual(Object.keys(settings[k]).sort(), Object.keys(chartDefaults[k]).sort(), `platform.${k} has the chart's keys`);
    const script = readFileSync(join(platform, 'infrastructure/configs/tenant-provisioner/provisioner.py'), 'utf8');
    assert.match(script, /"redis-credentials", "password"/);
    assert.match(script, /AUDIENCE = os.environ.get\("VAULT_AUDIENCE", "vault"\)/);
    assert.equal(find('Service', 'redis').metadata.namespace, settings.redis.namespace);
  });
  it('the platform workloads in "restricted" namespaces meet that level (Vault, Redis, the tenant provisioner)', () => {
    const restricted = new Set(
      all()
        .filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted')
        .map((o) => o.metadata.name),
    );
    const workloads = all().filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind) && restricted.has(o.metadata.namespace!));
    assert.ok(workloads.length >= 4, workloads.map((w) => w.metadata.name).join(', '));
    assert.deepEqual(
      workloads.flatMap((w) => restrictedProblems(`${w.kind}/${w.metadata.name}`, w.spec.template.spec)),
      [],
    );
    for (const w of workloads) {
      for (const c of w.spec.template.spec.containers) {
        assert.ok(c.resources?.requests && c.resources?.limits, `${w.metadata.name}/${c.name} has requests and limits`);
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${w.metadata.name}/${c.name} has a read-only root filesystem`);
      }
    }
  });
  it('Grafana gets a Dapr dashboard', () => {
    const cm = find('ConfigMap', 'dashboard-dapr-apps');
    assert.equal(cm.metadata.labels?.grafana_dashboard, '1');
    const dash = JSON.parse(cm.data['dapr-apps.json']);
    assert.ok(dash.panels.length >= 4);
    assert.equal(find('HelmRelease', 'kube-prometheus-stack').spec.values.grafana.sidecar.dashboards.label, 'grafana_dashboard');
  });
  it('the platform namespaces enforce Pod Security, the tenant ones "restricted"', () => {
    for (const ns of all().filter((o) => o.kind === 'Namespace')) {
      assert.ok(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], `${ns.metadata.name} sets an enforce level`);
      if (ns.metadata.labels?.['paddock.dev/tenant'] === 'true') assert.equal(ns.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
    }
  });
});

describe('platform/apps: the app entries', () => {
  const apps = () => all().filter((o) => o.kind === 'HelmRelease' && o.metadata.labels?.['paddock.dev/app']);
  it('app1 and app2 are onboarded from their values files exactly (onboard is a no-op)', () => {
    for (const name of ['app1', 'app2']) {
      const file = join(paths.root, 'apps', name, 'values.yaml');
      const values = parse(readFileSync(file, 'utf8'));
      const result = planOnboard(platform, { name, values, source: sourceOf(file, values) }, chartVersion());
      assert.ok(!result.refused, JSON.stringify(result.refused));
      assert.deepEqual(
        result.plan.changes.map((c) => c.path),
        [],
        `${name} entry is what onboard writes`,
      );
      assert.deepEqual(result.plan.proposals, [], `${name} needs nothing from another app`);
    }
  });
  it('each release: shared chart from Harbor, release <name>, namespace <name>-ns, platform settings by valuesFrom', () => {
    assert.deepEqual(
      apps()
        .map((a) => a.metadata.name)
        .sort(),
      ['app1', 'app2'],
    );
    for (const hr of apps()) {
      const name = hr.metadata.name;
      assert.equal(hr.spec.releaseName, name);
      assert.equal(hr.spec.targetNamespace, `${name}-ns`);
      assert.deepEqual(hr.spec.chartRef, { kind: 'OCIRepository', name: 'app-chart', namespace: 'flux-system' });
      assert.equal(hr.spec.valuesFrom[0].name, 'paddock-platform-settings');
      assert.equal(hr.spec.values.platform, undefined, 'no platform settings in the app values');
      const ns = find('Namespace', `${name}-ns`).metadata.labels!;
      assert.equal(ns['paddock.dev/tenant'], 'true');
      assert.equal(ns['paddock.dev/app'], name);
      assert.equal(ns['pod-security.kubernetes.io/enforce'], 'restricted');
      assert.ok(ns['pod-security.kubernetes.io/enforce-version']);
    }
    assert.match(find('OCIRepository', 'app-chart').spec.url, /^oci:\/\/paddock-control-plane:30000\/platform\/app$/);
  });
  it('the kind cluster has a system worker and one tainted worker per onboarded app', () => {
    const kind = parse(readFileSync(join(platform, 'clusters/kind/kind-config.yaml'), 'utf8'));
    assert.equal(kind.networking.disableDefaultCNI, true);
    assert.equal(kind.networking.kubeProxyMode, 'none');
    const workers = kind.nodes.filter((n: { role: string }) => n.role === 'worker');
    assert.ok(workers.some((w: { labels: Record<string, string> }) => w.labels['paddock.dev/nodepool'] === 'system'));
    for (const hr of apps()) {
      const pool = hr.spec.values.nodepool ?? hr.metadata.name;
      const w = workers.find((x: { labels: Record<string, string> }) => x.labels['paddock.dev/nodepool'] === pool);
      assert.ok(w, `a worker for pool ${pool}`);
      assert.match(w.kubeadmConfigPatches.join('\n'), new RegExp(`key: paddock.dev/nodepool\\s+value: ${pool}\\s+effect: NoSchedule`));
    }
    assert.ok(kind.nodes[0].extraPortMappings.some((m: { containerPort: number }) => m.containerPort === 30000));
  });
});
