/**
 * The platform side of the network: the namespaces apps may (or must not) reach.
 * Their pods carry the labels the upstream charts give them; their own
 * NetworkPolicies are not part of an app check, so they are modelled as not
 * isolated unless policies are passed in.
 */
import type { Platform, PlatformNamespace, PlatformPod, PortSpec } from './model.js';

/** The `platform` block of charts/app/values.yaml (only what is read here). */
export interface ChartPlatformValues {
  dapr?: { namespace?: string };
  dns?: { namespace?: string };
  monitoring?: { namespace?: string };
  redis?: { namespace?: string; port?: number };
  vault?: { address?: string };
  sidecar?: { metricsPort?: number };
  /** Not in the chart today; read when present. */
  network?: { nodeCidrs?: string[]; podCidrs?: string[] };
}

/** kind's node network (the Docker network `kind`); set Platform.nodeCidrs for another cluster. */
export const DEFAULT_NODE_CIDRS = ['172.18.0.0/16'];

/** What every node serves: the kubelet, NodePorts (TCP and UDP), and the host-network Cilium agent's health and metrics ports. */
export const DEFAULT_NODE_PORTS: PortSpec[] = [
  { port: 10250, protocol: 'TCP', name: 'kubelet' },
  { port: 30000, endPort: 32767, protocol: 'TCP', name: 'nodeport' },
  { port: 30000, endPort: 32767, protocol: 'UDP', name: 'nodeport-udp' },
  { port: 4240, protocol: 'TCP', name: 'cilium-health' },
  { port: 9962, protocol: 'TCP', name: 'cilium-metrics' },
];

/** The API server: Service kubernetes.default at the first address of the service range, endpoints on 6443. */
export const DEFAULT_API_SERVER = { serviceAddresses: ['10.96.0.1/32'], servicePort: 443, port: 6443 };

/** Namespace and port of Vault from its in-cluster address (http://vault.vault-system.svc.cluster.local:8200). */
function vaultFrom(address: string | undefined): { namespace: string; port: number } {
  try {
    const url = new URL(address ?? '');
    const parts = url.hostname.split('.');
    return { namespace: parts[1] ?? 'vault-system', port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
  } catch {
    return { namespace: 'vault-system', port: 8200 };
  }
}

/** The platform as the chart's `platform` values describe it (defaults = the chart's defaults). */
export function platformFromChartValues(p: ChartPlatformValues = {}): Platform {
  const vault = p.vault?.address ? vaultFrom(p.vault.address) : { namespace: 'vault-system', port: 8200 };
  const kubeSystem: PlatformPod[] = [
    // The rest of kube-system, with the labels and ports of their upstream charts (platform/infrastructure/controllers/metrics-server.yaml; Cilium).
    {
      name: 'metrics-server',
      role: 'kube-system',
      labels: { 'app.kubernetes.io/name': 'metrics-server', 'k8s-app': 'metrics-server' },
      ports: [
        { port: 10250, protocol: 'TCP', name: 'https' },
        { port: 4443, protocol: 'TCP', name: 'https-legacy' },
      ],
    },
    {
      name: 'cilium-operator',
      role: 'kube-system',
      labels: { 'io.cilium/app': 'operator', name: 'cilium-operator' },
      ports: [
        { port: 9234, protocol: 'TCP', name: 'prometheus' },
        { port: 9891, protocol: 'TCP', name: 'health' },
      ],
    },
    // Any other pod there (kube-proxy, a controller added later): no labels an app policy could aim at.
    {
      name: 'other-pods',
      role: 'kube-system',
      labels: {},
      ports: [
        { port: 8080, protocol: 'TCP' },
        { port: 443, protocol: 'TCP' },
      ],
    },
  ];
  const dnsNs = p.dns?.namespace ?? 'kube-system';
  const namespaces: PlatformNamespace[] = [
    {
      namespace: dnsNs,
      pods: [
        // CoreDNS serves DNS on 53 and, beside it, metrics (9153), liveness (8080) and readiness (8181).
        {
          name: 'coredns',
          role: 'dns',
          labels: { 'k8s-app': 'kube-dns' },
          ports: [
            { port: 53, protocol: 'UDP', name: 'dns' },
            { port: 53, protocol: 'TCP', name: 'dns-tcp' },
            { port: 9153, protocol: 'TCP', name: 'metrics' },
            { port: 8080, protocol: 'TCP', name: 'liveness-probe' },
            { port: 8181, protocol: 'TCP', name: 'readiness-probe' },
          ],
        },
        ...(dnsNs === 'kube-system' ? kubeSystem : []),
      ],
    },
    ...(dnsNs === 'kube-system' ? [] : [{ namespace: 'kube-system', pods: kubeSystem }]),
    {
      namespace: p.dapr?.namespace ?? 'dapr-system',
      // Labels and ports of the Dapr Helm chart's control-plane pods.
      pods: [
        { name: 'dapr-sentry', role: 'dapr-control-plane', labels: { app: 'dapr-sentry' }, ports: [{ port: 50001, protocol: 'TCP' }] },
        { name: 'dapr-operator', role: 'dapr-control-plane', labels: { app: 'dapr-operator' }, ports: [{ port: 6500, protocol: 'TCP' }] },
        { name: 'dapr-placement-server', role: 'dapr-control-plane', labels: { app: 'dapr-placement-server' }, ports: [{ port: 50005, protocol: 'TCP' }] },
        { name: 'dapr-scheduler-server', role: 'dapr-control-plane', labels: { app: 'dapr-scheduler-server' }, ports: [{ port: 50006, protocol: 'TCP' }] },
      ],
    },
    {
      namespace: p.redis?.namespace ?? 'redis-system',
      pods: [
        {
          name: 'redis',
          role: 'redis',
          labels: { 'app.kubernetes.io/name': 'redis' },
          ports: [{ port: p.redis?.port ?? 6379, protocol: 'TCP', name: 'redis' }],
        },
      ],
    },
    {
      namespace: vault.namespace,
      pods: [{ name: 'vault', role: 'vault', labels: { 'app.kubernetes.io/name': 'vault' }, ports: [{ port: vault.port, protocol: 'TCP', name: 'http' }] }],
    },
    {
      namespace: p.monitoring?.namespace ?? 'monitoring',
      pods: [
        {
          name: 'prometheus',
          role: 'monitoring',
          labels: { 'app.kubernetes.io/name': 'prometheus' },
          ports: [{ port: 9090, protocol: 'TCP', name: 'http-web' }],
        },
      ],
    },
  ];
  return {
    namespaces,
    podCidrs: p.network?.podCidrs ?? ['10.244.0.0/16'],
    nodeCidrs: p.network?.nodeCidrs ?? DEFAULT_NODE_CIDRS,
    nodePorts: DEFAULT_NODE_PORTS,
    apiServer: DEFAULT_API_SERVER,
    internetPorts: [
      { port: 443, protocol: 'TCP', name: 'https' },
      { port: 80, protocol: 'TCP', name: 'http' },
    ],
  };
}

export const defaultPlatform = (): Platform => platformFromChartValues();
