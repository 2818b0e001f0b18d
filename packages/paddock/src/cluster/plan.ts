import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { injectorSettingsFromRelease } from '../policies/injector-settings.js';
import { UserError } from '../report/errors.js';
import { onboardNameProblem } from '../gitops/names.js';
import type { HostFacts } from './host.js';
import { describeSpace, spaceNeeds, type SpaceNeed } from './disk.js';
import {
  bootstrapRegistryImage,
  builtNodeImage,
  type ClusterImage,
  clusterCharts,
  clusterImages,
  clusterManifests,
  FLUX_COMPONENTS,
  type ImageSource,
} from './images.js';
import { appBaseImages, exampleImages, type ExampleImage } from './app-images.js';
import { CLUSTER, REQUIRED_TOOLS, VERSIONS } from './versions.js';

/**
 * The bootstrap as data: an ordered list of steps that `--dry-run` prints and
 * `cluster up` executes, through the same code. A step is a command, a wait
 * on Flux, an HTTP call, or the tool check.
 */
export type Action =
  | { kind: 'tools'; tools: string[] }
  | { kind: 'exec'; argv: string[]; cwd?: string; env?: Record<string, string>; secretEnv?: string[]; skipIf?: string[]; alreadyDone?: string }
  | {
      kind: 'http';
      method: 'GET' | 'POST';
      url: string;
      basicAuth?: { user: string; passwordEnv: string; default: string };
      body?: unknown;
      okStatus: number[];
      retryForSeconds?: number;
    }
  | { kind: 'wait-flux'; names?: string[]; timeoutSeconds: number }
  /** An aggregated API (an APIService backed by a Service) answering through the API server, not only reported Available. */
  | { kind: 'wait-api'; apiService: string; path: string; timeoutSeconds: number; restartAfterSeconds: number }
  | { kind: 'write'; path: string; content: string }
  /** Free disk space, before anything is built or started (a full disk fails an hour in otherwise). */
  | { kind: 'space'; needs: SpaceNeed[] }
  | { kind: 'status' };

export interface Step {
  phase: string;
  title: string;
  action: Action;
}

export interface PlanOptions {
  root: string;
  /** Revision recorded on the pushed tree (git commit), or "local". */
  revision: string;
  /** Where `helm package` writes the chart. */
  workDir: string;
  /** Harbor's API as the host reaches it (default http://localhost:30000; PADDOCK_HARBOR_API overrides). */
  harborApi?: string;
  /** Where the cluster's images come from (default pull: upstream's registries). */
  images?: ImageSource;
  /** Why that source (printed with the plan). */
  imagesWhy?: string;
  /** What the plan adapts to on this machine (default: a cgroup v2 host). */
  host?: HostFacts;
  /** Stop after this phase (make e2e runs the stack in stages). */
  until?: string;
  /** Node pools to give a worker beyond the tree's kind config: apps to onboard later (kind cannot add a node to a running cluster). */
  pools?: string[];
  /** The GitOps tree `cluster sync` hands to Flux (default: the checkout's platform/). */
  platform?: string;
}

/** The phases of `cluster up`, in order (--until takes one of them). */
export const UP_PHASES = ['prerequisites', 'images', 'cluster', 'network', 'gitops', 'converge', 'publish', 'summary'] as const;

/** Where the built Cilium chart is copied (tools/images/chart.sh), relative to the repository. */
export const BUILT_CHART_DIR = '.cache/cluster/charts';
/** Where tools/images/manifests.sh writes the controllers' manifests, relative to the repository. */
export const BUILT_MANIFESTS_DIR = '.cache/cluster/manifests';

/**
 * The kind config `kind create` reads: the tree's platform/clusters/kind/kind-config.yaml
 * as it is, or — where images are built, or the host is on cgroup v1 — a copy
 * in the work folder with the built node image and the kubelet setting the
 * host needs. Nothing else changes.
 */
export function kindConfigFor(o: PlanOptions): { path: string; content?: string } {
  const tree = join(o.root, 'platform', 'clusters', 'kind', 'kind-config.yaml');
  const build = o.images === 'build';
  const v1 = o.host?.cgroupV1 === true;
  const config = parse(readFileSync(tree, 'utf8')) as { nodes?: KindNode[]; kubeadmConfigPatches?: string[] };
  const pools = (o.pools ?? []).filter((p) => !config.nodes?.some((n) => n.labels?.[NODEPOOL] === p));
  if (!build && !v1 && !pools.length) return { path: tree };
  const notes: string[] = [];
  for (const pool of pools) {
    const problem = onboardNameProblem(pool);
    if (problem) throw new UserError(`--pool ${pool}: ${problem}`, 'A pool is named after the app that will run on it.');
    config.nodes = [...(config.nodes ?? []), poolWorker(config.nodes?.find((n) => n.role === 'worker')?.image, pool)];
  }
  if (pools.length) notes.push(`a tainted worker for the pool${pools.length > 1 ? 's' : ''} ${pools.join(', ')} (--pool), for apps onboarded later`);
  if (build) {
    const image = builtNodeImage(o.root);
    for (const n of config.nodes ?? []) n.image = image;
    notes.push(`every node runs ${image}, built here (no registry answers; upstream's kindest/node is pulled by digest)`);
  }
  if (v1) {
    // kubelet 1.35+ refuses to start on cgroup v1 unless told otherwise.
    config.kubeadmConfigPatches = [...(config.kubeadmConfigPatches ?? []), 'kind: KubeletConfiguration\nfailCgroupV1: false\n'];
    notes.push('the host is on cgroup v1: the kubelet runs with failCgroupV1: false');
  }
  const header = ['# platform/clusters/kind/kind-config.yaml for this machine (written by paddock cluster up):', ...notes.map((n) => `# - ${n}`)].join('\n');
  return { path: join(o.workDir, 'kind-config.yaml'), content: `${header}\n${stringify(config)}` };
}

