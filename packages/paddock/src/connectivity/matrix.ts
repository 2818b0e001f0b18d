/**
 * Who can reach whom: every (source pod → destination pod, port) the
 * NetworkPolicies allow, plus every app → app call through Dapr and whether
 * the callee's access control lets it through.
 *
 * Cost stays linear in the number of apps for policies that name their peers'
 * namespaces (the chart's do): a source's candidate destinations come from its
 * egress rules through a namespace index, and only pods that are not isolated
 * for egress (platform pods, a namespace without default-deny) fan out to all.
 */
import { ipSet, overlaps, publicInternet, type IpSet } from './ipset.js';
import { accessControlOf, aclVerdict, explicitlyAllowed, sidecarOf, type AccessControl } from './dapr.js';
import {
  DAPR_INTERNAL_PORT,
  type AppInput,
  type DaprCall,
  type Endpoint,
  type Flow,
  type KubeObject,
  type Matrix,
  type NetworkPolicy,
  type Platform,
  type PolicyPeer,
  type PortSpec,
  type Protocol,
} from './model.js';
import { egressAllowedBy, ingressAllowedBy, isolationOf, parseNetworkPolicies, peerMatches, type Isolation } from './netpol.js';
import { DEFAULT_API_SERVER, DEFAULT_NODE_CIDRS, DEFAULT_NODE_PORTS, defaultPlatform } from './platform.js';
import { pinnedNames, selects, type Labels } from './selector.js';

const NS_NAME = 'kubernetes.io/metadata.name';
const rec = (x: unknown): Record<string, unknown> => (x && typeof x === 'object' ? (x as Record<string, unknown>) : {});

/** Problems met while reading the inputs (bad policies, missing configurations). */
interface InputProblem {
  app?: string;
  namespace: string;
  object: string;
  message: string;
}

export interface MatrixResult {
  matrix: Matrix;
  problems: InputProblem[];
  /** Per app: its access control and trust domain, for the comparison step. */
  apps: Map<string, { input: AppInput; endpoint: Endpoint; other: Endpoint; daprEnabled: boolean }>;
}

/** Ports the app pod serves: its containers' ports, the app port, and the ports the injected sidecar opens to the pod network. */
function appPorts(app: AppInput, dep: KubeObject | undefined): PortSpec[] {
  const ports: PortSpec[] = [];
  const add = (p: PortSpec) => {
    if (!ports.some((q) => q.port === p.port && q.protocol === p.protocol)) ports.push(p);
  };
  const pod = rec(rec(dep?.spec).template);
  for (const c of Array.isArray(rec(pod.spec).containers) ? (rec(pod.spec).containers as unknown[]) : []) {
    for (const p of Array.isArray(rec(c).ports) ? (rec(c).ports as unknown[]) : []) {
      const r = rec(p);
      if (typeof r.containerPort === 'number')
        add({ port: r.containerPort, protocol: String(r.protocol ?? 'TCP') as Protocol, name: r.name ? String(r.name) : undefined });
    }
  }
  // The app's own port (8080 when not given); an app with `port: none` serves none.
  if (app.values.port !== 'none') add({ port: typeof app.values.port === 'number' ? app.values.port : 8080, protocol: 'TCP' });
  const ann = rec(rec(pod.metadata).annotations) as Record<string, string>;
  if (ann['dapr.io/enabled'] === 'true') {
    add({ port: DAPR_INTERNAL_PORT, protocol: 'TCP', name: 'dapr-internal' });
    if (ann['dapr.io/enable-metrics'] !== 'false') add({ port: Number(ann['dapr.io/metrics-port'] ?? 9090), protocol: 'TCP', name: 'dapr-metrics' });
    // The Dapr APIs listen on the pod network unless the listen addresses keep them on loopback.
    const listen = ann['dapr.io/sidecar-listen-addresses'];
    const loopbackOnly = listen?.split(',').every((a) => /^(127\.|\[::1\]|::1|localhost)/.test(a.trim()));
    if (!loopbackOnly) {
      add({ port: Number(ann['dapr.io/http-port'] ?? 3500), protocol: 'TCP', name: 'dapr-http' });
      add({ port: Number(ann['dapr.io/grpc-port'] ?? 50001), protocol: 'TCP', name: 'dapr-grpc' });
    }
  }
  return ports;
}

