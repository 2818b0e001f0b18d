/**
 * The policy step of `paddock check`: run the admission policies on a rendered
 * set as the cluster would, i.e. on each object as it is, and on the Pod each
 * workload turns into once the Dapr injector has added its sidecar; plus the
 * one guardrail admission cannot enforce alone (every app namespace has its
 * NetworkPolicy default-deny).
 */
import type { Finding } from '../report/finding.js';
import { admissionPod, hasPodTemplate, platformInjectorSettings, type InjectorSettings } from './admission-view.js';
import { evaluate, located, type EvaluateOptions } from './evaluator.js';
import { loadPolicies } from './load.js';
import { isNamespaced } from './resources.js';
import type { KubeObject, PolicySet } from './types.js';

export const DEFAULT_DENY_RULE = 'paddock-network-default-deny';
export const TENANT_LABEL = 'paddock.dev/tenant';

/** The Namespace the platform creates for an app (platform/apps/<app>/namespace.yaml). */
export function tenantNamespace(app: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: `${app}-ns`,
      labels: {
        'kubernetes.io/metadata.name': `${app}-ns`,
        [TENANT_LABEL]: 'true',
        'paddock.dev/app': app,
      },
    },
  };
}

export interface PolicyCheckOptions extends EvaluateOptions {
  /** The policies; default: the platform's (loadPolicies()). */
  policies?: PolicySet;
  /** The Dapr injector's settings; default: the platform's Dapr release. */
  injector?: InjectorSettings;
}

function withNamespace(o: KubeObject, ns: string | undefined): KubeObject {
  if (!ns || o.metadata?.namespace || !isNamespaced(o.kind)) return o;
  return { ...o, metadata: { ...o.metadata, namespace: ns } };
}

/** A valid default-deny: every pod, both directions, no rules. */
function isDefaultDeny(o: KubeObject): boolean {
  const spec = (o.spec ?? {}) as Record<string, any>;
  const sel = spec.podSelector ?? undefined;
  const selectsAll =
    sel !== undefined && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
  const types: unknown[] = spec.policyTypes ?? [];
  return (
    selectsAll &&
    types.includes('Ingress') &&
    types.includes('Egress') &&
    (spec.ingress ?? []).length === 0 &&
    (spec.egress ?? []).length === 0
  );
}

/**
 * Every namespace that runs workloads and is (or may be) an app namespace must
 * hold a valid NetworkPolicy `default-deny`. A namespace is skipped only when
 * its Namespace object is known and lacks the tenant label.
 */
export function defaultDenyFindings(objects: KubeObject[], options: EvaluateOptions = {}): Finding[] {
  const known = new Map<string, KubeObject>();
  for (const n of [...(options.namespaces ?? []), ...objects.filter((o) => o?.kind === 'Namespace')]) {
    if (n.metadata?.name) known.set(n.metadata.name, n);
  }
  const all = objects.filter((o) => o && o.kind).map((o) => withNamespace(o, options.defaultNamespace));
  const namespaces = new Set(all.filter((o) => hasPodTemplate(o) || o.kind === 'Pod').map((o) => o.metadata?.namespace ?? 'default'));
  const findings: Finding[] = [];
  for (const ns of [...namespaces].sort()) {
    const n = known.get(ns);
    if (n && n.metadata?.labels?.[TENANT_LABEL] !== 'true') continue;
    const policy = all.find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata?.name === 'default-deny' && (o.metadata?.namespace ?? 'default') === ns,
    );
    if (policy && isDefaultDeny(policy)) continue;
    const f: Finding = {
      rule: DEFAULT_DENY_RULE,
      severity: 'error',
      path: policy ? 'NetworkPolicy/default-deny' : `Namespace/${ns}`,
      message: policy
        ? `The NetworkPolicy default-deny in namespace ${ns} does not deny everything: it must select every pod (podSelector: {}), list policyTypes Ingress and Egress, and have no rules.`
        : `Namespace ${ns} runs workloads but has no NetworkPolicy default-deny, so its pods accept and send any traffic.`,
      fix: 'Render the app with the shared chart (it writes default-deny), or add a NetworkPolicy named default-deny with podSelector: {} and policyTypes: [Ingress, Egress].',
    };
    // Point at the policy when there is one, else at the file of a workload in the namespace.
    const workload = all.find((o) => (hasPodTemplate(o) || o.kind === 'Pod') && (o.metadata?.namespace ?? 'default') === ns)!;
    const where = options.locate?.(policy ?? workload);
    const file = where?.file ?? options.file;
    if (file) f.file = file;
    if (policy && where?.line !== undefined) f.line = where.line;
    findings.push(f);
  }
  return findings;
}

/**
 * Runs the platform's admission policies on a rendered set the way the
 * cluster would judge it, and checks that every app namespace keeps its
 * default-deny. Findings on the injected Pod that repeat a finding on its
 * workload are dropped; the rest name the workload and say "as admitted".
 */
export function checkManifests(objects: KubeObject[], options: PolicyCheckOptions = {}): Finding[] {
  const set = options.policies ?? loadPolicies();
  const injector = options.injector ?? platformInjectorSettings;
  const originals = new Map<KubeObject, KubeObject>();
  const all: KubeObject[] = [];
  for (const o of objects) {
    if (!o || typeof o !== 'object' || !o.kind) continue;
    const c = withNamespace(o, options.defaultNamespace);
    originals.set(c, o);
    all.push(c);
  }
  const locate = options.locate ? (o: KubeObject) => options.locate!(originals.get(o) ?? o) : undefined;
  const findings = evaluate(set, all, { ...options, locate });
  const seen = new Set(findings.map((f) => `${f.rule}\u0000${f.message}`));
  for (const workload of all.filter(hasPodTemplate)) {
    const pod = admissionPod(workload, injector)!;
    const where = locate?.(workload);
    for (const f of evaluate(set, [pod], { ...options, locate: undefined })) {
      if (seen.has(`${f.rule}\u0000${f.message}`)) continue;
      seen.add(`${f.rule}\u0000${f.message}`);
      findings.push(...located([{ ...f, path: `${workload.kind}/${workload.metadata?.name} (its Pod as admitted, with the Dapr sidecar)` }], where));
    }
  }
  findings.push(...defaultDenyFindings(all, { ...options, locate }));
  return findings;
}