interface KindNode {
  role?: string;
  image?: string;
  labels?: Record<string, string>;
  kubeadmConfigPatches?: string[];
}

const NODEPOOL = 'paddock.dev/nodepool';

/** A worker only the pool's app tolerates, as the tree's app workers are. */
function poolWorker(image: string | undefined, pool: string): KindNode {
  return {
    role: 'worker',
    ...(image ? { image } : {}),
    labels: { [NODEPOOL]: pool },
    kubeadmConfigPatches: [`kind: JoinConfiguration\nnodeRegistration:\n  taints:\n    - key: ${NODEPOOL}\n      value: ${pool}\n      effect: NoSchedule\n`],
  };
}

/** The kind nodes with their pools, named as kind names them: <cluster>-control-plane, <cluster>-worker, <cluster>-worker2, … in the config's order. */
export function kindNodes(o: PlanOptions): { name: string; role: string; pool?: string }[] {
  const written = kindConfigFor(o);
  const config = parse(written.content ?? readFileSync(written.path, 'utf8')) as { nodes?: KindNode[] };
  const count: Record<string, number> = {};
  return (config.nodes ?? []).map((n) => {
    const role = n.role ?? 'control-plane';
    count[role] = (count[role] ?? 0) + 1;
    return { name: `${CLUSTER.name}-${role}${count[role] > 1 ? count[role] : ''}`, role, pool: n.labels?.[NODEPOOL] };
  });
}

/**
 * `kind load` onto the nodes that run the image, not all: every node's
 * containerd keeps its own copy, and four copies of the platform's images
 * filled this machine's disk. No --nodes (all of them) where none matches.
 */
function loadOnto(o: PlanOptions, refs: string[], onto: 'system' | { pool: string } | 'all'): string[] {
  const nodes =
    onto === 'all'
      ? []
      : kindNodes(o)
          .filter((n) => n.role === 'worker' && (onto === 'system' ? !n.pool || n.pool === 'system' : n.pool === onto.pool))
          .map((n) => n.name);
  return ['kind', 'load', 'docker-image', ...refs, '--name', CLUSTER.name, ...(nodes.length ? ['--nodes', nodes.join(',')] : [])];
}

/** Build every image of the cluster here, each tagged with the reference the manifests name. */
function imageSteps(o: PlanOptions): Step[] {
  const images = neededImages(o);
  const preload = images.filter((i) => i.placement === 'preload').map((i) => i.ref);
  return images.map((img, i) => ({
    phase: 'images',
    title: `build image ${i + 1} of ${images.length}: ${img.ref} (from ${img.from})`,
    action: { kind: 'exec', cwd: o.root, argv: ['tools/images/build.sh', img.recipe, img.ref, ...(img.placement === 'node' ? preload : [])] },
  }));
}

/** Cilium: CNI and kube-proxy replacement, from helm.cilium.io, or from the cilium module where images are built. */
function ciliumSteps(o: PlanOptions): Step[] {
  const build = o.images === 'build';
  const loaded = loadedIn(o.root, 'network');
  const chart = build ? [`${BUILT_CHART_DIR}/cilium`] : ['cilium', '--repo', 'https://helm.cilium.io', '--version', VERSIONS.cilium];
  return [
    ...(build
      ? [
          {
            phase: 'network',
            title: `load the Cilium images onto the kind nodes (${loaded.join(', ')})`,
            action: { kind: 'exec' as const, argv: ['kind', 'load', 'docker-image', ...loaded, '--name', CLUSTER.name] },
          },
          {
            phase: 'network',
            title: `take Cilium's chart ${VERSIONS.cilium} from the cilium module (install/kubernetes/cilium)`,
            action: { kind: 'exec' as const, cwd: o.root, argv: ['tools/images/chart.sh', 'cilium'] },
          },
        ]
      : []),
    {
      phase: 'network',
      title: `install Cilium ${VERSIONS.cilium} as CNI and kube-proxy replacement${build ? ' (images built here: no Envoy/L7 proxy, no Hubble)' : ''}`,
      action: {
        kind: 'exec',
        ...(build ? { cwd: o.root } : {}),
        argv: [
          'helm',
          'upgrade',
          '--install',
          'cilium',
          ...chart,
          '--kube-context',
          CLUSTER.context,
          '--namespace',
          'kube-system',
          '--set',
          'kubeProxyReplacement=true',
          '--set',
          `k8sServiceHost=${CLUSTER.controlPlane}`,
          '--set',
          'k8sServicePort=6443',
          '--set',
          'ipam.mode=kubernetes',
          '--set',
          'operator.replicas=1',
          '--set',
          'hubble.enabled=false',
          // The images built here are tagged, not pushed: no digest to pin, and
          // no Envoy (the L7 proxy is a C++ build this machine does not do).
          ...(build
            ? ['--set', 'image.useDigest=false', '--set', 'operator.image.useDigest=false', '--set', 'envoy.enabled=false', '--set', 'l7Proxy=false']
            : []),
          '--wait',
          '--timeout',
          '10m',
        ],
      },
    },
  ];
}

