// platform/clusters/kind-airgapped: the entry point `cluster up --images
// build` applies where no chart repository answers (issue 12). It must be
// clusters/kind with exactly the documented differences: the HelmRepositories
// point at the bootstrap registry, and each chart served there is the one
// the HelmRelease then asks for, running the image the plan builds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { bootstrapRegistryImage, CLUSTER, clusterCharts, clusterImages, clusterManifests, ESO_IMAGE_REPOSITORY, toolVersions } from 'paddock/cluster/index.js';
import { checkFluxGraph, chartVersion, type TreeObject } from 'paddock/gitops/index.js';
import { paths, tool } from 'paddock/paths.js';
import { run } from 'paddock/run.js';
import { build, kubeconform, platform, type Obj } from './lib.js';

const key = (o: Obj): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const byKey = (objects: Obj[]): Map<string, Obj> => new Map(objects.map((o) => [key(o), o]));
const pins = toolVersions(paths.root);

/** What differs between two builds: keys present in one only, and keys whose objects differ. */
function differences(a: Obj[], b: Obj[]): { only: string[]; changed: string[] } {
  const [ma, mb] = [byKey(a), byKey(b)];
  const only = [...new Set([...ma.keys(), ...mb.keys()])].filter((k) => !ma.has(k) || !mb.has(k));
  const changed = [...ma.keys()].filter((k) => mb.has(k) && stringify(ma.get(k)) !== stringify(mb.get(k)));
  return { only, changed: changed.sort() };
}

