/**
 * The platform side of the network: the namespaces apps may (or must not) reach.
 * Their pods carry the labels the upstream charts give them; their own
 * NetworkPolicies are not part of an app check, so they are modelled as not
 * isolated unless policies are passed in.
 */
import type { Platform, PlatformNamespace } from './model.js';

/** The `platform` block of charts/app/values.yaml (only what is read here). */
export interface ChartPlatformValues {
  dapr?: { namespace?: string };
  dns?: { namespace?: string };
  monitoring?: { namespace?: string };
  redis?: { namespace?: string; port?: number };
  vault?: { address?: string };
  sidecar?: { metricsPort?: number };
}

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
  const namespaces: PlatformNamespace[] = [
    {
      namespace: p.dns?.namespace ?? 'kube-system',
      pods: [{ name: 'coredns', role: 'dns', labels: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP', name: 'dns' }, { port: 53, protocol: 'TCP', name: 'dns-tcp' }] }],
    },
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
      pods: [{ name: 'redis', role: 'redis', labels: { 'app.kubernetes.io/name': 'redis' }, ports: [{ port: p.redis?.port ?? 6379, protocol: 'TCP', name: 'redis' }] }],
    },
    {
      namespace: vault.namespace,
      pods: [{ name: 'vault', role: 'vault', labels: { 'app.kubernetes.io/name': 'vault' }, ports: [{ port: vault.port, protocol: 'TCP', name: 'http' }] }],
    },
    {
      namespace: p.monitoring?.namespace ?? 'monitoring',
      pods: [{ name: 'prometheus', role: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' }, ports: [{ port: 9090, protocol: 'TCP', name: 'http-web' }] }],
    },
  ];
  return {
    namespaces,
    podCidrs: ['10.244.0.0/16'],
    internetPorts: [{ port: 443, protocol: 'TCP', name: 'https' }, { port: 80, protocol: 'TCP', name: 'http' }],
  };
}

export const defaultPlatform = (): Platform => platformFromChartValues();