/**
 * The daprd image the platform's Dapr release has the injector add to app pods
 * (platform/infrastructure/controllers/dapr.yaml), when it is in the platform
 * registry, with the upstream image it mirrors (same name and tag at ghcr.io/dapr).
 */
export function daprSidecarMirror(root: string): { image: string; upstream: string } | undefined {
  const file = join(root, 'platform', 'infrastructure', 'controllers', 'dapr.yaml');
  const image = existsSync(file) ? injectorSettingsFromRelease(file)?.sidecarImage : undefined;
  if (!image?.startsWith(`${CLUSTER.harborHost}/`)) return undefined;
  return { image, upstream: `ghcr.io/dapr/${image.split('/').at(-1)}` };
}

/** The same Harbor repository as nodes and pods name it (localhost:30000/…) and as kind's network reaches it. */
const inHarbor = (image: string): string => image.replace(`${CLUSTER.harborHost}/`, `${CLUSTER.harborInCluster}/`);

/**
 * A shell command in the skopeo container on kind's network, the work folder
 * mounted as /images when `work` is given; Harbor's admin password goes in
 * when the script uses it.
 */
function skopeo(o: PlanOptions, script: string, work?: 'ro' | 'rw'): Extract<Action, { kind: 'exec' }> {
  const password = script.includes(`$${CLUSTER.harborPasswordEnv}`);
  return {
    kind: 'exec',
    ...(password ? { secretEnv: [CLUSTER.harborPasswordEnv], env: { [CLUSTER.harborPasswordEnv]: CLUSTER.harborDefaultPassword } } : {}),
    argv: [
      'docker',
      'run',
      '--rm',
      '--network',
      'kind',
      ...(password ? ['-e', CLUSTER.harborPasswordEnv] : []),
      ...(work ? ['-v', `${o.workDir}:/images:${work}`] : []),
      '--entrypoint',
      'sh',
      VERSIONS.skopeoImage,
      '-c',
      script,
    ],
  };
}

const harborProject = (o: PlanOptions, project: string): Step => ({
  phase: 'publish',
  title: `create Harbor's public "${project}" project (idempotent)`,
  action: {
    kind: 'http',
    method: 'POST',
    url: `${o.harborApi ?? `http://${CLUSTER.harborHost}`}/api/v2.0/projects`,
    basicAuth: { user: CLUSTER.harborUser, passwordEnv: CLUSTER.harborPasswordEnv, default: CLUSTER.harborDefaultPassword },
    body: { project_name: project, public: true },
    okStatus: [201, 409],
    retryForSeconds: 300,
  },
});

/**
 * Harbor's immutable-tag rule on a project, for every tag of every image: a
 * pushed tag can never be pushed again or deleted, so one tag is one image on
 * every node (the chart pulls IfNotPresent). The shared chart's own
 * repository (`app`, versioned by the platform team and pinned by Flux) is
 * left out, so that `cluster up` can push a chart under development again.
 * Harbor answers 409 when the same rule exists already.
 */
const harborImmutableTags = (o: PlanOptions, project: string): Step => ({
  phase: 'publish',
  title: `make every tag in Harbor's "${project}" project immutable (idempotent)`,
  action: {
    kind: 'http',
    method: 'POST',
    url: `${o.harborApi ?? `http://${CLUSTER.harborHost}`}/api/v2.0/projects/${project}/immutabletagrules`,
    basicAuth: { user: CLUSTER.harborUser, passwordEnv: CLUSTER.harborPasswordEnv, default: CLUSTER.harborDefaultPassword },
    body: {
      disabled: false,
      action: 'immutable',
      template: 'immutable_template',
      tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
      scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoExcludes', pattern: 'app' }] },
    },
    okStatus: [201, 409],
    retryForSeconds: 300,
  },
});

/**
 * Dapr's sidecar image into Harbor and onto the nodes: the injector adds it to
 * every app pod, and paddock-pod-images admits images from the platform
 * registry only. Harbor gets the upstream image as published (every platform,
 * same digest); the nodes get the one for their platform, read back from Harbor.
 */
