/**
 * NetworkPolicy semantics (networking.k8s.io/v1), as the API documents them:
 * a pod is isolated for ingress (egress) when any policy in its namespace selects
 * it and lists that policy type; an isolated pod accepts (sends) only what the
 * union of those policies' rules allows; a connection needs the source's egress
 * AND the destination's ingress to allow it.
 */
import { ipSet, overlaps } from './ipset.js';
import type { Endpoint, KubeObject, NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule, PortSpec, Protocol } from './model.js';
import { selects, type LabelSelector } from './selector.js';

export interface ParsedPolicies {
  policies: NetworkPolicy[];
  /** Policies that could not be understood, with the reason (the API server would reject them). */
  problems: { policy: string; namespace: string; message: string }[];
}

const asRecord = (x: unknown): Record<string, unknown> => (x && typeof x === 'object' ? (x as Record<string, unknown>) : {});
const asArray = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

/** A selector as the API server would accept it; throws on shapes it would reject. */
function parseSelector(x: unknown, where: string): LabelSelector {
  if (x === undefined || x === null) return {};
  if (typeof x !== 'object' || Array.isArray(x)) throw new Error(`${where} is not a label selector`);
  const r = x as Record<string, unknown>;
  const ml = r.matchLabels ?? {};
  if (typeof ml !== 'object' || ml === null || Array.isArray(ml)) throw new Error(`${where}.matchLabels is not a map`);
  const me = r.matchExpressions ?? [];
  if (!Array.isArray(me)) throw new Error(`${where}.matchExpressions is not a list`);
  return {
    matchLabels: Object.fromEntries(Object.entries(ml).map(([k, v]) => [k, String(v)])),
    matchExpressions: me.map((e, i) => {
      const q = asRecord(e);
      if (typeof q.key !== 'string' || typeof q.operator !== 'string') throw new Error(`${where}.matchExpressions[${i}] needs a key and an operator`);
      if (q.values !== undefined && q.values !== null && !Array.isArray(q.values)) throw new Error(`${where}.matchExpressions[${i}].values is not a list`);
      return { key: q.key, operator: q.operator, values: asArray(q.values).map(String) };
    }),
  };
}

/** Read the NetworkPolicy objects among `objects`; `defaultNamespace` for those without metadata.namespace. */
export function parseNetworkPolicies(objects: KubeObject[], defaultNamespace: string): ParsedPolicies {
  const out: ParsedPolicies = { policies: [], problems: [] };
  for (const o of objects) {
    if (o?.kind !== 'NetworkPolicy' || !String(o.apiVersion ?? '').startsWith('networking.k8s.io/')) continue;
    const name = o.metadata?.name ?? '(unnamed)';
    const namespace = o.metadata?.namespace ?? defaultNamespace;
    try {
      out.policies.push(parsePolicy(name, namespace, asRecord(o.spec)));
    } catch (err) {
      out.problems.push({ policy: name, namespace, message: (err as Error).message });
    }
  }
  return out;
}

function parsePolicy(name: string, namespace: string, spec: Record<string, unknown>): NetworkPolicy {
  const hasEgress = spec.egress !== undefined && spec.egress !== null;
  // policyTypes (absent or empty) defaults to Ingress, plus Egress when the policy has egress rules.
  const types = Array.isArray(spec.policyTypes) && spec.policyTypes.length ? spec.policyTypes.map(String) : ['Ingress', ...(hasEgress ? ['Egress'] : [])];
  for (const t of types) if (t !== 'Ingress' && t !== 'Egress') throw new Error(`unknown policyType "${t}"`);
  return {
    name,
    namespace,
    podSelector: parseSelector(spec.podSelector, 'podSelector'),
    ingressIsolating: types.includes('Ingress'),
    egressIsolating: types.includes('Egress'),
    ingress: asArray(spec.ingress).map((r) => parseRule(asRecord(r), 'from')),
    egress: asArray(spec.egress).map((r) => parseRule(asRecord(r), 'to')),
  };
}

function parseRule(rule: Record<string, unknown>, peersKey: 'from' | 'to'): PolicyRule {
  const peers = asArray(rule[peersKey]);
  const ports = asArray(rule.ports);
  return {
    peers: peers.length ? peers.map((p) => parsePeer(asRecord(p))) : null,
    ports: ports.length ? ports.map((p) => parsePort(asRecord(p))) : null,
  };
}