function namespaceLabelsOf(ns: string, objects: KubeObject[], extra: Labels | undefined): Labels {
  const nsObj = objects.find((o) => o?.kind === 'Namespace' && o.metadata?.name === ns);
  return { ...(nsObj?.metadata?.labels ?? {}), ...(extra ?? {}), [NS_NAME]: ns };
}

export function computeMatrix(apps: AppInput[], platform: Platform = defaultPlatform()): MatrixResult {
  const problems: InputProblem[] = [];
  const podAddresses = ipSet(platform.podCidrs);
  const endpoints: Endpoint[] = [];
  const appInfo: MatrixResult['apps'] = new Map();
  const policies: NetworkPolicy[] = [];

  for (const app of apps) {
    const { endpoint, other } = appEndpoints(app, podAddresses);
    endpoints.push(endpoint, other);
    appInfo.set(app.name, { input: app, endpoint, other, daprEnabled: sidecarOf(app.objects).enabled });
    const parsed = parseNetworkPolicies(app.objects, app.namespace);
    policies.push(...parsed.policies);
    for (const p of parsed.problems) problems.push({ app: app.name, namespace: p.namespace, object: `NetworkPolicy/${p.policy}`, message: p.message });
  }
  for (const ns of platform.namespaces) {
    endpoints.push(...platformEndpoints(ns, podAddresses));
    const parsed = parseNetworkPolicies(ns.policies ?? [], ns.namespace);
    policies.push(...parsed.policies);
    for (const p of parsed.problems) problems.push({ namespace: p.namespace, object: `NetworkPolicy/${p.policy}`, message: p.message });
  }
  const internet: Endpoint = {
    id: 'internet',
    kind: 'internet',
    label: 'internet',
    role: 'internet',
    labels: {},
    namespaceLabels: {},
    ports: platform.internetPorts,
    addresses: publicInternet(),
  };
  endpoints.push(internet);
  const hosts = hostEndpoints(platform);
  endpoints.push(...hosts);

  const { flows, iso } = computeFlows(endpoints, policies, { internet, hosts, podAddresses });
  const isolation: Matrix['isolation'] = {};
  for (const e of endpoints) {
    if (e.kind === 'app' || e.kind === 'app-other') isolation[e.id] = { ingress: iso.get(e)!.ingress.length > 0, egress: iso.get(e)!.egress.length > 0 };
  }

  const daprCalls = computeDaprCalls(apps, appInfo, flows, problems);
  return { matrix: { endpoints, flows, daprCalls, isolation }, problems, apps: appInfo };
}

/** An app's pods, and any other pod in its namespace (a debug pod, a job started by hand): default-deny must hold it too. */
function appEndpoints(app: AppInput, podAddresses: IpSet): { endpoint: Endpoint; other: Endpoint } {
  const dep = app.objects.find((o) => o?.kind === 'Deployment');
  const rawLabels = rec(rec(rec(dep?.spec).template).metadata).labels;
  const podLabels: Labels =
    rawLabels && typeof rawLabels === 'object'
      ? Object.fromEntries(Object.entries(rawLabels).map(([k, v]) => [k, String(v)]))
      : { 'app.kubernetes.io/name': app.name };
  const nsLabels = namespaceLabelsOf(app.namespace, app.objects, app.namespaceLabels);
  const endpoint: Endpoint = {
    id: `${app.namespace}/${app.name}`,
    kind: 'app',
    label: app.name,
    namespace: app.namespace,
    app: app.name,
    labels: podLabels,
    namespaceLabels: nsLabels,
    ports: appPorts(app, dep),
    addresses: podAddresses,
  };
  const other: Endpoint = {
    id: `${app.namespace}/*`,
    kind: 'app-other',
    label: `${app.namespace} (other pods)`,
    namespace: app.namespace,
    app: app.name,
    labels: {},
    namespaceLabels: nsLabels,
    ports: [{ port: 8080, protocol: 'TCP' }],
    addresses: podAddresses,
  };
  return { endpoint, other };
}

function platformEndpoints(ns: Platform['namespaces'][number], podAddresses: IpSet): Endpoint[] {
  const nsLabels = { ...(ns.labels ?? {}), [NS_NAME]: ns.namespace };
  return ns.pods.map((pod) => ({
    id: `${ns.namespace}/${pod.name}`,
    kind: 'platform',
    label: `${ns.namespace}/${pod.name}`,
    namespace: ns.namespace,
    role: pod.role,
    labels: pod.labels,
    namespaceLabels: nsLabels,
    ports: pod.ports,
    addresses: podAddresses,
  }));
}