function daprSidecarSteps(o: PlanOptions, m: { image: string; upstream: string }): Step[] {
  const project = m.image.split('/')[1]!;
  const tar = 'daprd-image.tar';
  const creds = `--dest-creds "${CLUSTER.harborUser}:$${CLUSTER.harborPasswordEnv}"`;
  return [
    ...(project === CLUSTER.harborProject ? [] : [harborProject(o, project)]),
    {
      phase: 'publish',
      title: `mirror Dapr's sidecar image ${m.upstream} to Harbor as ${inHarbor(m.image)}`,
      action: skopeo(o, `skopeo copy --all --dest-tls-verify=false ${creds} docker://${m.upstream} docker://${inHarbor(m.image)}`),
    },
    {
      phase: 'publish',
      title: `export ${m.image} from Harbor for the nodes`,
      action: skopeo(o, `skopeo copy --src-tls-verify=false docker://${inHarbor(m.image)} docker-archive:/images/${tar}:${m.image}`, 'rw'),
    },
    // An archive of one platform's image: `kind load docker-image` of a pulled
    // multi-platform image fails with Docker's containerd image store.
    {
      phase: 'publish',
      title: `load ${m.image} onto the kind nodes`,
      action: { kind: 'exec', argv: ['kind', 'load', 'image-archive', join(o.workDir, tar), '--name', CLUSTER.name] },
    },
  ];
}

function chartVersion(root: string): string {
  return (parse(readFileSync(join(root, 'charts', 'app', 'Chart.yaml'), 'utf8')) as { version: string }).version;
}

const kubectl = (...args: string[]): string[] => ['kubectl', '--context', CLUSTER.context, ...args];

/** The index of a phase in UP_PHASES (every phase when none is given). */
function phaseIndex(phase: string | undefined): number {
  if (phase === undefined) return UP_PHASES.length;
  const i = UP_PHASES.indexOf(phase as (typeof UP_PHASES)[number]);
  if (i < 0) throw new Error(`unknown phase "${phase}" (phases: ${UP_PHASES.join(', ')})`);
  return i;
}

/** The images this plan needs: those of the phases it gets to. */
function neededImages(o: PlanOptions): ClusterImage[] {
  const until = phaseIndex(o.until);
  return clusterImages(o.root).filter((i) => phaseIndex(i.neededIn) <= until);
}

/** The images `kind load` puts onto the nodes in a phase (the rest are in the node image, or run beside it). */
const loadedIn = (root: string, phase: ClusterImage['neededIn']): string[] =>
  clusterImages(root)
    .filter((i) => (i.placement === 'load' || i.alsoLoad) && i.neededIn === phase)
    .map((i) => i.ref);

/** `paddock cluster up`: from nothing to every Kustomization and HelmRelease ready. */
export function upPlan(o: PlanOptions): Step[] {
  const until = phaseIndex(o.until);
  const steps = [
    ...prerequisiteSteps(o),
    ...(o.images === 'build' ? imageSteps(o) : []),
    ...clusterSteps(o),
    ...ciliumSteps(o),
    ...networkReadySteps(),
    ...gitopsSteps(o),
    {
      phase: 'converge',
      title: 'wait for the infrastructure controllers (metrics-server, Prometheus, ESO, Dapr, Harbor)',
      action: { kind: 'wait-flux' as const, names: ['infrastructure-controllers'], timeoutSeconds: 1800 },
    },
    {
      phase: 'converge',
      // namespace deletion waits on every API group's discovery: a Metrics API that is not served hangs offboarding
      title: 'wait for the Metrics API (metrics-server) to answer through the API server',
      action: {
        kind: 'wait-api' as const,
        apiService: 'v1beta1.metrics.k8s.io',
        path: '/apis/metrics.k8s.io/v1beta1/nodes',
        timeoutSeconds: 600,
        restartAfterSeconds: 90,
      },
    },
    // (only when the plan gets there: a base no recipe builds stops the publish phase alone)
    ...(until >= phaseIndex('publish') ? publishSteps(o) : []),
    ...convergeSteps(),
  ];
  return steps.filter((s) => phaseIndex(s.phase) <= until);
}

