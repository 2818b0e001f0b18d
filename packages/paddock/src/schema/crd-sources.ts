/**
 * Where the CRDs paddock validates against (and installs in `check --server`)
 * come from: each component's own CRD manifests at the version the platform
 * pins, read from its Go module (`go mod download`), never from a copy.
 * test/tools/kubernetes-version.test.ts checks these versions against the
 * platform's pins (platform/, cluster/versions.ts, tools/versions.env).
 */

export interface CrdSource {
  /** Shown in progress lines and the provenance file. */
  component: string;
  version: string;
  /** The Go module holding the CRDs, at `version`. */
  module?: string;
  /** Files of that module: the CRD manifests. */
  files?: string[];
  /** Generate them with controller-gen from the module's API types (Flux: see below). */
  controllerGen?: boolean;
  /** Manifests kept in the repository (repository-relative folder), when no Go module can serve them. */
  vendored?: string;
}

/**
 * Flux 2.9.5's controllers (fluxcd/flux2 v2.9.5 manifests/bases). The module
 * proxy refuses notification-controller's own module at v1.9.4 but serves
 * every api module: controller-gen (the version their CRDs record) makes the
 * CRDs from those, byte-identical to the controllers' config/crd/bases.
 */
const FLUX_CONTROLLERS = [
  ['source-controller', 'v1.9.5'],
  ['kustomize-controller', 'v1.9.5'],
  ['helm-controller', 'v1.6.4'],
  ['notification-controller', 'v1.9.4'],
] as const;

export const CRD_SOURCES: readonly CrdSource[] = [
  {
    component: 'Dapr',
    version: 'v1.17.5',
    module: 'github.com/dapr/dapr',
    files: ['components', 'configuration', 'httpendpoints', 'resiliency', 'subscription'].map((f) => `charts/dapr/crds/${f}.yaml`),
  },
  ...FLUX_CONTROLLERS.map(([name, version]) => ({ component: `Flux ${name}`, version, module: `github.com/fluxcd/${name}/api`, controllerGen: true })),
  {
    // ESO 2.x is no Go module version at all (its go.mod path has no /v2), so its
    // CRDs are kept here, unmodified, from the helm-chart-2.3.0 tag (schemas/README.md).
    component: 'External Secrets Operator',
    version: '2.3.0',
    vendored: 'schemas/crd-sources/external-secrets-2.3.0',
  },
  {
    // kube-prometheus-stack 83.6.0 ships prometheus-operator v0.90.1's CRDs.
    component: 'prometheus-operator',
    version: 'v0.90.1',
    module: 'github.com/prometheus-operator/prometheus-operator',
    files: ['podmonitors', 'servicemonitors', 'prometheusrules', 'prometheuses'].map((f) => `example/prometheus-operator-crd/monitoring.coreos.com_${f}.yaml`),
  },
  {
    component: 'Cilium',
    version: 'v1.19.3',
    module: 'github.com/cilium/cilium',
    files: ['ciliumnetworkpolicies', 'ciliumclusterwidenetworkpolicies'].map((f) => `pkg/k8s/apis/cilium.io/client/crds/v2/${f}.yaml`),
  },
];
