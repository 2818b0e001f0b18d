/**
 * An independent reading of the guarantees the shared chart makes, written
 * from the product's design, not from the admission policies: given what the
 * chart rendered for an app (and the Pods as admitted, with the injected
 * daprd), the list of guarantees it breaks. Empty means safe.
 */
import { isIP } from 'node:net';

type Json = Record<string, any>;

/**
 * Which class of issue 10 a broken guarantee belongs to, so the test can mark
 * the families the lead's open branches are about: name (class 2), quantity
 * (class 6), url (class 7), reading (class 9); other is everything else.
 */
export type Family = 'name' | 'quantity' | 'url' | 'reading' | 'other';
export const familyOf = (violation: string): Family => (/^\[(\w+)\]/.exec(violation)?.[1] ?? 'other') as Family;

export interface RenderedApp {
  name: string;
  /** The values as the contract read them. */
  values: Json;
  objects: Json[];
  /** The Pod each workload becomes once admitted (with the Dapr sidecar). */
  admittedPods: Json[];
}

const MAX_CPU = 2;
const MAX_MEMORY = 2 * 1024 ** 3;
const REGISTRIES = ['localhost:30000', 'harbor.harbor-system.svc.cluster.local'];
const MOVING_TAGS = /^(latest|stable|main|master|dev|develop|edge|nightly|head|current|release|prod|production|staging|test|canary|beta|alpha|lts|next)$/i;
const RESERVED_NAMES = new Set([
  'system',
  'admin',
  'default',
  'root',
  'kubernetes',
  'platform',
  'paddock',
  'dapr',
  'flux',
  'vault',
  'redis',
  'harbor',
  'monitoring',
  'yes',
  'no',
  'y',
  'n',
  'true',
  'false',
  'on',
  'off',
  'null',
]);
const NODE_POOL_KEY = 'paddock.dev/nodepool';

/** A Kubernetes quantity in base units (cores, bytes), read here from the Kubernetes definition. */
function quantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?)$/.exec(q);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  const mult: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    Pi: 1024 ** 5,
    Ei: 1024 ** 6,
  };
  return n * (mult[m[3] ?? ''] ?? NaN);
}

function workloadsOf(objects: Json[]): Json[] {
  return objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod', 'ReplicationController'].includes(o.kind));
}

function podSpecOf(o: Json): Json | undefined {
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  return o.spec?.template?.spec;
}

/** A host that is a public DNS name: dotted, a letter TLD, not an IP in any notation, not a cluster or private suffix. */
function publicHostProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'https:') return `scheme ${u.protocol} is not https`;
  if (u.username || u.password) return 'carries userinfo';
  const host = u.hostname.replace(/\.$/, '');
  if (host.startsWith('[') || isIP(host)) return `host ${host} is an IP literal`;
  // WHATWG URL parsing already turns 0x7f.1, 2130706433 and 0177.0.0.1 into dotted IPv4; anything all-numeric left is suspect.
  if (/^[0-9.]+$/.test(host)) return `host ${host} is numeric`;
  const labels = host.split('.');
  if (labels.length < 2) return `host ${host} is a single label the pod's DNS search path resolves inside the cluster`;
  const tld = labels[labels.length - 1] ?? '';
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(tld) && !/^xn--/.test(tld)) return `host ${host} has no public top-level domain`;
  if (/(^|\.)(local|localhost|internal|svc|cluster\.local|localdomain|home\.arpa|corp|lan|intranet|default)$/.test(host))
    return `host ${host} is a private or cluster name`;
  // <service>.<namespace>: the search path makes these cluster names, e.g. vault.vault-system, x.app1-ns.
  if (labels.length === 2 && /(-system|-ns|^default|^kube-public|^monitoring|^external-secrets|^cert-manager)$/.test(tld))
    return `host ${host} is <service>.<namespace>`;
  if (/(^|\.)(\d{1,3}[.-]){3}\d{1,3}\.(nip|sslip|xip)\.io$/.test(host) || /(^|\.)[0-9a-f]{8}\.(nip|sslip)\.io$/.test(host))
    return `host ${host} resolves to an address written in its name`;
  return undefined;
}

