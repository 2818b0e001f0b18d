/**
 * Compare what the network and Dapr allow with what the values files declare.
 * A call between apps is allowed only when the caller lists the callee's
 * namespace in networkPolicy.allowEgressTo and the callee lists the caller's in
 * networkPolicy.allowIngressFrom; backends follow the building blocks enabled.
 */
import type { Finding } from '../report/finding.js';
import { consentGap, type Party } from './consent.js';
import { lineOf } from './lines.js';
import type { MatrixResult } from './matrix.js';
import { DAPR_INTERNAL_PORT, type AppInput, type DaprCall, type Endpoint, type Flow } from './model.js';

const RULE = 'connectivity';

const enabled = (b: { enabled?: boolean } | null | undefined) => b?.enabled === true;
const usesRedis = (a: AppInput) => enabled(a.values.statestore) || enabled(a.values.pubsub);
const fileOf = (a: AppInput) => a.file ?? `${a.name}'s values file`;
const portList = (flows: Flow[]) => [...new Set(flows.map((f) => `${f.port}${f.endPort !== undefined ? `-${f.endPort}` : ''}/${f.protocol}`))].join(', ');
const party = (a: AppInput): Party => ({ name: a.name, namespace: a.namespace, file: fileOf(a), answersCalls: a.values.port !== 'none' });
const policyName = (ns: string | undefined, name: string) => (name ? `NetworkPolicy ${ns}/${name}` : '');

function at(app: AppInput, path: string[], f: Omit<Finding, 'rule' | 'file' | 'line' | 'path'>): Finding {
  const line = lineOf(app.valuesText, path);
  return { rule: RULE, file: fileOf(app), ...(line ? { line } : {}), path: path.join('.'), ...f };
}

/** What let a set of flows through, in words: "let out by NetworkPolicy a/b, let in by …". */
function openedBy(flows: Flow[], src: Endpoint, dst: Endpoint): string {
  const out = [...new Set(flows.map((f) => f.egressBy))].map((n) =>
    n ? `by ${policyName(src.namespace, n)}` : `because ${src.label} is not isolated for egress`,
  );
  const inn = [...new Set(flows.map((f) => f.ingressBy))].map((n) =>
    n
      ? `by ${policyName(dst.namespace, n)}`
      : dst.kind === 'host'
        ? "as NetworkPolicy does not filter what reaches a node's address"
        : `because ${dst.label} is not isolated for ingress`,
  );
  return `let out ${out.join(' and ')}; let in ${inn.join(' and ')}`;
}