/** Every flow the NetworkPolicies let through, from each endpoint to each port of every other, and each endpoint's isolation. */
function computeFlows(
  endpoints: Endpoint[],
  policies: NetworkPolicy[],
  outside: { internet: Endpoint; hosts: Endpoint[]; podAddresses: IpSet },
): { flows: Flow[]; iso: Map<Endpoint, Isolation> } {
  const policiesByNs = new Map<string, NetworkPolicy[]>();
  for (const p of policies) policiesByNs.set(p.namespace, [...(policiesByNs.get(p.namespace) ?? []), p]);
  const iso = new Map<Endpoint, Isolation>();
  for (const e of endpoints) iso.set(e, e.namespace ? isolationOf(e, policiesByNs.get(e.namespace) ?? []) : { ingress: [], egress: [] });
  const egressCandidates = egressCandidatesOf(endpoints, iso, outside);

  const flows: Flow[] = [];
  for (const src of endpoints) {
    // What the API server opens runs from its node's address: the node stands for it as a source.
    if (src.role === 'api-server') continue;
    const srcIso = iso.get(src)!;
    for (const dst of egressCandidates(src)) {
      if (dst === src) continue;
      const dstIso = iso.get(dst)!;
      for (const port of dst.ports) {
        const egressBy = egressAllowedBy(srcIso, dst, port);
        if (egressBy === undefined) continue;
        const ingressBy = ingressAllowedBy(src, dst, dstIso, port);
        if (ingressBy === undefined) continue;
        flows.push({
          from: src.id,
          to: dst.id,
          port: port.port,
          ...(port.endPort !== undefined ? { endPort: port.endPort } : {}),
          protocol: port.protocol,
          egressBy,
          ingressBy,
        });
      }
    }
  }
  return { flows, iso };
}

/** For a source, a superset of the endpoints its egress policies let it reach (exact matching happens afterwards). */
function egressCandidatesOf(
  endpoints: Endpoint[],
  iso: Map<Endpoint, Isolation>,
  { internet, hosts, podAddresses }: { internet: Endpoint; hosts: Endpoint[]; podAddresses: IpSet },
): (src: Endpoint) => Endpoint[] {
  const podsByNs = new Map<string, Endpoint[]>();
  for (const e of endpoints) if (e.namespace) podsByNs.set(e.namespace, [...(podsByNs.get(e.namespace) ?? []), e]);
  const nsLabelsByNs = new Map<string, Labels>();
  for (const e of endpoints) if (e.namespace) nsLabelsByNs.set(e.namespace, e.namespaceLabels);
  const pods = endpoints.filter((e) => e.namespace !== undefined);

  /** A superset of the endpoints `peer` can name. */
  const peerCandidates = (peer: PolicyPeer, policyNs: string): Endpoint[] => {
    if (peer.ipBlock)
      return [...(overlaps(peer.ipBlock.set, podAddresses) ? pods : []), ...[internet, ...hosts].filter((e) => overlaps(peer.ipBlock!.set, e.addresses))];
    if (!peer.namespaceSelector) return podsByNs.get(policyNs) ?? [];
    const names = pinnedNames(peer.namespaceSelector) ?? [...nsLabelsByNs.keys()].filter((n) => selects(peer.namespaceSelector, nsLabelsByNs.get(n)!));
    return names.flatMap((n) => podsByNs.get(n) ?? []);
  };
  return (src) => {
    const egress = iso.get(src)!.egress;
    if (!egress.length) return endpoints;
    const set = new Set<Endpoint>();
    for (const p of egress) {
      for (const r of p.egress) {
        if (!r.peers) return endpoints;
        for (const peer of r.peers) for (const c of peerCandidates(peer, p.namespace)) if (peerMatches(peer, p.namespace, c)) set.add(c);
      }
    }
    return [...set];
  };
}

/**
 * The addresses outside the pod network that are not the internet: the nodes
 * (the kubelet, NodePorts, host-network pods) and the API server (its Service
 * address, and its endpoints on the control-plane nodes). Selectors never name
 * them; an ipBlock that overlaps them does, and so does a rule with no peers.
 */