describe('clusters/kind-airgapped: clusters/kind with its charts from the platform registry', () => {
  const built = new Map<string, Obj[]>();
  before(async () => {
    for (const dir of ['clusters/kind', 'clusters/kind/flux-system', 'clusters/kind-airgapped', 'clusters/kind-airgapped/flux-system'])
      built.set(dir, await build(dir));
    built.set('infrastructure/controllers', await build('infrastructure/controllers'));
    built.set('clusters/kind-airgapped/controllers', await build('clusters/kind-airgapped/controllers'));
  });

  it('the root and its entry point differ from clusters/kind only in the paths Flux reconciles', () => {
    for (const [kind, overlay] of [
      ['clusters/kind', 'clusters/kind-airgapped'],
      ['clusters/kind/flux-system', 'clusters/kind-airgapped/flux-system'],
    ] as const) {
      const d = differences(built.get(kind)!, built.get(overlay)!);
      assert.deepEqual(d.only, [], overlay);
      const paths = byKey(built.get(overlay)!);
      const root = paths.get('Kustomization/flux-system/platform')!;
      assert.equal(root.spec.path, './clusters/kind-airgapped', `${overlay}: Flux reconciles the overlay, not clusters/kind`);
      const controllers = paths.get('Kustomization/flux-system/infrastructure-controllers');
      if (controllers) assert.equal(controllers.spec.path, './clusters/kind-airgapped/controllers');
      for (const k of d.changed) {
        const [a, b] = [byKey(built.get(kind)!).get(k)!, paths.get(k)!];
        b.spec.path = a.spec.path;
        assert.equal(stringify(a), stringify(b), `${overlay}: ${k} differs in more than its path`);
      }
    }
  });

  it('every HelmRepository left is the bootstrap registry, as OCI over plain HTTP on kind’s network', () => {
    const repos = built.get('clusters/kind-airgapped/controllers')!.filter((o) => o.kind === 'HelmRepository');
    assert.deepEqual(repos.map((r) => r.metadata.name).sort(), ['dapr', 'external-secrets', 'metrics-server']);
    for (const r of repos) {
      assert.equal(r.spec.url, `oci://${CLUSTER.registry}:5000/${CLUSTER.chartsRepository}`, r.metadata.name);
      assert.equal(r.spec.type, 'oci', r.metadata.name);
      assert.equal(r.spec.insecure, true, r.metadata.name);
    }
  });

  it('the controllers differ from infrastructure/controllers only in the repositories and the named substitutions', () => {
    const base = built.get('infrastructure/controllers')!;
    const overlay = built.get('clusters/kind-airgapped/controllers')!;
    const d = differences(base, overlay);
    const inBase = new Set(base.map(key));
    // Harbor and kube-prometheus-stack cannot be built here: what stands in for each (--dry-run names both)
    assert.deepEqual(d.only.filter((k) => inBase.has(k)).sort(), [
      'HelmRelease/harbor-system/harbor',
      'HelmRelease/monitoring/kube-prometheus-stack',
      'HelmRepository/flux-system/harbor',
      'HelmRepository/flux-system/prometheus-community',
    ]);
    assert.deepEqual(d.only.filter((k) => !inBase.has(k)).sort(), [
      'Deployment/harbor-system/registry',
      'Kustomization/flux-system/prometheus',
      'Kustomization/flux-system/prometheus-operator',
      'OCIRepository/flux-system/prometheus-operator',
      'PersistentVolumeClaim/harbor-system/registry',
      'Service/harbor-system/registry',
    ]);
    assert.ok(clusterManifests(paths.root).some((m) => m.name === 'prometheus-operator' && /kube-prometheus-stack/.test(m.substitution)));
    assert.match(clusterImages(paths.root).find((i) => i.recipe === 'registry')!.from, /Harbor/);
    const substituted = clusterCharts(paths.root)
      .filter((c) => c.substitution)
      .map((c) => c.name);
    const releases = d.changed.filter((k) => k.startsWith('HelmRelease/')).map((k) => k.split('/')[2]);
    assert.deepEqual(
      d.changed.filter((k) => k.startsWith('HelmRepository/')).sort(),
      overlay
        .filter((o) => o.kind === 'HelmRepository')
        .map(key)
        .sort(),
    );
    assert.deepEqual(releases.sort(), substituted.sort(), 'a HelmRelease changes only where the chart is a named substitution');
    // the one other change: Harbor's namespace holds only distribution now, which runs "restricted"
    assert.deepEqual(
      d.changed.filter((k) => !/^Helm(Release|Repository)\//.test(k)),
      ['Namespace//harbor-system'],
    );
    const ns = overlay.find((o) => key(o) === 'Namespace//harbor-system')!;
    assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  });

  it('validates strictly and its Flux graph is sound', async () => {
    const objects = built.get('clusters/kind-airgapped/controllers')!;
    const r = await kubeconform(objects.map((o) => stringify(o)).join('---\n'));
    assert.deepEqual(r.problems, []);
    const tree = [...built.get('clusters/kind-airgapped')!, ...objects].map((object) => ({ file: '(built)', line: 0, object }) as TreeObject);
    assert.deepEqual(checkFluxGraph(platform, tree, chartVersion()), []);
  });

  it('each chart the plan pushes is the version its HelmRelease asks for, and every HelmRelease left is served', () => {
    const releases = built.get('clusters/kind-airgapped/controllers')!.filter((o) => o.kind === 'HelmRelease');
    const charts = clusterCharts(paths.root);
    for (const c of charts) {
      const r = releases.find((x) => x.spec.chart.spec.chart === c.name);
      assert.ok(r, `a HelmRelease installs ${c.name}`);
      assert.equal(r.spec.chart.spec.version, c.version, `${c.name}: pushed and asked for at the same version`);
    }
    const notServed = releases.map((r) => r.spec.chart.spec.chart as string).filter((n) => !charts.some((c) => c.name === n));
    assert.deepEqual(notServed, []);
  });

  it("runs Harbor's registry role with the bootstrap registry's image, at Harbor's NodePort, loaded onto the nodes", () => {
    const objects = built.get('clusters/kind-airgapped/controllers')!;
    const pod = objects.find((o) => key(o) === 'Deployment/harbor-system/registry')!.spec.template.spec;
    const image = clusterImages(paths.root).find((i) => i.recipe === 'registry')!;
    assert.equal(pod.containers[0].image, bootstrapRegistryImage(paths.root));
    assert.equal(image.ref, bootstrapRegistryImage(paths.root));
    assert.equal(image.alsoLoad, true, 'kind load puts it onto the nodes: no pod pulls');
    assert.deepEqual(pod.nodeSelector, { 'paddock.dev/nodepool': 'system' });
    const svc = objects.find((o) => key(o) === 'Service/harbor-system/registry')!;
    const harborPort = Number(CLUSTER.harborHost.split(':')[1]);
    assert.equal(svc.spec.type, 'NodePort');
    assert.equal(svc.spec.ports[0].nodePort, harborPort, `${CLUSTER.harborHost} on every node, as Harbor's`);
  });
});

/**
 * tools/images/chart.sh NAME into a fresh cache, rendered with its HelmRelease's
 * values from the air-gapped controllers, as helm-controller renders it.
 */
async function renderServedChart(cache: string, name: string): Promise<Obj[]> {
  execFileSync(join(paths.root, 'tools', 'images', 'chart.sh'), [name], {
    env: { ...process.env, PADDOCK_CLUSTER_CACHE: cache },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const release = (await build('clusters/kind-airgapped/controllers')).find((o) => o.kind === 'HelmRelease' && o.spec.chart.spec.chart === name)!;
  const values = join(cache, 'values.yaml');
  writeFileSync(values, stringify(release.spec.values));
  const r = await run(tool('helm'), [
    'template',
    release.metadata.name,
    join(cache, 'charts', name),
    '-n',
    release.metadata.namespace ?? 'default',
    '-f',
    values,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
}

describe('the metrics-server chart taken from its module', () => {
  let cache = '';
  before(() => {
    cache = mkdtempSync(join(tmpdir(), 'paddock-charts-'));
  });
  after(() => rmSync(cache, { recursive: true, force: true }));

  it('is the pinned chart, and renders the image the plan builds on the system pool', async () => {
    const objects = await renderServedChart(cache, 'metrics-server');
    const pod = objects.find((o) => o.kind === 'Deployment')!.spec.template.spec;
    const built = clusterImages(paths.root).find((i) => i.recipe === 'metrics-server')!;
    assert.equal(pod.containers[0].image, built.ref, 'the chart runs the image the plan builds, tag for tag');
    assert.equal(built.ref, `registry.k8s.io/metrics-server/metrics-server:${pins.METRICS_SERVER_VERSION}`);
    assert.deepEqual(pod.nodeSelector, { 'paddock.dev/nodepool': 'system' });
    assert.ok(pod.containers[0].args.includes('--kubelet-insecure-tls'));
    assert.ok(objects.some((o) => o.kind === 'APIService' && o.metadata.name === 'v1beta1.metrics.k8s.io'));
  });
});

describe("Dapr's chart taken from its module", () => {
  let cache = '';
  let objects: Obj[] = [];
  before(async () => {
    cache = mkdtempSync(join(tmpdir(), 'paddock-charts-'));
    objects = await renderServedChart(cache, 'dapr');
  });
  after(() => rmSync(cache, { recursive: true, force: true }));

  const pods = (): { name: string; spec: Obj['spec'] }[] =>
    objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind)).map((o) => ({ name: o.metadata.name, spec: o.spec.template.spec }));

  it("is versioned by dapr's release step as the pinned chart", () => {
    const chart = readFileSync(join(cache, 'charts', 'dapr', 'Chart.yaml'), 'utf8');
    const version = pins.DAPRD_VERSION!.replace(/^v/, '');
    assert.match(chart, new RegExp(`^version: '${version}'$`, 'm'));
    assert.match(chart, new RegExp(`^appVersion: '${version}'$`, 'm'));
    assert.doesNotMatch(chart, /0\.0\.0/, 'every subchart dependency is at the release too');
  });

  it('runs exactly the control-plane images the plan builds, on the system pool', () => {
    const built = clusterImages(paths.root).filter((i) => i.recipe.startsWith('dapr-') && i.recipe !== 'dapr-daprd');
    const used = pods().flatMap((p) => [...(p.spec.initContainers ?? []), ...p.spec.containers].map((c: { image: string }) => c.image));
    assert.deepEqual([...new Set(used)].sort(), built.map((i) => i.ref).sort(), 'every image the chart names is built, and nothing more');
    for (const p of pods()) assert.deepEqual(p.spec.nodeSelector, { 'paddock.dev/nodepool': 'system' }, p.name);
  });

  it('has the injector add the full daprd the plan builds and loads', () => {
    const injector = pods().find((p) => p.name === 'dapr-sidecar-injector')!;
    const env = injector.spec.containers[0].env as { name: string; value: string }[];
    const sidecar = clusterImages(paths.root).find((i) => i.recipe === 'dapr-daprd')!;
    assert.equal(env.find((e) => e.name === 'SIDECAR_IMAGE')?.value, sidecar.ref);
    assert.equal(sidecar.placement, 'load');
    assert.match(sidecar.from, /-tags allcomponents/, 'the official flavour, not the slim local build');
  });

  it("keeps the scheduler's jobs on a volume of the cluster's default storage class (kind's local-path provisioner)", () => {
    const scheduler = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'dapr-scheduler-server')!;
    assert.ok(scheduler, 'the scheduler runs');
    const claims = scheduler.spec.volumeClaimTemplates as { spec: { storageClassName?: string } }[];
    assert.equal(claims.length, 1);
    assert.equal(claims[0]!.spec.storageClassName, undefined, 'the default class: what kind installs');
    assert.equal(clusterCharts(paths.root).find((c) => c.name === 'dapr')!.substitution, undefined, 'the chart as published');
  });
});

describe("External Secrets Operator's chart taken from its module", () => {
  let cache = '';
  let objects: Obj[] = [];
  before(async () => {
    cache = mkdtempSync(join(tmpdir(), 'paddock-charts-'));
    objects = await renderServedChart(cache, 'external-secrets');
  });
  after(() => rmSync(cache, { recursive: true, force: true }));

  it('is the chart of the served module, without the subchart nothing here can fetch', () => {
    const chart = readFileSync(join(cache, 'charts', 'external-secrets', 'Chart.yaml'), 'utf8');
    assert.match(chart, new RegExp(`^version: "${pins.ESO_CHART_VERSION}"$`, 'm'));
    assert.doesNotMatch(chart, /^dependencies:/m);
    assert.doesNotMatch(chart, /bitwarden/);
    const eso = clusterCharts(paths.root).find((c) => c.name === 'external-secrets')!;
    assert.match(eso.substitution!, new RegExp(`pinned chart ${pins.ESO_PINNED_CHART!.replace(/\./g, '\\.')}`));
  });

  it('runs the one image the plan builds in all three of its pods, on the system pool', () => {
    const pods = objects.filter((o) => o.kind === 'Deployment').map((o) => ({ name: o.metadata.name, spec: o.spec.template.spec }));
    assert.deepEqual(pods.map((p) => p.name).sort(), ['external-secrets', 'external-secrets-cert-controller', 'external-secrets-webhook']);
    const built = clusterImages(paths.root).find((i) => i.recipe === 'external-secrets')!;
    assert.equal(built.ref, `${ESO_IMAGE_REPOSITORY}:${pins.ESO_VERSION}`);
    for (const p of pods) {
      assert.deepEqual(
        p.spec.containers.map((c: { image: string }) => c.image),
        [built.ref],
        `${p.name} runs the built image`,
      );
      assert.deepEqual(p.spec.nodeSelector, { 'paddock.dev/nodepool': 'system' }, p.name);
    }
  });

  it('installs the external-secrets.io/v1 kinds the shared chart renders', () => {
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    for (const name of ['externalsecrets.external-secrets.io', 'secretstores.external-secrets.io']) {
      const crd = crds.find((c) => c.metadata.name === name);
      assert.ok(crd, `${name} is installed (installCRDs)`);
      assert.ok(
        crd.spec.versions.some((v: { name: string; served: boolean }) => v.name === 'v1' && v.served),
        `${name} serves v1`,
      );
    }
    const chartTemplate = readFileSync(join(paths.root, 'charts', 'app', 'templates', 'externalsecret.yaml'), 'utf8');
    assert.deepEqual([...new Set(chartTemplate.match(/^apiVersion: .*$/gm))], ['apiVersion: external-secrets.io/v1']);
  });
});

describe('Prometheus where kube-prometheus-stack cannot be installed', () => {
  let cache = '';
  let controllers: Obj[] = [];
  let operator: Obj[] = [];
  before(async () => {
    cache = mkdtempSync(join(tmpdir(), 'paddock-manifests-'));
    execFileSync(join(paths.root, 'tools', 'images', 'manifests.sh'), ['prometheus-operator'], {
      env: { ...process.env, PADDOCK_CLUSTER_CACHE: cache },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    controllers = await build('clusters/kind-airgapped/controllers');
    // what kustomize-controller does with the pushed artifact: the Kustomization's
    // targetNamespace and patches over the bundle, built by kustomize itself
    const ks = controllers.find((o) => key(o) === 'Kustomization/flux-system/prometheus-operator')!;
    writeFileSync(
      join(cache, 'manifests', 'prometheus-operator', 'kustomization.yaml'),
      stringify({ resources: ['bundle.yaml'], namespace: ks.spec.targetNamespace, patches: ks.spec.patches }),
    );
    const r = await run(tool('kustomize'), ['build', join(cache, 'manifests', 'prometheus-operator')]);
    assert.equal(r.code, 0, r.stderr);
    operator = parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as Obj)
      .filter(Boolean);
  });
  after(() => rmSync(cache, { recursive: true, force: true }));

  it("serves the operator's own bundle at its version, applied by Flux from the bootstrap registry", () => {
    const repo = controllers.find((o) => key(o) === 'OCIRepository/flux-system/prometheus-operator')!;
    const m = clusterManifests(paths.root).find((x) => x.name === 'prometheus-operator')!;
    assert.equal(repo.spec.url, `oci://${CLUSTER.registry}:5000/${CLUSTER.manifestsRepository}/${m.name}`);
    assert.equal(repo.spec.ref.tag, pins.PROMETHEUS_OPERATOR_VERSION);
    assert.equal(m.version, pins.PROMETHEUS_OPERATOR_VERSION);
    const prometheus = controllers.find((o) => key(o) === 'Kustomization/flux-system/prometheus')!;
    assert.deepEqual(prometheus.spec.dependsOn, [{ name: 'prometheus-operator' }], 'the Prometheus waits for its CRD');
    assert.ok(
      prometheus.spec.healthCheckExprs.some((e: { kind: string }) => e.kind === 'Prometheus'),
      'Ready only once Prometheus runs',
    );
  });

  it('runs the operator in the monitoring namespace on the system pool, with the images the plan builds', () => {
    const deployment = operator.find((o) => o.kind === 'Deployment' && o.metadata.name === 'prometheus-operator')!;
    assert.equal(deployment.metadata.namespace, 'monitoring');
    const pod = deployment.spec.template.spec;
    assert.equal(pod.nodeSelector['paddock.dev/nodepool'], 'system');
    const built = new Map(clusterImages(paths.root).map((i) => [i.recipe, i.ref]));
    assert.equal(pod.containers[0].image, built.get('prometheus-operator'));
    assert.ok(pod.containers[0].args.includes(`--prometheus-config-reloader=${built.get('prometheus-config-reloader')}`));
    const binding = operator.find((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name === 'prometheus-operator')!;
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'prometheus-operator', namespace: 'monitoring' }]);
    for (const crd of ['podmonitors', 'servicemonitors', 'prometheuses'])
      assert.ok(
        operator.some((o) => o.kind === 'CustomResourceDefinition' && o.metadata.name === `${crd}.monitoring.coreos.com`),
        crd,
      );
  });

  it("runs the Prometheus the operator deploys by default, built here, selecting what the chart's would", async () => {
    const objects = await build('clusters/kind-airgapped/prometheus');
    const r = await kubeconform(objects.map((o) => stringify(o)).join('---\n'));
    assert.deepEqual(r.problems, []);
    const p = objects.find((o) => o.kind === 'Prometheus')!;
    const built = clusterImages(paths.root).find((i) => i.recipe === 'prometheus')!;
    assert.equal(p.spec.image, built.ref);
    assert.equal(p.spec.version, pins.PROMETHEUS_VERSION);
    // v3.M.P is module v0.3MM.P
    const [, minor, patch] = /^v3\.(\d+)\.(\d+)$/.exec(pins.PROMETHEUS_VERSION!)!;
    assert.equal(pins.PROMETHEUS_MODULE_VERSION, `v0.3${minor!.padStart(2, '0')}.${patch}`);
    const src = execFileSync('go', ['mod', 'download', '-json', `${pins.PROMETHEUS_OPERATOR_MODULE}@${pins.PROMETHEUS_OPERATOR_VERSION}`], {
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=mod', GOWORK: 'off' },
    });
    const defaults = readFileSync(join(JSON.parse(src).Dir, 'pkg', 'operator', 'defaults.go'), 'utf8');
    const matrix = /PrometheusCompatibilityMatrix = \[\]string\{([^}]*)\}/.exec(defaults)![1]!.match(/"v[^"]+"/g)!;
    assert.equal(matrix.at(-1), `"${pins.PROMETHEUS_VERSION}"`, "the operator's default Prometheus");
    // the selectors of the HelmRelease values (podMonitorSelectorNilUsesHelmValues): release: kube-prometheus-stack, any namespace
    const selector = { matchLabels: { release: 'kube-prometheus-stack' } };
    assert.deepEqual(p.spec.podMonitorSelector, selector);
    assert.deepEqual(p.spec.serviceMonitorSelector, selector);
    assert.deepEqual(p.spec.podMonitorNamespaceSelector, {});
    const monitors = (await build('infrastructure/configs/dapr')).filter((o) => o.kind === 'PodMonitor');
    assert.ok(monitors.length > 0);
    for (const m of monitors) assert.equal(m.metadata.labels?.release, 'kube-prometheus-stack', `${m.metadata.name} is scraped`);
    assert.deepEqual(p.spec.nodeSelector, { 'paddock.dev/nodepool': 'system' });
  });
});