function prerequisiteSteps(o: PlanOptions): Step[] {
  const gitops = phaseIndex(o.until) >= phaseIndex('gitops');
  const tools = REQUIRED_TOOLS.map((t) => t.name).filter((t) => t !== 'flux' || gitops);
  const build: Step[] =
    o.images === 'build'
      ? [
          {
            phase: 'prerequisites',
            title: 'build the pinned kind, kubectl and helm where no release download answers (tools/build.sh)',
            action: { kind: 'exec', cwd: o.root, argv: ['tools/build.sh', 'kind', 'kubectl', 'helm'] },
          },
          ...(gitops
            ? [
                {
                  phase: 'prerequisites',
                  title: `build the flux CLI ${VERSIONS.flux} with its install manifests embedded, from the controllers' own modules (tools/images/flux.sh)`,
                  action: { kind: 'exec' as const, cwd: o.root, argv: ['tools/images/flux.sh', 'cli'] },
                },
              ]
            : []),
        ]
      : [];
  return [
    ...build,
    { phase: 'prerequisites', title: `check that ${tools.slice(0, -1).join(', ')} and ${tools.at(-1)} are installed`, action: { kind: 'tools', tools } },
    {
      phase: 'prerequisites',
      title: 'check that the Docker engine answers',
      action: { kind: 'exec', argv: ['docker', 'info', '--format', '{{.ServerVersion}}'] },
    },
    {
      phase: 'prerequisites',
      title: 'check that the disks have room for the nodes, the images and their builds',
      action: {
        kind: 'space',
        needs: spaceNeeds(
          o.images ?? 'pull',
          neededImages(o).map((i) => i.ref),
        ),
      },
    },
  ];
}

function clusterSteps(o: PlanOptions): Step[] {
  const kindConfig = kindConfigFor(o);
  const rel = relative(o.root, kindConfig.path) || '.';
  return [
    ...(kindConfig.content !== undefined
      ? [
          {
            phase: 'cluster',
            title: `write the kind config for this machine (${kindConfig.path})`,
            action: { kind: 'write' as const, path: kindConfig.path, content: kindConfig.content },
          },
        ]
      : []),
    {
      phase: 'cluster',
      title: `create the kind cluster "${CLUSTER.name}" (control plane, system worker, one tainted worker per app)`,
      action: {
        kind: 'exec',
        argv: ['kind', 'create', 'cluster', '--config', kindConfig.content === undefined ? rel : kindConfig.path, '--wait', '0s'],
        cwd: o.root,
        skipIf: ['kind', 'get', 'kubeconfig', '--name', CLUSTER.name],
      },
    },
  ];
}

function networkReadySteps(): Step[] {
  return [
    {
      phase: 'network',
      title: 'wait until every node is Ready',
      action: { kind: 'exec', argv: kubectl('wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=300s') },
    },
    {
      phase: 'network',
      title: 'wait until CoreDNS runs',
      action: { kind: 'exec', argv: kubectl('-n', 'kube-system', 'rollout', 'status', 'deployment/coredns', '--timeout=300s') },
    },
  ];
}

/** The Flux controllers the bootstrap installs (the same list `flux install` and `flux check` are given). */
export const FLUX_COMPONENTS_FLAG = `--components=${FLUX_COMPONENTS.join(',')}`;

/** The entry point the bootstrap applies: clusters/kind, or its air-gapped overlay where images and charts are built here. */
export function entryPoint(o: PlanOptions): string {
  return o.images === 'build' ? 'platform/clusters/kind-airgapped' : 'platform/clusters/kind';
}

function gitopsSteps(o: PlanOptions): Step[] {
  const registryImage = bootstrapRegistryImage(o.root);
  const loaded = o.images === 'build' ? loadedIn(o.root, 'gitops') : [];
  // Dapr's sidecar runs in every app pod, on every pool; the rest only on the system pool
  const sidecar = clusterImages(o.root).find((i) => i.recipe === 'dapr-daprd')?.ref;
  const platform = loaded.filter((r) => r !== sidecar);
  return [
    {
      phase: 'gitops',
      title: `start the bootstrap registry (${registryImage}) that serves the platform tree to Flux`,
      action: {
        kind: 'exec',
        argv: ['docker', 'run', '-d', '--restart=always', '--name', CLUSTER.registry, '-p', `127.0.0.1:${CLUSTER.registryHostPort}:5000`, registryImage],
        skipIf: ['docker', 'inspect', CLUSTER.registry],
      },
    },
    {
      phase: 'gitops',
      title: `connect the registry to kind's network (pods reach it as ${CLUSTER.registry}:5000)`,
      action: { kind: 'exec', argv: ['docker', 'network', 'connect', 'kind', CLUSTER.registry], alreadyDone: 'already exists' },
    },
    ...(platform.length > 0
      ? [
          {
            phase: 'gitops',
            title: `load the images of Flux and of the platform's controllers onto the system pool's nodes (${platform.join(', ')})`,
            action: { kind: 'exec' as const, argv: loadOnto(o, platform, 'system') },
          },
        ]
      : []),
    ...(sidecar && loaded.includes(sidecar)
      ? [
          {
            phase: 'gitops',
            title: `load Dapr's sidecar image ${sidecar} onto every node (the injector adds it to every app pod)`,
            action: { kind: 'exec' as const, argv: loadOnto(o, [sidecar], 'all') },
          },
        ]
      : []),
    {
      phase: 'gitops',
      title: `install Flux ${VERSIONS.flux} (${FLUX_COMPONENTS.join(', ')})`,
      action: { kind: 'exec', argv: ['flux', 'install', `--version=${VERSIONS.flux}`, FLUX_COMPONENTS_FLAG, '--context', CLUSTER.context] },
    },
    { phase: 'gitops', title: 'check Flux', action: { kind: 'exec', argv: ['flux', 'check', FLUX_COMPONENTS_FLAG, '--context', CLUSTER.context] } },
    ...(o.images === 'build' ? [...controllerChartSteps(o), ...controllerManifestSteps(o)] : []),
    pushTree(o),
    {
      phase: 'gitops',
      title: `apply the Flux entry point ${entryPoint(o)}/flux-system (the one kubectl apply; Flux owns everything after it)`,
      action: { kind: 'exec', cwd: o.root, argv: kubectl('apply', '-k', `${entryPoint(o)}/flux-system`) },
    },
  ];
}

