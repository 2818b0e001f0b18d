// One path, two image sources (issue 12): where the registries answer,
// `cluster up` pulls as upstream publishes; where they don't, its plan builds
// every image here from pinned source, tagged with the reference the
// manifests name. The decision and the plan are data: tested here without
// Docker (the live run is make e2e).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  BUILT_CHART_DIR,
  CLUSTER,
  CONFIGS_WORKLOADS,
  FLUX_COMPONENTS,
  VERSIONS,
  builtNodeImage,
  chooseImageSource,
  clusterCharts,
  clusterImages,
  clusterManifests,
  daprSidecarMirror,
  kindConfigFor,
  kindNodes,
  registriesAnswer,
  toolVersions,
  upPlan,
  workloadImages,
  type Step,
} from 'paddock/cluster/index.js';
import { UserError } from 'paddock/report/errors.js';
import { paths } from 'paddock/paths.js';
import { paddock } from '../lib/cli.js';

const argv = (s: Step): string[] => (s.action.kind === 'exec' ? s.action.argv : []);
const base = { root: paths.root, revision: 'x', workDir: '/w' };
const pins = toolVersions(paths.root);

describe('the image source', () => {
  it('--images and PADDOCK_IMAGE_SOURCE choose, auto asks the registries', async () => {
    const never = async (): Promise<boolean> => assert.fail('no probe when the source is given');
    assert.equal((await chooseImageSource('pull', never)).source, 'pull');
    assert.equal((await chooseImageSource('build', never)).source, 'build');
    assert.equal((await chooseImageSource('auto', async () => true)).source, 'pull');
    const offline = await chooseImageSource('auto', async () => false);
    assert.equal(offline.source, 'build');
    assert.match(offline.why, /no registry answers \(registry\.k8s\.io, quay\.io\)/);
    const saved = process.env.PADDOCK_IMAGE_SOURCE;
    try {
      process.env.PADDOCK_IMAGE_SOURCE = 'build';
      assert.deepEqual(await chooseImageSource(undefined, never), { source: 'build', why: 'PADDOCK_IMAGE_SOURCE says build' });
    } finally {
      if (saved === undefined) delete process.env.PADDOCK_IMAGE_SOURCE;
      else process.env.PADDOCK_IMAGE_SOURCE = saved;
    }
    await assert.rejects(
      chooseImageSource('docker', never),
      (e: unknown) => e instanceof UserError && /--images is "docker"; it must be pull, build or auto/.test(e.message),
    );
  });

  it('a registry "answers" with any HTTP status (401 included) and not when nothing listens', async () => {
    const server = createServer((_req, res) => res.writeHead(401).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v2/`;
    try {
      assert.equal(await registriesAnswer(2000, [url]), true);
    } finally {
      server.close();
    }
    assert.equal(await registriesAnswer(2000, [url]), false, 'closed port');
  });
});

describe('the images the cluster needs', () => {
  const images = clusterImages(paths.root);

  it('are the references kubeadm and the Cilium chart name, at the pins', () => {
    const k8s = pins.KUBERNETES_VERSION!;
    assert.deepEqual(
      images.map((i) => i.ref),
      [
        `registry.k8s.io/pause:${pins.PAUSE_VERSION}`,
        'registry.k8s.io/etcd:3.6.6-0',
        `registry.k8s.io/kube-apiserver:${k8s}`,
        `registry.k8s.io/kube-controller-manager:${k8s}`,
        `registry.k8s.io/kube-scheduler:${k8s}`,
        `registry.k8s.io/coredns/coredns:${pins.COREDNS_VERSION}`,
        pins.KIND_STORAGE_PROVISIONER_IMAGE,
        pins.KIND_STORAGE_HELPER_IMAGE,
        `quay.io/cilium/cilium:v${VERSIONS.cilium}`,
        `quay.io/cilium/operator-generic:v${VERSIONS.cilium}`,
        `registry:${pins.REGISTRY_VERSION!.replace(/^v/, '')}`,
        `ghcr.io/fluxcd/source-controller:${pins.FLUX_SOURCE_CONTROLLER_VERSION}`,
        `ghcr.io/fluxcd/kustomize-controller:${pins.FLUX_KUSTOMIZE_CONTROLLER_VERSION}`,
        `ghcr.io/fluxcd/helm-controller:${pins.FLUX_HELM_CONTROLLER_VERSION}`,
        `registry.k8s.io/metrics-server/metrics-server:${pins.METRICS_SERVER_VERSION}`,
        ...['operator', 'placement', 'scheduler', 'sentry', 'injector'].map((c) => `ghcr.io/dapr/${c}:${pins.DAPRD_VERSION!.replace(/^v/, '')}`),
        daprSidecarMirror(paths.root)!.image,
        // the image ESO's chart names, at the version served (the chart's own tag is patched to it)
        `oci.external-secrets.io/external-secrets/external-secrets:${pins.ESO_VERSION}`,
        // the names the operator's bundle and its default Prometheus give them
        `quay.io/prometheus-operator/prometheus-operator:${pins.PROMETHEUS_OPERATOR_VERSION}`,
        `quay.io/prometheus-operator/prometheus-config-reloader:${pins.PROMETHEUS_OPERATOR_VERSION}`,
        `quay.io/prometheus/prometheus:${pins.PROMETHEUS_VERSION}`,
        // the platform's own services, as their manifests name them
        `hashicorp/vault:${pins.VAULT_VERSION!.replace(/^v/, '')}`,
        'redis:7.4-alpine',
        'python:3.12-alpine',
        // the bases the example apps' Dockerfiles name
        'python:3.11.14-slim-bookworm',
        'node:20.19.5-bookworm-slim',
        builtNodeImage(paths.root),
      ],
    );
    assert.equal(pins.FLUX_VERSION, VERSIONS.flux, 'one Flux pin: tools/versions.env and cluster/versions.ts agree');
    assert.equal(pins.CILIUM_VERSION, `v${VERSIONS.cilium}`, 'one Cilium pin: tools/versions.env and cluster/versions.ts agree');
  });

  it("preloads the storage images kind's node image names, and writes kind's storage manifest naming them", () => {
    const mod = execFileSync('go', ['mod', 'download', '-json', `${pins.KIND_MODULE}@${pins.KIND_VERSION}`], {
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=mod', GOWORK: 'off' },
    });
    const dir = (JSON.parse(mod) as { Dir: string }).Dir;
    const go = readFileSync(join(dir, 'pkg', 'build', 'nodeimage', 'const_storage.go'), 'utf8');
    const constant = (name: string) => new RegExp(`^const ${name} = "([^"]+)"$`, 'm').exec(go)?.[1];
    const preloaded = images.filter((i) => i.placement === 'preload').map((i) => i.ref);
    for (const name of ['storageProvisionerImage', 'storageHelperImage'])
      assert.ok(preloaded.includes(constant(name)!), `${name} = ${constant(name)} is preloaded`);
    // build.sh's kind_storage: the manifest kind's node image build writes
    const script = `source tools/images/lib.sh; eval "$(sed -n '/^kind_storage()/,/^}/p' tools/images/build.sh)"; kind_storage ${dir}`;
    const manifest = execFileSync('bash', ['-c', script], { cwd: paths.root, encoding: 'utf8' });
    const docs = manifest.split(/^---$/m).map((d) => parse(d) as { kind?: string; metadata?: { name: string; annotations?: Record<string, string> } } | null);
    const sc = docs.find((d) => d?.kind === 'StorageClass');
    assert.equal(sc?.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true', 'the default class');
    assert.ok(manifest.includes(`image: ${constant('storageProvisionerImage')}`) && !manifest.includes('storageHelperImage'), 'constants in place');
  });

  it('tools/images/flux.sh builds the Flux controllers the plan installs, each pinned', () => {
    const script = readFileSync(join(paths.root, 'tools', 'images', 'flux.sh'), 'utf8');
    const list = /^FLUX_COMPONENTS=\(([^)]*)\)/m.exec(script)?.[1]?.trim().split(/\s+/);
    assert.deepEqual(list, [...FLUX_COMPONENTS]);
    for (const name of FLUX_COMPONENTS) assert.match(pins[`FLUX_${name.toUpperCase().replace(/-/g, '_')}_VERSION`] ?? '', /^v\d+\.\d+\.\d+$/, name);
  });

  it("builds every image a workload of platform/infrastructure names (no pod of the platform's own pulls)", () => {
    const refs = new Set(images.map((i) => i.ref));
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
      );
    const named = files(join(paths.root, 'platform', 'infrastructure')).flatMap((f) => workloadImages(f).map((c) => ({ f, ...c })));
    assert.ok(named.length >= 4, "vault, redis and the provisioner's Job and Deployment");
    for (const c of named)
      assert.ok(refs.has(c.image), `${c.f.slice(paths.root.length + 1)}: container ${c.container} names ${c.image}, which the plan builds`);
    for (const recipe of ['redis', 'python']) {
      const from = images.find((i) => i.recipe === recipe)!.from;
      assert.match(from, /^Debian bookworm's \S+ \(\w+ [\d.]+\) in place of \S+: .{20,}/, `${recipe}: the substitution is named, with its reason`);
    }
  });

  it('follows the manifests for the services it builds, and refuses a Vault tag other than the pin', () => {
    const root = mkdtempSync(join(tmpdir(), 'paddock-configs-'));
    try {
      cpSync(join(paths.root, 'tools', 'versions.env'), join(root, 'tools', 'versions.env'));
      cpSync(join(paths.root, 'tools', 'images', 'etcd'), join(root, 'tools', 'images', 'etcd'), { recursive: true });
      cpSync(join(paths.root, 'platform'), join(root, 'platform'), { recursive: true });
      const edit = (file: string, from: string, to: string) => {
        const f = join(root, file);
        writeFileSync(f, readFileSync(f, 'utf8').replace(from, to));
      };
      edit(CONFIGS_WORKLOADS.redis.file, 'image: redis:7.4-alpine', 'image: redis:7.2-alpine');
      assert.ok(clusterImages(root).some((i) => i.recipe === 'redis' && i.ref === 'redis:7.2-alpine'));
      edit(CONFIGS_WORKLOADS.vault.file, 'image: hashicorp/vault:1.21.0', 'image: hashicorp/vault:1.20.4');
      assert.throws(
        () => clusterImages(root),
        /vault\.yaml names hashicorp\/vault:1\.20\.4 but tools\/versions\.env pins VAULT_VERSION=v1\.21\.0; make them agree/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('every recipe the plan names exists in tools/images/build.sh', () => {
    const script = readFileSync(join(paths.root, 'tools', 'images', 'build.sh'), 'utf8');
    const cases = new Set([...script.matchAll(/^ {4}([a-z-]+(?: \| [a-z-]+)*)\)/gm)].flatMap((m) => m[1]!.split(' | ')));
    for (const i of images) assert.ok(cases.has(i.recipe), `tools/images/build.sh has a recipe for ${i.recipe}`);
  });
});

describe('cluster up where images are built', () => {
  const steps = upPlan({ ...base, images: 'build', host: { cgroupV1: true } });

  it('builds the tools, then every image with "n of m" progress, before the cluster exists', () => {
    const titles = steps.map((s) => s.title);
    const builds = steps.filter((s) => s.phase === 'images');
    assert.equal(builds.length, clusterImages(paths.root).length);
    assert.deepEqual(argv(steps[1]!), ['tools/images/flux.sh', 'cli'], 'the flux CLI, its install manifests embedded');
    builds.forEach((s, i) => {
      assert.match(s.title, new RegExp(`^build image ${i + 1} of ${builds.length}: `));
    });
    assert.ok(titles.indexOf(builds.at(-1)!.title) < steps.findIndex((s) => argv(s).includes('create')), 'images first, then kind create');
    assert.deepEqual(argv(steps[0]!), ['tools/build.sh', 'kind', 'kubectl', 'helm']);
    // the node image carries what kubeadm needs; Cilium's go on with kind load
    const node = builds.at(-1)!;
    const preload = clusterImages(paths.root)
      .filter((i) => i.placement === 'preload')
      .map((i) => i.ref);
    assert.deepEqual(argv(node), ['tools/images/build.sh', 'node', builtNodeImage(paths.root), ...preload]);
    const load = steps.find((s) => argv(s)[1] === 'load' && s.phase === 'network')!;
    assert.deepEqual(argv(load), [
      'kind',
      'load',
      'docker-image',
      `quay.io/cilium/cilium:v${VERSIONS.cilium}`,
      `quay.io/cilium/operator-generic:v${VERSIONS.cilium}`,
      '--name',
      CLUSTER.name,
    ]);
  });

  it('builds only the images of the phases it gets to (--until network: no registry, no Flux)', () => {
    const network = upPlan({ ...base, images: 'build', host: { cgroupV1: true }, until: 'network' });
    const refs = network.filter((s) => s.phase === 'images').map((s) => argv(s)[2]);
    assert.ok(!refs.some((r) => r?.startsWith('ghcr.io/fluxcd/') || r?.startsWith('registry:')), refs.join(' '));
    assert.ok(!network.some((s) => argv(s)[0] === 'tools/images/flux.sh'), 'no flux CLI build');
    assert.equal(refs.length, clusterImages(paths.root).filter((i) => i.neededIn === 'cluster' || i.neededIn === 'network').length);
  });

  it("loads Flux's and the controllers' images onto the nodes before flux install, and installs the same components it checks", () => {
    const loaded = clusterImages(paths.root).filter((i) => (i.placement === 'load' || i.alsoLoad) && i.neededIn === 'gitops');
    // the registry runs beside the nodes and in Harbor's place on them
    assert.deepEqual(
      loaded.filter((i) => i.placement !== 'load').map((i) => i.recipe),
      ['registry'],
    );
    assert.ok(loaded.some((i) => i.ref.startsWith('ghcr.io/fluxcd/helm-controller:')) && loaded.some((i) => i.recipe === 'metrics-server'));
    // onto the nodes that run them: the system pool's worker, and Dapr's sidecar onto every node
    const load = steps.findIndex((s) => argv(s)[1] === 'load' && s.phase === 'gitops');
    const sidecar = loaded.find((i) => i.recipe === 'dapr-daprd')!.ref;
    assert.deepEqual(argv(steps[load]!), [
      'kind',
      'load',
      'docker-image',
      ...loaded.filter((i) => i.ref !== sidecar).map((i) => i.ref),
      '--name',
      CLUSTER.name,
      '--nodes',
      'paddock-worker',
    ]);
    assert.deepEqual(argv(steps[load + 1]!), ['kind', 'load', 'docker-image', sidecar, '--name', CLUSTER.name]);
    assert.deepEqual(
      kindNodes({ ...base, images: 'build', pools: ['app3'] }).map((n) => `${n.name}:${n.pool ?? '-'}`),
      ['paddock-control-plane:-', 'paddock-worker:system', 'paddock-worker2:app1', 'paddock-worker3:app2', 'paddock-worker4:app3'],
      "kind's node names, in the config's order",
    );
    const install = steps.findIndex((s) => argv(s)[1] === 'install');
    assert.ok(load < install, 'images on the nodes first: no pod pulls');
    const components = '--components=source-controller,kustomize-controller,helm-controller';
    assert.ok(argv(steps[install]!).includes(components));
    assert.ok(argv(steps.find((s) => argv(s)[1] === 'check')!).includes(components));
    const registry = argv(steps.find((s) => argv(s)[0] === 'docker' && argv(s)[1] === 'run')!);
    assert.equal(registry.at(-1), `registry:${pins.REGISTRY_VERSION!.replace(/^v/, '')}`, 'the registry image built from the pinned distribution');
  });

  it('pushes each controller chart and manifest set to the bootstrap registry, then applies the air-gapped entry point', () => {
    const at = (pred: (s: Step) => boolean): number => steps.findIndex(pred);
    for (const m of clusterManifests(paths.root)) {
      const take = at((s) => argv(s).join(' ') === `tools/images/manifests.sh ${m.name}`);
      const push = at((s) => argv(s).slice(0, 4).join(' ') === `flux push artifact oci://localhost:5050/manifests/${m.name}:${m.version}`);
      assert.ok(take >= 0 && take < push, `${m.name}: taken, pushed`);
      assert.ok(argv(steps[push]!).includes(`--path=.cache/cluster/manifests/${m.name}`));
      assert.ok(steps[take]!.title.includes(`substitution: ${m.substitution}`), 'a substitution is never silent');
      assert.ok(push < at((s) => argv(s).includes('apply')), 'pushed before Flux looks for it');
    }
    for (const c of clusterCharts(paths.root)) {
      const take = at((s) => argv(s).join(' ') === `tools/images/chart.sh ${c.name}`);
      const pack = at((s) => argv(s).join(' ') === `helm package ${BUILT_CHART_DIR}/${c.name} --destination /w`);
      const push = at((s) => argv(s).join(' ') === `helm push /w/${c.name}-${c.version}.tgz oci://localhost:5050/charts --plain-http`);
      assert.ok(take >= 0 && take < pack && pack < push, `${c.name}: taken, packaged, pushed`);
      assert.ok(push > at((s) => argv(s)[0] === 'docker' && argv(s)[1] === 'run'), 'after the registry runs');
      if (c.substitution) assert.ok(steps[take]!.title.includes(`substitution: ${c.substitution}`), 'a substitution is never silent');
    }
    const apply = steps.filter((s) => argv(s).includes('apply'));
    assert.deepEqual(
      apply.map((s) => argv(s).slice(3)),
      [['apply', '-k', 'platform/clusters/kind-airgapped/flux-system']],
    );
    assert.ok(at((s) => argv(s).includes('apply')) > at((s) => argv(s)[1] === 'push' && argv(s)[0] === 'helm'), 'charts first, then Flux looks for them');
  });

  it("installs Cilium from the module's chart with the built tags, no Envoy, no Hubble", () => {
    const helm = argv(steps.find((s) => argv(s)[0] === 'helm')!);
    assert.equal(helm[4], `${BUILT_CHART_DIR}/cilium`);
    assert.ok(!helm.includes('--repo'));
    for (const set of [
      'image.useDigest=false',
      'operator.image.useDigest=false',
      'envoy.enabled=false',
      'l7Proxy=false',
      'hubble.enabled=false',
      'kubeProxyReplacement=true',
    ]) {
      assert.ok(helm.includes(set), set);
    }
  });

  it('writes a kind config that differs from the tree only in the node image and the cgroup v1 kubelet setting', () => {
    const tree = parse(readFileSync(join(paths.platform, 'clusters', 'kind', 'kind-config.yaml'), 'utf8'));
    const written = kindConfigFor({ ...base, images: 'build', host: { cgroupV1: true } });
    assert.equal(written.path, '/w/kind-config.yaml');
    const config = parse(written.content!);
    for (const n of config.nodes) assert.equal(n.image, builtNodeImage(paths.root));
    assert.deepEqual(config.kubeadmConfigPatches, ['kind: KubeletConfiguration\nfailCgroupV1: false\n']);
    delete config.kubeadmConfigPatches;
    for (const n of [...config.nodes, ...tree.nodes]) delete n.image;
    assert.deepEqual(config, tree);
    const write = steps.find((s) => s.action.kind === 'write')!;
    assert.equal(write.action.kind === 'write' && write.action.content, written.content);
    assert.deepEqual(argv(steps.find((s) => argv(s).includes('create'))!).slice(0, 5), ['kind', 'create', 'cluster', '--config', '/w/kind-config.yaml']);
  });
});

describe('cluster up --pool: a worker for an app onboarded later', () => {
  it("adds one tainted worker per new pool, like the tree's app workers; a pool the tree has is not doubled", () => {
    const tree = parse(readFileSync(join(paths.platform, 'clusters', 'kind', 'kind-config.yaml'), 'utf8'));
    const app1 = tree.nodes.find((n: { labels?: Record<string, string> }) => n.labels?.['paddock.dev/nodepool'] === 'app1');
    const written = kindConfigFor({ ...base, images: 'pull', host: { cgroupV1: false }, pools: ['app3', 'app1'] });
    assert.equal(written.path, '/w/kind-config.yaml', 'the tree stays as it is: a copy is written');
    assert.match(written.content!, /# - a tainted worker for the pool app3 \(--pool\)/);
    const config = parse(written.content!);
    assert.equal(config.nodes.length, tree.nodes.length + 1);
    const added = config.nodes.at(-1);
    assert.deepEqual(parse(added.kubeadmConfigPatches[0]), parse(app1.kubeadmConfigPatches[0].replaceAll('app1', 'app3')));
    assert.deepEqual(added.labels, { 'paddock.dev/nodepool': 'app3' });
    assert.equal(added.image, app1.image);
    assert.equal(
      kindConfigFor({ ...base, images: 'pull', host: { cgroupV1: false }, pools: ['app1'] }).path.endsWith('platform/clusters/kind/kind-config.yaml'),
      true,
    );
  });

  it('refuses a pool no app could have, naming it, before anything runs', () => {
    assert.throws(() => kindConfigFor({ ...base, images: 'pull', host: { cgroupV1: false }, pools: ['Bad_Name'] }), /--pool Bad_Name: /);
    assert.throws(() => kindConfigFor({ ...base, images: 'pull', host: { cgroupV1: false }, pools: ['admin'] }), /--pool admin: .*reserved/);
  });
});

describe('cluster up where the registries answer', () => {
  it("pulls: no image builds, Cilium from helm.cilium.io, the tree's kind config as it is on cgroup v2", () => {
    const steps = upPlan({ ...base, images: 'pull', host: { cgroupV1: false } });
    assert.ok(!steps.some((s) => s.phase === 'images' || argv(s)[0]?.startsWith('tools/')));
    assert.ok(!steps.some((s) => s.action.kind === 'write'));
    const helm = argv(steps.find((s) => argv(s)[0] === 'helm')!);
    assert.deepEqual(helm.slice(4, 9), ['cilium', '--repo', 'https://helm.cilium.io', '--version', VERSIONS.cilium]);
    assert.ok(!helm.includes('envoy.enabled=false'));
    assert.ok(steps.some((s) => argv(s).join(' ').includes('--config platform/clusters/kind/kind-config.yaml')));
    assert.ok(!steps.some((s) => argv(s)[1] === 'load' && s.phase !== 'publish'), 'the nodes pull the platform images: only the apps are loaded onto them');
    assert.ok(!steps.some((s) => argv(s)[0] === 'helm' && argv(s)[1] === 'push' && s.phase === 'gitops'), 'Flux pulls the charts from their repositories');
    assert.ok(steps.some((s) => argv(s).join(' ').endsWith('apply -k platform/clusters/kind/flux-system')));
    const install = argv(steps.find((s) => argv(s)[1] === 'install')!);
    assert.ok(install.includes(`--version=${VERSIONS.flux}`) && install.includes('--components=source-controller,kustomize-controller,helm-controller'));
  });

  it("on a cgroup v1 host only the kubelet setting changes, the images stay kind's", () => {
    const config = parse(kindConfigFor({ ...base, images: 'pull', host: { cgroupV1: true } }).content!);
    for (const n of config.nodes) assert.match(n.image, /^kindest\/node:v[\d.]+@sha256:/);
  });
});

describe('cluster up --until and --dry-run', () => {
  it('--until network stops after Cilium and the nodes, and needs no flux', () => {
    const steps = upPlan({ ...base, images: 'build', until: 'network' });
    assert.equal(steps.at(-1)!.title, 'wait until CoreDNS runs');
    assert.ok(!steps.some((s) => ['gitops', 'converge', 'publish', 'summary'].includes(s.phase)));
    const tools = steps.find((s) => s.action.kind === 'tools')!;
    assert.deepEqual(tools.action.kind === 'tools' && tools.action.tools, ['docker', 'kind', 'kubectl', 'helm']);
  });

  it('--dry-run lists each image with its source, built or pulled', async () => {
    const built = await paddock(['cluster', 'up', '--images', 'build', '--until', 'network', '--dry-run']);
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stdout, /^images: built here from pinned source \(--images says build\)$/m);
    assert.match(
      built.stdout,
      new RegExp(`^  build registry\\.k8s\\.io/kube-apiserver:${pins.KUBERNETES_VERSION!.replace(/\./g, '\\.')}  ← k8s\\.io/kubernetes `, 'm'),
    );
    assert.match(built.stdout, /^ {2}build quay\.io\/cilium\/cilium:v1\.19\.3 {2}← github\.com\/cilium\/cilium v1\.19\.3 \(agent, no Envoy, no Hubble\)/m);
    assert.match(
      built.stdout,
      /^ {2}oci:\/\/paddock-registry:5000\/charts\/metrics-server:3\.12\.2 {2}← sigs\.k8s\.io\/metrics-server v0\.8\.0 charts\/metrics-server\n {6}substitution: no module ships the pinned chart 3\.13\.0/m,
    );
    const pulled = await paddock(['cluster', 'up', '--images', 'pull', '--dry-run', '--json']);
    assert.equal(pulled.code, 0, pulled.stderr);
    const plan = JSON.parse(pulled.stdout) as { imageSource: string; images: { ref: string; source: string }[] };
    assert.equal(plan.imageSource, 'pull');
    assert.ok(plan.images.every((i) => i.source === 'pull'));
    assert.match(JSON.stringify((plan as { charts?: unknown }).charts), /its HelmRepository in platform\/infrastructure\/controllers\/sources\.yaml/);
  });

  it('a phase that does not exist is refused with the list, exit 2', async () => {
    const r = await paddock(['cluster', 'up', '--images', 'pull', '--until', 'networking', '--dry-run']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--until "networking" is not a phase of cluster up/);
    assert.match(r.stderr, /prerequisites, images, cluster, network/);
  });
});

describe("publishing where images are built (the registry in Harbor's place)", () => {
  const steps = upPlan({ ...base, images: 'build', host: { cgroupV1: true } });
  const publish = steps.filter((s) => s.phase === 'publish');

  it("pushes from the host to Harbor's address, with no Harbor API, skopeo or pulled helm image", () => {
    assert.ok(publish.length > 0);
    assert.ok(!steps.some((s) => s.action.kind === 'http'), 'no Harbor API call (distribution has no projects or rules)');
    assert.ok(!publish.some((s) => argv(s)[0] === 'docker' && argv(s)[1] === 'run'), 'no container pulled to push');
    const pushed = publish.filter((s) => argv(s)[1] === 'push').map((s) => argv(s)[2]);
    assert.deepEqual(pushed.slice(0, 3), [
      'localhost:30000/dapr/daprd:1.17.5',
      'localhost:30000/platform/dapr-app1:1.0.0',
      'localhost:30000/platform/dapr-app2:1.0.0',
    ]);
    const chart = publish.find((s) => argv(s)[0] === 'helm' && argv(s)[1] === 'push')!;
    assert.deepEqual(argv(chart).slice(-2), ['oci://localhost:30000/platform', '--plain-http']);
  });

  it('builds each app from its own Dockerfile after the bases it names, then loads it onto its pool', () => {
    const base0 = base;
    const i = (pred: (s: Step) => boolean) => steps.findIndex(pred);
    for (const [app, baseRef] of [
      ['app1', 'python:3.11.14-slim-bookworm'],
      ['app2', 'node:20.19.5-bookworm-slim'],
    ] as const) {
      const build = i((s) => argv(s)[0] === 'docker' && argv(s)[1] === 'build' && argv(s).at(-1) === `apps/${app}`);
      const base = i((s) => s.phase === 'images' && argv(s)[2] === baseRef);
      const load = i((s) => argv(s)[1] === 'load' && argv(s).includes(`localhost:30000/platform/dapr-${app}:1.0.0`));
      assert.ok(base >= 0 && base < build && build < load, `${app}: base ${base}, build ${build}, load ${load}`);
      const worker = kindNodes({ ...base0, images: 'build' }).find((n) => n.pool === app)!.name;
      assert.deepEqual(argv(steps[load]!).slice(-2), ['--nodes', worker], `${app}'s image onto its own pool only`);
    }
  });

  it('refuses, naming the Dockerfile line, an app whose base no recipe builds', () => {
    const root = mkdtempSync(join(tmpdir(), 'paddock-bases-'));
    try {
      for (const d of ['tools', 'platform', 'apps', 'charts'])
        cpSync(join(paths.root, d), join(root, d), { recursive: true, filter: (src) => !/\/(bin|node_modules|\.venv|dist)$/.test(src) });
      const f = join(root, 'apps', 'app2', 'Dockerfile');
      writeFileSync(f, readFileSync(f, 'utf8').replace('FROM node:20.19.5-bookworm-slim\n', 'FROM node:20-alpine\n'));
      assert.ok(
        clusterImages(root).some((i) => i.ref === 'node:20.19.5-bookworm-slim'),
        'the build stage still names the built base',
      );
      assert.throws(
        () => upPlan({ ...base, root, images: 'build', host: { cgroupV1: true } }),
        (e: unknown) => e instanceof UserError && /apps\/app2\/Dockerfile:11: FROM node:20-alpine: no registry answers here/.test(e.message),
      );
      assert.ok(upPlan({ ...base, root, images: 'build', host: { cgroupV1: true }, until: 'gitops' }).length > 0, 'the phases before publish still plan');
      assert.ok(upPlan({ ...base, root, images: 'pull' }).length > 0, 'pulling, any base will do');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