function parsePeer(p: Record<string, unknown>): PolicyPeer {
  const peer: PolicyPeer = {};
  if (p.ipBlock) {
    if (p.podSelector || p.namespaceSelector) throw new Error('a peer may not combine ipBlock with selectors');
    const b = asRecord(p.ipBlock);
    const cidr = String(b.cidr ?? '');
    const except = asArray(b.except).map(String);
    peer.ipBlock = { cidr, except, set: ipSet([cidr], except) };
    return peer;
  }
  if (p.podSelector) peer.podSelector = parseSelector(p.podSelector, 'podSelector');
  if (p.namespaceSelector) peer.namespaceSelector = parseSelector(p.namespaceSelector, 'namespaceSelector');
  if (!peer.podSelector && !peer.namespaceSelector) throw new Error('a peer must set podSelector, namespaceSelector or ipBlock');
  return peer;
}

function parsePort(p: Record<string, unknown>): PolicyPort {
  const protocol = String(p.protocol ?? 'TCP') as Protocol;
  if (!['TCP', 'UDP', 'SCTP'].includes(protocol)) throw new Error(`unknown protocol "${protocol}"`);
  const port =
    p.port === undefined || p.port === null ? undefined : typeof p.port === 'number' ? p.port : /^\d+$/.test(String(p.port)) ? Number(p.port) : String(p.port);
  const endPort = typeof p.endPort === 'number' ? p.endPort : undefined;
  return { protocol, port, endPort };
}

/** Does `peer`, written in a policy of namespace `policyNs`, name endpoint `ep`? */
export function peerMatches(peer: PolicyPeer, policyNs: string, ep: Endpoint): boolean {
  if (peer.ipBlock) return overlaps(peer.ipBlock.set, ep.addresses);
  if (ep.namespace === undefined) return false; // selectors name pods, never outside addresses
  if (peer.namespaceSelector) {
    if (!selects(peer.namespaceSelector, ep.namespaceLabels)) return false;
  } else if (ep.namespace !== policyNs) {
    return false;
  }
  return peer.podSelector ? selects(peer.podSelector, ep.labels) : true;
}

/** Does a policy port match destination port `port` of endpoint `dst` (named ports resolve against dst)? */
function portMatches(pp: PolicyPort, port: PortSpec, dst: Endpoint): boolean {
  if (pp.protocol !== port.protocol) return false;
  if (pp.port === undefined) return true;
  if (port.endPort !== undefined) return rangeMatches(pp, port.port, port.endPort);
  if (typeof pp.port === 'string') return dst.ports.some((p) => p.name === pp.port && p.port === port.port && p.protocol === port.protocol);
  if (pp.endPort !== undefined) return port.port >= pp.port && port.port <= pp.endPort;
  return port.port === pp.port;
}

/** A destination serving a range (NodePorts): does the policy port open any port of it? Named ports never name one. */
function rangeMatches(pp: PolicyPort, lo: number, hi: number): boolean {
  if (typeof pp.port !== 'number') return false;
  const end = pp.endPort ?? pp.port;
  return pp.port <= hi && end >= lo;
}

function ruleAllows(rule: PolicyRule, policyNs: string, peer: Endpoint, port: PortSpec, dst: Endpoint): boolean {
  if (rule.peers && !rule.peers.some((p) => peerMatches(p, policyNs, peer))) return false;
  if (rule.ports && !rule.ports.some((p) => portMatches(p, port, dst))) return false;
  return true;
}

/** The policies in effect for one pod, split by direction. */
export interface Isolation {
  ingress: NetworkPolicy[];
  egress: NetworkPolicy[];
}

export function isolationOf(ep: Endpoint, policiesInNamespace: NetworkPolicy[]): Isolation {
  const selecting = policiesInNamespace.filter((p) => selects(p.podSelector, ep.labels));
  return { ingress: selecting.filter((p) => p.ingressIsolating), egress: selecting.filter((p) => p.egressIsolating) };
}

/**
 * Name of the policy that lets `src` send to `dst:port`: "" when src is not
 * isolated for egress, undefined when nothing allows it.
 */
export function egressAllowedBy(iso: Isolation, dst: Endpoint, port: PortSpec): string | undefined {
  if (!iso.egress.length) return '';
  return iso.egress.find((p) => p.egress.some((r) => ruleAllows(r, p.namespace, dst, port, dst)))?.name;
}

/** Name of the policy that lets `dst:port` accept from `src`: "" when not isolated, undefined when denied. */
export function ingressAllowedBy(src: Endpoint, dst: Endpoint, iso: Isolation, port: PortSpec): string | undefined {
  if (!iso.ingress.length) return '';
  return iso.ingress.find((p) => p.ingress.some((r) => ruleAllows(r, p.namespace, src, port, dst)))?.name;
}
