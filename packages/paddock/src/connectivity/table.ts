/** Human views of the matrix: a table for `check --verbose`, sentences for `explain`. */
import pc from 'picocolors';
import { nsList, type MatrixResult } from './matrix.js';
import { DAPR_INTERNAL_PORT, type DaprCall, type Endpoint, type Flow, type Matrix } from './model.js';

/** The Dapr call between two apps; pairs the matrix does not list are closed on every layer. */
export function callBetween(matrix: Matrix, from: string, to: string): DaprCall {
  return (
    matrix.daprCalls.find((c) => c.from === from && c.to === to) ?? {
      from,
      to,
      network: false,
      acl: 'deny',
      effective: false,
      callerDeclares: false,
      calleeDeclares: false,
    }
  );
}

/** Can endpoint `from` open a connection to `to` on `port` (ids or labels: `app1`, `redis-system/redis`)? */
export function reaches(matrix: Matrix, from: string, to: string, port?: number): boolean {
  const id = (x: string) => matrix.endpoints.find((e) => e.id === x || e.label === x)?.id ?? x;
  const f = id(from);
  const t = id(to);
  return matrix.flows.some((x) => x.from === f && x.to === t && (port === undefined || x.port === port));
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r, n) => {
      const line = r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
      return n === 0 ? pc.bold(line) : line;
    })
    .join('\n');
}

const declaredWord = (c: DaprCall) =>
  c.callerDeclares && c.calleeDeclares ? 'both' : c.callerDeclares ? 'caller only' : c.calleeDeclares ? 'callee only' : 'no';

/** The whole matrix as two tables: app → app calls through Dapr, then every other reach of an app pod. */
export function formatMatrix(matrix: Matrix): string {
  const calls: string[][] = [['CALLER', 'CALLEE', `NETWORK (${DAPR_INTERNAL_PORT})`, 'DAPR ACL', 'DECLARED', 'RESULT']];
  for (const c of matrix.daprCalls) {
    const ok = c.effective === (c.callerDeclares && c.calleeDeclares) && c.network === c.effective;
    const result = c.effective ? 'allowed' : 'denied';
    calls.push([c.from, c.to, c.network ? 'open' : 'closed', c.acl, declaredWord(c), ok ? result : pc.red(`${result} (mismatch)`)]);
  }
  const byId = new Map(matrix.endpoints.map((e) => [e.id, e]));
  const groups = new Map<string, Flow[]>();
  for (const f of matrix.flows) {
    const s = byId.get(f.from)!;
    const d = byId.get(f.to)!;
    const involvesApp = [s, d].some((e) => e.kind === 'app' || e.kind === 'app-other');
    if (!involvesApp || (s.kind === 'app' && d.kind === 'app' && f.port === DAPR_INTERNAL_PORT)) continue;
    const k = `${f.from}\u0000${f.to}`;
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  const reach: string[][] = [['FROM', 'TO', 'PORTS', 'ALLOWED BY (egress / ingress)']];
  const via = (name: string, e: Endpoint) => (name ? name : e.kind === 'internet' || e.kind === 'host' ? '-' : 'not isolated');
  for (const flows of groups.values()) {
    const s = byId.get(flows[0]!.from)!;
    const d = byId.get(flows[0]!.to)!;
    const ports = [...new Set(flows.map((f) => `${f.port}${f.endPort !== undefined ? `-${f.endPort}` : ''}/${f.protocol}`))].join(', ');
    const by = [...new Set(flows.map((f) => `${via(f.egressBy, s)} / ${via(f.ingressBy, d)}`))].join('; ');
    reach.push([s.label, d.label, ports, by]);
  }
  const parts = [
    `${pc.bold('Calls between apps through Dapr')}\n${calls.length > 1 ? table(calls) : '(none)'}\nAny other pair of apps: closed on every layer.`,
  ];
  parts.push(`${pc.bold('Network reach of app pods (besides app-to-app Dapr calls)')}\n${reach.length > 1 ? table(reach) : '(none)'}`);
  return parts.join('\n\n');
}

/** Plain-English lines for `paddock explain`: who may call the app, whom it calls, what it reaches. */
export function explainApp(result: MatrixResult, name: string): string[] {
  const info = result.apps.get(name);
  if (!info) return [];
  const { matrix } = result;
  const byId = new Map(matrix.endpoints.map((e) => [e.id, e]));
  const callers = matrix.daprCalls.filter((c) => c.to === name && c.effective).map((c) => c.from);
  const callees = matrix.daprCalls.filter((c) => c.from === name && c.effective).map((c) => c.to);
  const out = matrix.flows.filter((f) => f.from === info.endpoint.id).map((f) => ({ f, d: byId.get(f.to)! }));
  const has = (role: string) => out.some((x) => x.d.role === role);
  // Declarations naming apps outside the checked set: the other side is unknown here.
  const known = new Set([...result.apps.values()].map((i) => i.input.namespace));
  const np = info.input.values.networkPolicy ?? {};
  const inOutside = nsList(np.allowIngressFrom).filter((ns) => !known.has(ns));
  const outOutside = nsList(np.allowEgressTo).filter((ns) => !known.has(ns));
  const lines = [
    callers.length || inOutside.length
      ? `Other apps that can call ${name} (through Dapr): ${[...callers, ...inOutside.map((ns) => `${ns.replace(/-ns$/, '')} (if it declares the call in its own values file: ${info.input.namespace} in networkPolicy.allowEgressTo)`)].join(', ')}.`
      : `No other app can call ${name}.`,
    callees.length || outOutside.length
      ? `${name} can call (through Dapr): ${[...callees, ...outOutside.map((ns) => `${ns.replace(/-ns$/, '')} (if that app accepts it: ${info.input.namespace} in its networkPolicy.allowIngressFrom)`)].join(', ')}.`
      : `${name} cannot call any other app.`,
  ];
  const reach = [
    has('dns') && 'the cluster DNS',
    has('dapr-control-plane') && 'the Dapr control plane (certificates and configuration)',
    has('redis') && 'Redis (where its data and events are kept)',
  ].filter(Boolean);
  if (reach.length) lines.push(`${name} can reach ${reach.join(', ')}.`);
  const internet = out.filter((x) => x.d.kind === 'internet').map((x) => x.f.port);
  lines.push(
    internet.length ? `${name} can reach the internet on port ${[...new Set(internet)].join(', ')} (its binding).` : `${name} cannot reach the internet.`,
  );
  lines.push(has('vault') ? `${name} can reach Vault, which it should not.` : `${name} cannot reach Vault; the platform fetches its secrets for it.`);
  const scrapers = matrix.flows.filter((f) => f.to === info.endpoint.id && byId.get(f.from)!.role === 'monitoring');
  if (scrapers.length) lines.push(`Prometheus can read the metrics of ${name}'s Dapr sidecar.`);
  return lines;
}