/**
 * Where no chart repository answers: each chart the controllers' HelmReleases
 * install, taken from its pinned module and pushed to the bootstrap registry,
 * where clusters/kind-airgapped points their HelmRepositories.
 */
function controllerChartSteps(o: PlanOptions): Step[] {
  const repo = `oci://localhost:${CLUSTER.registryHostPort}/${CLUSTER.chartsRepository}`;
  return clusterCharts(o.root).flatMap((c): Step[] => [
    {
      phase: 'gitops',
      title: `take the ${c.name} chart ${c.version} from ${c.from}${c.substitution ? ` (substitution: ${c.substitution})` : ''}`,
      action: { kind: 'exec', cwd: o.root, argv: ['tools/images/chart.sh', c.name] },
    },
    {
      phase: 'gitops',
      title: `package the ${c.name} chart`,
      action: { kind: 'exec', cwd: o.root, argv: ['helm', 'package', `${BUILT_CHART_DIR}/${c.name}`, '--destination', o.workDir] },
    },
    {
      phase: 'gitops',
      title: `push it to the bootstrap registry as ${repo}/${c.name}:${c.version} (pods: oci://${CLUSTER.registry}:5000/${CLUSTER.chartsRepository})`,
      action: { kind: 'exec', argv: ['helm', 'push', join(o.workDir, `${c.name}-${c.version}.tgz`), repo, '--plain-http'] },
    },
  ]);
}

/**
 * Where a controller ships no chart in its module: its own manifests, taken
 * from the pinned module and pushed to the bootstrap registry as an OCI
 * artifact, which a Flux Kustomization of clusters/kind-airgapped applies.
 */
function controllerManifestSteps(o: PlanOptions): Step[] {
  const repo = `oci://localhost:${CLUSTER.registryHostPort}/${CLUSTER.manifestsRepository}`;
  return clusterManifests(o.root).flatMap((m): Step[] => [
    {
      phase: 'gitops',
      title: `take the ${m.name} manifests ${m.version} from ${m.from} (substitution: ${m.substitution})`,
      action: { kind: 'exec', cwd: o.root, argv: ['tools/images/manifests.sh', m.name] },
    },
    {
      phase: 'gitops',
      title: `push them to the bootstrap registry as ${repo}/${m.name}:${m.version} (pods: oci://${CLUSTER.registry}:5000/${CLUSTER.manifestsRepository})`,
      action: {
        kind: 'exec',
        cwd: o.root,
        argv: [
          'flux',
          'push',
          'artifact',
          `${repo}/${m.name}:${m.version}`,
          `--path=${BUILT_MANIFESTS_DIR}/${m.name}`,
          `--source=${m.from.split(' ')[0]}`,
          `--revision=${m.version}`,
        ],
      },
    },
  ]);
}

/**
 * Harbor's projects and rules, Dapr's sidecar image, the example apps' images,
 * and last the shared chart: the apps' HelmReleases install from it, so no app
 * pod starts before everything it needs is in place.
 */
function publishSteps(o: PlanOptions): Step[] {
  if (o.images === 'build') return publishBuiltSteps(o);
  const steps: Step[] = [harborProject(o, CLUSTER.harborProject), harborImmutableTags(o, CLUSTER.harborProject)];
  const dapr = daprSidecarMirror(o.root);
  if (dapr) steps.push(...daprSidecarSteps(o, dapr));
  for (const img of exampleImages(o.root)) steps.push(...exampleImageSteps(o, img));
  steps.push(...chartSteps(o));
  return steps;
}

/**
 * Where images are built, the registry in Harbor's place (CNCF distribution
 * at Harbor's address) has no projects, robot accounts or immutable-tag rules:
 * the same pushes go to it straight from the host (localhost:30000), with the
 * Docker engine and helm that built them, and nothing is pulled: Dapr's
 * sidecar is the one built here, each example app's image is its Dockerfile
 * built on the bases built here.
 */