export function compareWithDeclarations(result: MatrixResult): Finding[] {
  const { matrix, problems, apps } = result;
  const findings: Finding[] = [];
  const byId = new Map(matrix.endpoints.map((e) => [e.id, e]));
  const appOfEndpoint = new Map([...apps.values()].map((i) => [i.endpoint.id, i.input]));
  const byFrom = new Map<string, Flow[]>();
  const byTo = new Map<string, Flow[]>();
  for (const f of matrix.flows) {
    if (!byFrom.has(f.from)) byFrom.set(f.from, []);
    if (!byTo.has(f.to)) byTo.set(f.to, []);
    byFrom.get(f.from)!.push(f);
    byTo.get(f.to)!.push(f);
  }
  const platformPods = matrix.endpoints.filter((e) => e.kind === 'platform' || e.kind === 'internet');

  for (const p of problems) {
    const app = p.app ? apps.get(p.app)?.input : undefined;
    findings.push({
      rule: RULE,
      severity: 'error',
      ...(app ? { file: fileOf(app) } : {}),
      path: p.object,
      message: `${p.object} in ${p.namespace} cannot be used: ${p.message}.`,
      fix: 'Render the app again with the platform chart; do not edit the generated objects by hand.',
    });
  }

  // Group flows by (source, destination) endpoint pair.
  // Platform pods coming in are grouped by namespace: one finding per (namespace, app).
  const groups = new Map<string, Flow[]>();
  for (const f of matrix.flows) {
    const src = byId.get(f.from)!;
    const k = `${src.kind === 'platform' && byId.get(f.to)!.kind === 'app' ? `ns:${src.namespace}` : f.from}\u0000${f.to}`;
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
  }

  // Pods of app namespaces other than the app itself: nothing may reach them, they reach nothing.
  for (const info of apps.values()) {
    const iso = matrix.isolation[info.other.id];
    const a = info.input;
    if (iso && (!iso.ingress || !iso.egress)) {
      const dirs = [!iso.ingress && 'incoming', !iso.egress && 'outgoing'].filter(Boolean).join(' and ');
      findings.push(
        at(a, ['networkPolicy'], {
          severity: 'error',
          message: `${a.namespace} has no default-deny NetworkPolicy: pods there other than ${a.name} are open to ${dirs} traffic.`,
          fix: `Keep the chart's "default-deny" NetworkPolicy (podSelector: {}, policyTypes: [Ingress, Egress]) in ${a.namespace}; render ${a.name} again with the platform chart.`,
        }),
      );
      continue;
    }
    const touching = [...(byFrom.get(info.other.id) ?? []), ...(byTo.get(info.other.id) ?? [])];
    if (touching.length) {
      const peers = [...new Set(touching.map((f) => byId.get(f.from === info.other.id ? f.to : f.from)!.label))];
      findings.push(
        at(a, ['networkPolicy'], {
          severity: 'error',
          message: `Pods in ${a.namespace} other than ${a.name} can talk to ${peers.slice(0, 5).join(', ')}${peers.length > 5 ? ` and ${peers.length - 5} more` : ''}: a NetworkPolicy there selects every pod.`,
          fix: `Make every NetworkPolicy in ${a.namespace} except default-deny select only ${a.name}'s pods (podSelector with app.kubernetes.io/name: ${a.name}).`,
        }),
      );
    }
  }

  // Flows of app pods, except app → app on the Dapr port (judged with Dapr's access control below).
  for (const flows of groups.values()) {
    const src = byId.get(flows[0]!.from)!;
    const dst = byId.get(flows[0]!.to)!;
    if (src.kind !== 'app' && dst.kind !== 'app') continue;
    if (src.kind === 'app-other' || dst.kind === 'app-other') continue;
    const f = judgeFlows(flows, src, dst, appOfEndpoint);
    if (f) findings.push(f);
  }

  // Expected flows that are missing.
  for (const info of apps.values()) findings.push(...missingBaseline(info.input, info.daprEnabled, byFrom.get(info.endpoint.id) ?? [], byId, platformPods));

  for (const c of matrix.daprCalls) findings.push(...judgeCall(c, apps, byFrom.get(apps.get(c.from)!.endpoint.id) ?? []));
  return findings;
}

