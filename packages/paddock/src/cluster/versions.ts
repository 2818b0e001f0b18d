/** What the bootstrap installs, pinned. Everything else is pinned in platform/ and installed by Flux. */
export const VERSIONS = {
  cilium: '1.19.3',
  flux: 'v2.9.5',
  /** helm inside kind's Docker network, to push the chart to Harbor under the name pods use. */
  helmImage: 'alpine/helm:3.19.0',
  /** skopeo inside kind's Docker network, to push the example images to Harbor. */
  skopeoImage: 'quay.io/skopeo/stable:v1.16.1',
} as const;

/** Names the bootstrap and the tree share (platform/clusters/kind). */
export const CLUSTER = {
  name: 'paddock',
  context: 'kind-paddock',
  controlPlane: 'paddock-control-plane',
  /** The bootstrap registry container, on kind's network as paddock-registry:5000 and on the host as 127.0.0.1:5050. */
  registry: 'paddock-registry',
  registryHostPort: 5050,
  treeRepository: 'paddock/platform',
  /** Where the controllers' charts go in the bootstrap registry when no chart repository answers (clusters/kind-airgapped). */
  chartsRepository: 'charts',
  /** Where the controllers' plain manifests go beside them (an OCI artifact per controller; clusters/kind-airgapped). */
  manifestsRepository: 'manifests',
  /** Harbor, from the host (API) and from pods and nodes (registry). */
  harborHost: 'localhost:30000',
  harborInCluster: 'paddock-control-plane:30000',
  harborProject: 'platform',
  /** Harbor's default admin account, demo only (docs/cluster.md says how to change it). */
  harborUser: 'admin',
  harborPasswordEnv: 'HARBOR_PASSWORD',
  harborDefaultPassword: 'Harbor12345',
} as const;

export const REQUIRED_TOOLS: { name: string; why: string; install: string }[] = [
  { name: 'docker', why: 'runs the kind nodes and builds the example images', install: 'https://docs.docker.com/engine/install/' },
  { name: 'kind', why: 'creates the cluster', install: 'https://kind.sigs.k8s.io/docs/user/quick-start/#installation' },
  { name: 'kubectl', why: 'applies the Flux entry point and reads status', install: 'https://kubernetes.io/docs/tasks/tools/' },
  { name: 'helm', why: 'installs Cilium and packages the shared chart', install: 'https://helm.sh/docs/intro/install/' },
  { name: 'flux', why: 'installs Flux 2.9.5 and pushes the platform tree', install: 'https://fluxcd.io/flux/installation/#install-the-flux-cli' },
];