function publishBuiltSteps(o: PlanOptions): Step[] {
  const unbuildable = appBaseImages(o.root).filter((b) => !b.recipe);
  if (unbuildable.length)
    throw new UserError(
      `${unbuildable.map((b) => `${b.where}: FROM ${b.ref}`).join('; ')}: no registry answers here, and paddock builds only the bases python:3.11[.x]-slim-bookworm and node:<x.y.z>-bookworm-slim`,
      'Base the Dockerfile on one of those, or run cluster up where the registries answer (--images pull).',
    );
  const steps: Step[] = [];
  const dapr = daprSidecarMirror(o.root);
  if (dapr)
    steps.push({
      phase: 'publish',
      title: `push Dapr's sidecar image ${dapr.image}, built here, to the registry in Harbor's place (no Harbor projects or immutable-tag rules there)`,
      action: { kind: 'exec', argv: ['docker', 'push', dapr.image] },
    });
  for (const img of exampleImages(o.root))
    steps.push(
      {
        phase: 'publish',
        title: `build ${img.app}'s image ${img.image} from its Dockerfile, on the bases built here`,
        action: { kind: 'exec', cwd: o.root, argv: ['docker', 'build', '-t', img.image, relative(o.root, img.context) || '.'] },
      },
      { phase: 'publish', title: `push ${img.image} to the registry in Harbor's place`, action: { kind: 'exec', argv: ['docker', 'push', img.image] } },
      {
        phase: 'publish',
        title: `load ${img.image} onto ${img.app}'s pool (${img.pool})`,
        action: { kind: 'exec', argv: loadOnto(o, [img.image], { pool: img.pool }) },
      },
    );
  const version = chartVersion(o.root);
  steps.push(
    {
      phase: 'publish',
      title: `package the shared chart ${version}`,
      action: { kind: 'exec', cwd: o.root, argv: ['helm', 'package', 'charts/app', '--destination', o.workDir] },
    },
    {
      phase: 'publish',
      title: `push the chart to the registry in Harbor's place as oci://${CLUSTER.harborHost}/${CLUSTER.harborProject}/app:${version}`,
      action: {
        kind: 'exec',
        argv: ['helm', 'push', join(o.workDir, `app-${version}.tgz`), `oci://${CLUSTER.harborHost}/${CLUSTER.harborProject}`, '--plain-http'],
      },
    },
  );
  return steps;
}

function exampleImageSteps(o: PlanOptions, img: ExampleImage): Step[] {
  // Into Harbor under the name nodes and pods use (skopeo in a container on kind's network, as for the chart)…
  const tar = `${img.app}-image.tar`;
  return [
    {
      phase: 'publish',
      title: `build ${img.app}'s image ${img.image}`,
      action: { kind: 'exec', cwd: o.root, argv: ['docker', 'build', '-t', img.image, relative(o.root, img.context) || '.'] },
    },
    {
      phase: 'publish',
      title: `export ${img.image} for the push`,
      action: { kind: 'exec', argv: ['docker', 'save', '-o', join(o.workDir, tar), img.image] },
    },
    {
      phase: 'publish',
      title: `push ${img.app}'s image to Harbor as ${inHarbor(img.image)}`,
      // A second `cluster up` finds the tag there already: immutable, so Harbor keeps the first push (a change needs a new tag).
      action: {
        ...skopeo(
          o,
          `skopeo copy --dest-tls-verify=false --dest-creds "${CLUSTER.harborUser}:$${CLUSTER.harborPasswordEnv}" docker-archive:/images/${tar} docker://${inHarbor(img.image)}`,
          'ro',
        ),
        alreadyDone: 'configured as immutable',
      },
    },
    // …and straight onto the nodes, so the first start does not wait for a pull.
    {
      phase: 'publish',
      title: `load ${img.image} onto ${img.app}'s pool (${img.pool})`,
      action: { kind: 'exec', argv: loadOnto(o, [img.image], { pool: img.pool }) },
    },
  ];
}

function chartSteps(o: PlanOptions): Step[] {
  const version = chartVersion(o.root);
  const chartTgz = join(o.workDir, `app-${version}.tgz`);
  // The registry login as helm reads it (docker config format), so no login flags are needed.
  const login =
    `mkdir -p ~/.config/helm/registry && printf '{"auths":{"%s":{"auth":"%s"}}}' ${CLUSTER.harborInCluster} ` +
    `"$(printf '%s:%s' ${CLUSTER.harborUser} "$${CLUSTER.harborPasswordEnv}" | base64 | tr -d '\\n')" > ~/.config/helm/registry/config.json`;
  return [
    {
      phase: 'publish',
      title: `package the shared chart ${version}`,
      action: { kind: 'exec', cwd: o.root, argv: ['helm', 'package', 'charts/app', '--destination', o.workDir] },
    },
    {
      phase: 'publish',
      title: `push the chart to Harbor as oci://${CLUSTER.harborInCluster}/${CLUSTER.harborProject}/app:${version} (helm in a container on kind's network)`,
      action: {
        kind: 'exec',
        secretEnv: [CLUSTER.harborPasswordEnv],
        env: { [CLUSTER.harborPasswordEnv]: CLUSTER.harborDefaultPassword },
        argv: [
          'docker',
          'run',
          '--rm',
          '--network',
          'kind',
          '-e',
          CLUSTER.harborPasswordEnv,
          '-v',
          `${o.workDir}:/charts:ro`,
          '--entrypoint',
          'sh',
          VERSIONS.helmImage,
          '-c',
          `${login} && helm push /charts/${relative(o.workDir, chartTgz)} oci://${CLUSTER.harborInCluster}/${CLUSTER.harborProject} --plain-http`,
        ],
      },
    },
  ];
}