function judgeFlows(flows: Flow[], src: Endpoint, dst: Endpoint, appOf: Map<string, AppInput>): Finding | undefined {
  const how = openedBy(flows, src, dst);
  if (src.kind === 'app' && dst.kind === 'app') {
    const rest = flows.filter((f) => !(f.port === DAPR_INTERNAL_PORT && f.protocol === 'TCP'));
    if (!rest.length) return undefined;
    const a = appOf.get(src.id)!;
    return at(appOf.get(dst.id)!, ['networkPolicy', 'allowIngressFrom'], {
      severity: 'error',
      message: `${a.name} can reach ${dst.label} directly on ${portList(rest)}, bypassing Dapr (${openedBy(rest, src, dst)}). Apps may only talk sidecar to sidecar on port ${DAPR_INTERNAL_PORT}.`,
      fix: 'Remove the NetworkPolicy rule that opens these ports; declare calls with networkPolicy.allowEgressTo / allowIngressFrom instead.',
    });
  }
  if (src.kind === 'app') {
    const a = appOf.get(src.id)!;
    const ports = portList(flows);
    switch (dst.role) {
      case 'dns': {
        const beyond = flows.filter((f) => f.port !== 53);
        return beyond.length ? beyondDns(a, dst, beyond, openedBy(beyond, src, dst)) : undefined;
      }
      case 'api-server':
      case 'node':
      case 'kube-system':
        return clusterInfrastructure(a, dst, ports, how);
      case 'dapr-control-plane':
        return undefined;
      case 'redis':
        if (usesRedis(a)) return undefined;
        return at(a, ['statestore', 'enabled'], {
          severity: 'error',
          message: `${a.name} can reach Redis (${dst.namespace}, port ${ports}) although it enables neither statestore nor pubsub (${how}).`,
          fix: `Remove the NetworkPolicy that opens Redis, or set statestore.enabled: true (or pubsub.enabled: true) in ${fileOf(a)} if ${a.name} needs to save data or send events.`,
        });
      case 'vault':
        return at(a, ['secretstore'], {
          severity: 'error',
          message: `${a.name} can reach Vault (${dst.namespace}, port ${ports}) (${how}). Apps never talk to Vault: the External Secrets Operator fetches their secrets.`,
          fix: `Remove the NetworkPolicy rule that opens Vault to ${a.namespace}; use secretstore.enabled: true to read secrets.`,
        });
      case 'internet': {
        const https = flows.every((f) => f.port === 443 && f.protocol === 'TCP');
        if (enabled(a.values.binding) && https) return undefined;
        return at(a, ['binding', 'enabled'], {
          severity: 'error',
          message: `${a.name} can reach the internet on ${ports} (${how})${enabled(a.values.binding) ? '; its binding needs only https (443)' : ' although it has no binding'}.`,
          fix: `Remove the NetworkPolicy rule that opens the internet, or set binding.enabled: true with the https url in ${fileOf(a)} if ${a.name} must call a web service.`,
        });
      }
      default:
        return at(a, ['networkPolicy', 'allowEgressTo'], {
          severity: 'error',
          message: `${a.name} can reach ${dst.label} on ${ports} (${how}); nothing in ${fileOf(a)} asks for that.`,
          fix: `Remove the NetworkPolicy rule that opens ${dst.namespace ?? dst.label} to ${a.namespace}.`,
        });
    }
  }
  // Into an app pod from the platform or the internet: only Prometheus on the metrics port.
  const b = appOf.get(dst.id)!;
  const metrics = dst.ports.find((p) => p.name === 'dapr-metrics');
  const unexpected = flows.filter((f) => !(src.role === 'monitoring' && metrics && f.port === metrics.port && f.protocol === metrics.protocol));
  if (!unexpected.length) return undefined;
  const who = src.namespace
    ? `Pods in ${src.namespace}`
    : src.kind === 'host'
      ? `${src.label[0]!.toUpperCase()}${src.label.slice(1)}${src.role === 'node' ? " (and every host-network pod, which has a node's address)" : ''}`
      : `The ${src.label}`;
  const inBy = [...new Set(unexpected.map((f) => policyName(dst.namespace, f.ingressBy) || `${b.name} is not isolated for ingress`))].join(' and ');
  return at(b, ['networkPolicy', 'allowIngressFrom'], {
    severity: 'error',
    message: `${who} can reach ${b.name} on ${portList(unexpected)} (let in by ${inBy}); only the declared apps (through Dapr) and Prometheus (metrics) may.`,
    fix: `Remove the NetworkPolicy rule that lets ${src.namespace ?? src.label} into ${b.namespace}.`,
  });
}