function hostEndpoints(platform: Platform): Endpoint[] {
  const nodeCidrs = platform.nodeCidrs ?? DEFAULT_NODE_CIDRS;
  const api = platform.apiServer ?? DEFAULT_API_SERVER;
  const nodes = nodeCidrs.join(', ');
  return [
    {
      id: 'nodes',
      kind: 'host',
      label: `the nodes (${nodes})`,
      role: 'node',
      labels: {},
      namespaceLabels: {},
      ports: platform.nodePorts ?? DEFAULT_NODE_PORTS,
      addresses: ipSet(nodeCidrs),
    },
    {
      id: 'api-server',
      kind: 'host',
      label: `the Kubernetes API server (${api.serviceAddresses.map((a) => a.replace(/\/32$/, '')).join(', ')}:${api.servicePort}, ${api.port} on the nodes)`,
      role: 'api-server',
      labels: {},
      namespaceLabels: {},
      ports: [
        { port: api.servicePort, protocol: 'TCP', name: 'https' },
        ...(api.port !== api.servicePort ? [{ port: api.port, protocol: 'TCP' as const, name: 'https-apiserver' }] : []),
      ],
      addresses: ipSet([...api.serviceAddresses, ...nodeCidrs]),
    },
  ];
}

/** A values list (allowIngressFrom/allowEgressTo), tolerating what a broken file may hold. */
export function nsList(list: unknown): string[] {
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}

function declared(list: unknown, ns: string): boolean {
  return nsList(list).includes(ns);
}

function computeDaprCalls(apps: AppInput[], info: MatrixResult['apps'], flows: Flow[], problems: InputProblem[]): DaprCall[] {
  const byNamespace = new Map(apps.map((a) => [a.namespace, a]));
  const byName = new Map(apps.map((a) => [a.name, a]));
  const byId = new Map([...info.values()].map((i) => [i.endpoint.id, i.input]));
  const acl = new Map<string, { acl: AccessControl | null; trustDomain: string }>();
  for (const a of apps) {
    const sidecar = sidecarOf(a.objects);
    const r = accessControlOf(a.objects, a.namespace, sidecar);
    if (r.error) problems.push({ app: a.name, namespace: a.namespace, object: `Configuration/${sidecar.config ?? a.name}`, message: r.error });
    acl.set(a.name, r);
  }

  const pairs = new Map<string, [AppInput, AppInput]>();
  const addPair = (a: AppInput | undefined, b: AppInput | undefined) => {
    if (a && b && a !== b) pairs.set(`${a.name}\u0000${b.name}`, [a, b]);
  };
  for (const f of flows) if (f.port === DAPR_INTERNAL_PORT && f.protocol === 'TCP') addPair(byId.get(f.from), byId.get(f.to));
  for (const b of apps) {
    const bAcl = acl.get(b.name)!.acl;
    if (!bAcl || bAcl.defaultAction === 'allow') for (const a of apps) addPair(a, b);
    else
      for (const c of explicitlyAllowed(bAcl)) {
        const a = byName.get(c.appId);
        if (a?.namespace === c.namespace) addPair(a, b);
      }
    for (const ns of nsList(b.values.networkPolicy?.allowIngressFrom)) addPair(byNamespace.get(ns), b);
    for (const ns of nsList(b.values.networkPolicy?.allowEgressTo)) addPair(b, byNamespace.get(ns));
  }

  const netOpen = new Set(flows.filter((f) => f.port === DAPR_INTERNAL_PORT && f.protocol === 'TCP').map((f) => `${f.from}\u0000${f.to}`));
  const calls: DaprCall[] = [];
  for (const [a, b] of pairs.values()) {
    const ai = info.get(a.name)!;
    const bi = info.get(b.name)!;
    const network = netOpen.has(`${ai.endpoint.id}\u0000${bi.endpoint.id}`);
    const verdict =
      !ai.daprEnabled || !bi.daprEnabled
        ? 'deny'
        : aclVerdict(acl.get(b.name)!.acl, { appId: a.name, namespace: a.namespace, trustDomain: acl.get(a.name)!.trustDomain });
    calls.push({
      from: a.name,
      to: b.name,
      network,
      acl: verdict,
      effective: network && verdict !== 'deny',
      callerDeclares: declared(a.values.networkPolicy?.allowEgressTo, b.namespace),
      calleeDeclares: declared(b.values.networkPolicy?.allowIngressFrom, a.namespace),
    });
  }
  return calls.sort((x, y) => x.from.localeCompare(y.from) || x.to.localeCompare(y.to));
}