/** Every guarantee the rendered app breaks, each as one line starting with its [family]. */
export function guaranteeViolations(app: RenderedApp): string[] {
  const out: string[] = [];
  const { name, values, objects } = app;
  const ns = `${name}-ns`;
  const bad = (what: string, family: Family = 'other'): void => void out.push(`[${family}] ${what}`);

  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 53)
    bad(`app name "${name}" is not a DNS label of at most 53 characters (Helm's release limit)`, 'name');
  if (RESERVED_NAMES.has(name) || /^(kube|dapr|flux|vault|redis|harbor|paddock)-/.test(name)) bad(`app name "${name}" is a platform name`, 'name');

  for (const o of objects) {
    const where = `${o.kind}/${o.metadata?.name}`;
    if (
      [
        'Namespace',
        'ClusterRole',
        'ClusterRoleBinding',
        'ValidatingAdmissionPolicy',
        'ValidatingAdmissionPolicyBinding',
        'MutatingWebhookConfiguration',
        'ValidatingWebhookConfiguration',
        'CustomResourceDefinition',
        'PersistentVolume',
        'PriorityClass',
        'StorageClass',
      ].includes(o.kind)
    ) {
      bad(`${where}: the chart renders a cluster-scoped kind`);
      continue;
    }
    if (o.metadata?.namespace !== ns) bad(`${where}: namespace ${o.metadata?.namespace} is not ${ns}`);
  }

  // Pods: the app's own template and the Pods as admitted (with daprd).
  const workloads = workloadsOf(objects);
  if (!workloads.some((w) => w.kind === 'Deployment')) bad('no Deployment rendered');
  const podSpecs = [
    ...workloads.map((w) => ({ where: `${w.kind}/${w.metadata?.name}`, spec: podSpecOf(w) })),
    ...app.admittedPods.map((p) => ({ where: `admitted Pod of ${p.metadata?.name ?? p.metadata?.generateName}`, spec: p.spec })),
  ];
  if (app.admittedPods.length === 0) bad('no admitted Pod to judge (the injector view gave none)');
  const pool = typeof values.nodepool === 'string' && values.nodepool ? values.nodepool : name;
  for (const { where, spec } of podSpecs) {
    if (!spec) {
      bad(`${where}: no pod spec`);
      continue;
    }
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f]) bad(`${where}: ${f}`);
    if (spec.automountServiceAccountToken !== false) bad(`${where}: automountServiceAccountToken is not false`);
    for (const v of spec.volumes ?? []) if (v.hostPath) bad(`${where}: hostPath volume ${v.name}`);
    const tolerations: Json[] = spec.tolerations ?? [];
    for (const t of tolerations) {
      if (t.key !== NODE_POOL_KEY || t.operator !== 'Equal' || t.value !== pool)
        bad(`${where}: toleration ${JSON.stringify(t)} is not of the app's own pool ${pool}`);
    }
    const terms: Json[] = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    const pinned =
      terms.length > 0 &&
      terms.every((t) =>
        (t.matchExpressions ?? []).some(
          (e: Json) => e.key === NODE_POOL_KEY && e.operator === 'In' && Array.isArray(e.values) && e.values.length === 1 && e.values[0] === pool,
        ),
      );
    if (!pinned) bad(`${where}: no required node affinity to pool ${pool}`);
    if (spec.nodeName) bad(`${where}: nodeName set`);
    const podSc: Json = spec.securityContext ?? {};
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Json[]) {
      const cw = `${where} container ${c.name}`;
      const sc: Json = c.securityContext ?? {};
      const nonRoot = (sc.runAsNonRoot ?? podSc.runAsNonRoot) === true && (sc.runAsUser ?? podSc.runAsUser) !== 0;
      if (!nonRoot) bad(`${cw}: may run as root`);
      if (sc.readOnlyRootFilesystem !== true) bad(`${cw}: root filesystem is writable`);
      if (sc.allowPrivilegeEscalation !== false) bad(`${cw}: allowPrivilegeEscalation is not false`);
      if (sc.privileged === true) bad(`${cw}: privileged`);
      const drop: unknown[] = sc.capabilities?.drop ?? [];
      if (!drop.includes('ALL')) bad(`${cw}: capabilities not dropped ALL`);
      if ((sc.capabilities?.add ?? []).length) bad(`${cw}: adds capabilities`);
      if ((sc.seccompProfile?.type ?? podSc.seccompProfile?.type) !== 'RuntimeDefault') bad(`${cw}: seccomp is not RuntimeDefault`);
      for (const p of c.ports ?? []) if (p.hostPort) bad(`${cw}: hostPort ${p.hostPort}`);
      for (const kind of ['requests', 'limits'] as const) {
        for (const res of ['cpu', 'memory'] as const) {
          const q = quantity(c.resources?.[kind]?.[res]);
          const max = res === 'cpu' ? MAX_CPU : MAX_MEMORY;
          if (q === undefined || !(q > 0) || q > max)
            bad(`${cw}: ${kind}.${res} ${JSON.stringify(c.resources?.[kind]?.[res])} is not > 0 and at most ${res === 'cpu' ? '2 CPU' : '2Gi'}`, 'quantity');
        }
      }
      const image = String(c.image ?? '');
      const at = image.indexOf('@');
      const ref = at >= 0 ? image.slice(0, at) : image;
      const colon = ref.lastIndexOf(':');
      const slash = ref.indexOf('/');
      const registry = slash > 0 ? ref.slice(0, slash) : '';
      const tag = colon > slash ? ref.slice(colon + 1) : '';
      if (!REGISTRIES.includes(registry)) bad(`${cw}: image ${image} is not from the platform registry`);
      if (!tag || MOVING_TAGS.test(tag)) bad(`${cw}: image ${image} has no fixed tag`);
    }
    const app = (spec.containers ?? []).find((c: Json) => c.name === 'app');
    if (!app) bad(`${where}: no app container`);
    // One reading of the values: the port the contract judged is the port the cluster gets.
    if (app && typeof values.port === 'number') {
      const ports = (app.ports ?? []).map((p: Json) => p.containerPort);
      if (!ports.includes(values.port)) bad(`${where}: app port ${JSON.stringify(ports)} is not the port validate read (${values.port})`, 'reading');
    }
    if (app)
      for (const p of app.ports ?? [])
        if ([3500, 3501, 50001, 50002, 9090].includes(p.containerPort)) bad(`${where}: app listens on Dapr's port ${p.containerPort}`);
  }

  // NetworkPolicies.
  const nps = objects.filter((o) => o.kind === 'NetworkPolicy');
  const denyAll = nps.some(
    (np) =>
      np.spec &&
      Object.keys(np.spec.podSelector ?? {}).length === 0 &&
      ['Ingress', 'Egress'].every((t) => (np.spec.policyTypes ?? []).includes(t)) &&
      !np.spec.ingress?.length &&
      !np.spec.egress?.length,
  );
  if (!denyAll) bad('no default-deny NetworkPolicy');
  const listed = (key: string): string[] => (Array.isArray(values.networkPolicy?.[key]) ? values.networkPolicy[key] : []);
  const platformIn = new Set(['monitoring']);
  const platformOut = new Set(['kube-system', 'dapr-system']);
  if (values.statestore?.enabled === true || values.pubsub?.enabled === true) platformOut.add('redis-system');
  if (values.secretstore?.enabled === true) platformOut.add('vault-system');
  const allowedIn = new Set([...platformIn, ...listed('allowIngressFrom')]);
  const allowedOut = new Set([...platformOut, ...listed('allowEgressTo')]);
  const privateRanges = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', '127.0.0.0/8'];
  for (const np of nps) {
    const where = `NetworkPolicy/${np.metadata?.name}`;
    const peers = (rules: Json[] | undefined, dir: 'from' | 'to') =>
      (rules ?? []).flatMap((r) => (r[dir] === undefined ? [{ everything: true }] : r[dir]) as Json[]);
    for (const [dir, rules, allowed] of [
      ['from', np.spec?.ingress, allowedIn],
      ['to', np.spec?.egress, allowedOut],
    ] as const) {
      for (const peer of peers(rules as Json[] | undefined, dir)) {
        if (peer.everything) {
          bad(`${where}: a rule with no peers opens everything`);
          continue;
        }
        if (peer.ipBlock) {
          const except: string[] = peer.ipBlock.except ?? [];
          const binding = values.binding?.enabled === true;
          if (dir === 'from' || !binding || peer.ipBlock.cidr !== '0.0.0.0/0' || !privateRanges.every((r) => except.includes(r)))
            bad(`${where}: ipBlock ${JSON.stringify(peer.ipBlock)} reaches private ranges or is not the binding's`);
          continue;
        }
        const sel = peer.namespaceSelector;
        const nsName = sel?.matchLabels?.['kubernetes.io/metadata.name'];
        if (!sel) {
          if (peer.podSelector) continue; // same namespace
          bad(`${where}: peer ${JSON.stringify(peer)}`);
        } else if (sel.matchExpressions?.length || typeof nsName !== 'string' || Object.keys(sel.matchLabels ?? {}).length !== 1) {
          bad(`${where}: namespace selector ${JSON.stringify(sel)} is not one named namespace`);
        } else if (!allowed.has(nsName)) {
          bad(`${where}: ${dir} namespace ${nsName}, which the values do not list`);
        }
      }
    }
  }

  // Dapr.
  const configs = objects.filter((o) => o.kind === 'Configuration' && String(o.apiVersion).startsWith('dapr.io/'));
  if (configs.length !== 1) bad(`${configs.length} Dapr Configurations rendered, not one`);
  for (const c of configs) {
    const ac = c.spec?.accessControl;
    if (ac?.defaultAction !== 'deny') bad(`Configuration/${c.metadata?.name}: accessControl.defaultAction is not deny`);
    const callers = new Set(listed('allowIngressFrom'));
    for (const p of ac?.policies ?? [])
      if (!callers.has(p.namespace) || `${p.appId}-ns` !== p.namespace)
        bad(`Configuration/${c.metadata?.name}: access policy for ${p.appId} in ${p.namespace}, not a listed caller`);
  }
  for (const comp of objects.filter((o) => o.kind === 'Component')) {
    const scopes: unknown[] = comp.scopes ?? [];
    if (scopes.length !== 1 || scopes[0] !== name) bad(`Component/${comp.metadata?.name}: scopes ${JSON.stringify(scopes)} are not [${name}]`);
    if (comp.spec?.type === 'bindings.http') {
      const url = (comp.spec.metadata ?? []).find((m: Json) => m.name === 'url')?.value;
      const problem = publicHostProblem(String(url));
      if (problem) bad(`Component/${comp.metadata?.name}: binding url ${JSON.stringify(url)}: ${problem}`, 'url');
    }
  }
  return out;
}