/** An app pod reaching the API server, a node or kube-system: never needed, and the way to attack the cluster itself. */
function clusterInfrastructure(a: AppInput, dst: Endpoint, ports: string, how: string): Finding {
  const what = {
    'api-server': {
      name: dst.label,
      why: 'Apps never talk to the API server: the platform deploys them, and an open path lets a stolen or leaked token be used from the app.',
    },
    node: { name: dst.label, why: "Apps never talk to the nodes: the kubelet and NodePorts there are the cluster's, not the app's." },
    'kube-system': { name: `${dst.label} in kube-system`, why: 'Apps reach kube-system only for DNS (CoreDNS on port 53).' },
  }[dst.role as 'api-server' | 'node' | 'kube-system'];
  return at(a, ['networkPolicy', 'allowEgressTo'], {
    severity: 'error',
    message: `${a.name} can reach ${what.name} on ${ports} (${how}). ${what.why}`,
    fix: `Remove the NetworkPolicy rule that opens ${dst.role === 'kube-system' ? 'kube-system' : dst.role === 'node' ? 'the node network' : 'the API server'} to ${a.namespace}${dst.role === 'kube-system' ? '' : ' (an ipBlock that does not except the private ranges, or a rule with no peers)'}; the chart's policies give ${a.name} all it needs.`,
  });
}

function beyondDns(a: AppInput, dst: Endpoint, flows: Flow[], how: string): Finding {
  return at(a, ['networkPolicy', 'allowEgressTo'], {
    severity: 'error',
    message: `${a.name} can reach CoreDNS (${dst.label}) on ${portList(flows)}, beyond DNS (${how}). Apps reach kube-system only for DNS (CoreDNS on port 53).`,
    fix: `Remove the NetworkPolicy rule that opens these ports of kube-system to ${a.namespace}; the chart's "${a.name}-allow-dns" policy opens port 53 only.`,
  });
}

/** `from`: the flows leaving the app's pod; `dests`: the platform's pods and the internet. */
function missingBaseline(a: AppInput, daprEnabled: boolean, from: Flow[], byId: Map<string, Endpoint>, dests: Endpoint[]): Finding[] {
  const out: Finding[] = [];
  const reaches = (pred: (d: Endpoint, f: Flow) => boolean) => from.some((f) => pred(byId.get(f.to)!, f));
  if (dests.some((d) => d.role === 'dns') && !reaches((d, f) => d.role === 'dns' && f.port === 53 && f.protocol === 'UDP')) {
    out.push(
      at(a, ['networkPolicy'], {
        severity: 'warning',
        message: `${a.name} cannot reach the cluster DNS (port 53/UDP), so it cannot resolve any name.`,
        fix: `Keep the chart's "${a.name}-allow-dns" NetworkPolicy; render ${a.name} again with the platform chart.`,
      }),
    );
  }
  if (daprEnabled) {
    const missing = dests.filter((d) => d.role === 'dapr-control-plane' && d.ports.some((p) => !reaches((x, f) => x === d && f.port === p.port)));
    if (missing.length) {
      out.push(
        at(a, ['networkPolicy'], {
          severity: 'warning',
          message: `${a.name}'s Dapr sidecar cannot reach ${missing.map((d) => d.label).join(', ')}; the sidecar will not start or will lose features.`,
          fix: `Keep the chart's "${a.name}-allow-dapr-control-plane" NetworkPolicy; render ${a.name} again with the platform chart.`,
        }),
      );
    }
  }
  if (usesRedis(a) && dests.some((d) => d.role === 'redis') && !reaches((d) => d.role === 'redis')) {
    out.push(
      at(a, [enabled(a.values.statestore) ? 'statestore' : 'pubsub', 'enabled'], {
        severity: 'warning',
        message: `${a.name} enables ${enabled(a.values.statestore) ? 'statestore' : 'pubsub'} but cannot reach Redis, so saving data${enabled(a.values.pubsub) ? ' and events' : ''} will fail.`,
        fix: `Keep the chart's "${a.name}-allow-redis" NetworkPolicy; render ${a.name} again with the platform chart.`,
      }),
    );
  }
  if (enabled(a.values.binding) && !reaches((d, f) => d.kind === 'internet' && f.port === 443)) {
    out.push(
      at(a, ['binding', 'enabled'], {
        severity: 'warning',
        message: `${a.name} enables a binding but cannot reach the internet on https (443), so the binding's calls will fail.`,
        fix: `Keep the chart's "${a.name}-allow-binding" NetworkPolicy; render ${a.name} again with the platform chart.`,
      }),
    );
  }
  return out;
}

