import { kubectlJson } from './kubectl.js';

/** An app as it runs: its HelmRelease's values, as onboard wrote them. */
export interface LiveApp {
  name: string;
  namespace: string;
  port?: number;
  healthPath: string;
  nodepool: string;
  /** Namespaces whose apps may call this one (networkPolicy.allowIngressFrom). */
  ingressFrom: string[];
  /** Namespaces of the apps this one may call (networkPolicy.allowEgressTo). */
  egressTo: string[];
  /** Whether it may reach Redis (a state store or pub/sub). */
  usesRedis: boolean;
  secretKeys: string[] | undefined;
}

/** Whether `from` may call `to`: both sides declared it (the caller's egress, the callee's ingress). */
export const declaredCall = (from: LiveApp, to: LiveApp): boolean => from.egressTo.includes(to.namespace) && to.ingressFrom.includes(from.namespace);

/** An app's running pod. */
export interface LivePod {
  name: string;
  ip: string;
  node: string;
  containers: string[];
  ready: boolean;
}

interface Release {
  metadata: { labels?: Record<string, string> };
  spec: { targetNamespace?: string; values?: Values };
}
interface Values {
  port?: number;
  healthPath?: string;
  nodepool?: string;
  networkPolicy?: { allowIngressFrom?: string[]; allowEgressTo?: string[] };
  statestore?: { enabled?: boolean };
  pubsub?: { enabled?: boolean };
  secretstore?: { enabled?: boolean; keys?: string[] };
}

/** The apps the cluster runs: Flux's HelmReleases labelled paddock.dev/app. */
export async function liveApps(): Promise<LiveApp[]> {
  const list = await kubectlJson<{ items: Release[] }>(['get', 'helmreleases.helm.toolkit.fluxcd.io', '-A', '-l', 'paddock.dev/app']);
  return list.items
    .map((r): LiveApp => {
      const name = r.metadata.labels!['paddock.dev/app']!;
      const v = r.spec.values ?? {};
      return {
        name,
        namespace: r.spec.targetNamespace ?? `${name}-ns`,
        port: v.port,
        healthPath: v.healthPath ?? '/health',
        nodepool: v.nodepool ?? name,
        ingressFrom: v.networkPolicy?.allowIngressFrom ?? [],
        egressTo: v.networkPolicy?.allowEgressTo ?? [],
        usesRedis: Boolean(v.statestore?.enabled || v.pubsub?.enabled),
        secretKeys: v.secretstore?.enabled ? (v.secretstore.keys ?? []) : undefined,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { name: string }[] };
  status: { podIP?: string; phase?: string; conditions?: { type: string; status: string }[] };
}

/** The app's pods that run (not terminating). */
export async function appPods(app: LiveApp): Promise<LivePod[]> {
  const list = await kubectlJson<{ items: PodJson[] }>(['get', 'pods', '-n', app.namespace, '-l', `app.kubernetes.io/name=${app.name}`]);
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running')
    .map((p) => ({
      name: p.metadata.name,
      ip: p.status.podIP ?? '',
      node: p.spec.nodeName ?? '',
      containers: p.spec.containers.map((c) => c.name),
      ready: p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    }));
}