function convergeSteps(): Step[] {
  return [
    {
      phase: 'converge',
      title: 'ask Flux to fetch the shared chart now',
      action: {
        kind: 'exec',
        argv: ['flux', 'reconcile', 'source', 'oci', 'app-chart', '-n', 'flux-system', '--context', CLUSTER.context],
        alreadyDone: 'not found',
      },
    },
    { phase: 'converge', title: 'wait for every Kustomization and HelmRelease to be Ready', action: { kind: 'wait-flux', timeoutSeconds: 1800 } },
    { phase: 'summary', title: 'print the platform status', action: { kind: 'status' } },
  ];
}

/** The platform/ tree (or --platform's) as an OCI artifact in the bootstrap registry: what Flux reconciles. */
function pushTree(o: PlanOptions): Step {
  const registry = `localhost:${CLUSTER.registryHostPort}`;
  return {
    phase: 'gitops',
    title: `push the platform/ tree to the bootstrap registry (oci://${registry}/${CLUSTER.treeRepository}:latest)`,
    action: {
      kind: 'exec',
      cwd: o.root,
      argv: [
        'flux',
        'push',
        'artifact',
        `oci://${registry}/${CLUSTER.treeRepository}:latest`,
        `--path=${o.platform ?? 'platform'}`,
        '--source=paddock',
        `--revision=latest@sha1:${o.revision}`,
      ],
    },
  };
}

/** `paddock cluster sync`: after onboard/offboard (or any change under platform/), hand the tree to Flux again. */
export function syncPlan(o: PlanOptions): Step[] {
  return [
    { phase: 'prerequisites', title: 'check that flux and kubectl are installed', action: { kind: 'tools', tools: ['flux', 'kubectl'] } },
    pushTree(o),
    {
      phase: 'converge',
      title: 'ask Flux to fetch it and apply it now',
      action: { kind: 'exec', argv: ['flux', 'reconcile', 'kustomization', 'platform', '--with-source', '-n', 'flux-system', '--context', CLUSTER.context] },
    },
    { phase: 'converge', title: 'wait for every Kustomization and HelmRelease to be Ready', action: { kind: 'wait-flux', timeoutSeconds: 900 } },
    { phase: 'summary', title: 'print the platform status', action: { kind: 'status' } },
  ];
}

/** `paddock cluster down`: the cluster and the bootstrap registry go; nothing else on the machine is touched. */
export function downPlan(): Step[] {
  return [
    { phase: 'prerequisites', title: 'check that docker and kind are installed', action: { kind: 'tools', tools: ['docker', 'kind'] } },
    {
      phase: 'cluster',
      title: `delete the kind cluster "${CLUSTER.name}"`,
      action: { kind: 'exec', argv: ['kind', 'delete', 'cluster', '--name', CLUSTER.name] },
    },
    {
      phase: 'cluster',
      title: `remove the bootstrap registry container ${CLUSTER.registry}`,
      action: { kind: 'exec', argv: ['docker', 'rm', '-f', CLUSTER.registry], alreadyDone: 'No such container' },
    },
  ];
}

/** One line per step, numbered: what `--dry-run` prints. */
export function formatPlan(steps: Step[]): string[] {
  return steps.map((s, i) => `${String(i + 1).padStart(2)}. [${s.phase}] ${s.title}\n      ${describe(s.action)}`);
}

export function describe(a: Action): string {
  switch (a.kind) {
    case 'tools':
      return `look up ${a.tools.join(', ')} on PATH`;
    case 'exec':
      return `$ ${a.argv.map(quote).join(' ')}${a.skipIf ? `   (skipped when \`${a.skipIf.join(' ')}\` succeeds)` : ''}`;
    case 'http':
      return `${a.method} ${a.url}${a.body ? ` ${JSON.stringify(a.body)}` : ''} (ok: ${a.okStatus.join('/')})`;
    case 'wait-flux':
      return `poll Kustomizations and HelmReleases${a.names ? ` until ${a.names.join(', ')} ${a.names.length > 1 ? 'are' : 'is'} Ready` : ' until all are Ready'} (at most ${Math.round(a.timeoutSeconds / 60)} min)`;
    case 'wait-api':
      return `poll GET ${a.path} until it answers (at most ${Math.round(a.timeoutSeconds / 60)} min); when ${a.apiService} is Available but the API server answers NotFound for ${a.restartAfterSeconds} s, restart kube-apiserver once (its aggregator can keep a stale handler; seen on kind)`;
    case 'write':
      return `write ${a.path} (${a.content.split('\n').length} lines)`;
    case 'space':
      return describeSpace(a.needs);
    case 'status':
      return 'paddock cluster status';
  }
}

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