function judgeCall(c: DaprCall, apps: MatrixResult['apps'], flows: Flow[]): Finding[] {
  const A = apps.get(c.from)!;
  const B = apps.get(c.to)!;
  const a = A.input;
  const b = B.input;
  const out: Finding[] = [];
  const both = c.callerDeclares && c.calleeDeclares;
  const aclWords =
    c.acl === 'allow'
      ? `${b.name}'s Dapr access control lets ${a.name} in too`
      : c.acl === 'some-operations'
        ? `${b.name}'s Dapr access control lets ${a.name} call some operations`
        : `${b.name}'s Dapr access control still refuses ${a.name}`;

  if (c.network && !both) {
    const daprFlows = flows.filter((f) => f.from === A.endpoint.id && f.to === B.endpoint.id && f.port === DAPR_INTERNAL_PORT);
    // Point at the side whose policy is wider than its declaration.
    const ingressWider = !c.calleeDeclares;
    const side = ingressWider ? b : a;
    out.push(
      at(side, ['networkPolicy', ingressWider ? 'allowIngressFrom' : 'allowEgressTo'], {
        severity: 'error',
        message: `${a.name} can reach ${b.name} on Dapr's port ${DAPR_INTERNAL_PORT} (${openedBy(daprFlows, A.endpoint, B.endpoint)}), but ${undeclared(c, a, b)}; ${aclWords}.`,
        fix: `Remove or narrow the NetworkPolicy that opens ${b.namespace} to ${a.namespace}; only the chart's policies, generated from the values, should. If the call is wanted, declare it on both sides: ${b.namespace} in networkPolicy.allowEgressTo of ${fileOf(a)} and ${a.namespace} in networkPolicy.allowIngressFrom of ${fileOf(b)}.`,
      }),
    );
  }
  if (c.acl !== 'deny' && !c.calleeDeclares && B.daprEnabled) {
    out.push(
      at(b, ['networkPolicy', 'allowIngressFrom'], {
        severity: 'error',
        message: `${b.name}'s Dapr access control lets ${a.name} (${a.namespace}) call it${c.acl === 'some-operations' ? ' for some operations' : ''}, but ${b.name} does not list ${a.namespace} in networkPolicy.allowIngressFrom.`,
        fix: `Render ${b.name} again with the platform chart: its Dapr Configuration must deny by default and allow only the namespaces in networkPolicy.allowIngressFrom.`,
      }),
    );
  }
  if (both && !c.effective) {
    const why = !c.network
      ? `the NetworkPolicies do not let ${a.name}'s pod reach ${b.name}'s on port ${DAPR_INTERNAL_PORT}`
      : `${b.name}'s Dapr access control refuses ${a.name}`;
    out.push(
      at(b, ['networkPolicy', 'allowIngressFrom'], {
        severity: 'warning',
        message: `${a.name} and ${b.name} both declare that ${a.name} calls ${b.name}, but ${why}, so the call will fail.`,
        fix: `Render both apps again with the platform chart and check for NetworkPolicies or Dapr Configurations changed by hand in ${a.namespace} and ${b.namespace}.`,
      }),
    );
  }
  const gap = consentGap(party(a), party(b), c.callerDeclares, c.calleeDeclares);
  if (gap) {
    out.push(at(gap.side === 'caller' ? a : b, gap.field.split('.'), { severity: 'warning', message: gap.message, fix: gap.fix }));
  }
  return out;
}

function undeclared(c: DaprCall, a: AppInput, b: AppInput): string {
  if (!c.callerDeclares && !c.calleeDeclares) return `neither ${a.name} nor ${b.name} declares this call`;
  if (!c.callerDeclares) return `${a.name} does not list ${b.namespace} in networkPolicy.allowEgressTo`;
  return `${b.name} does not list ${a.namespace} in networkPolicy.allowIngressFrom`;
}
