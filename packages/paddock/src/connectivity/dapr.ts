/**
 * Dapr service-invocation access control, evaluated as daprd 1.17 does it
 * (pkg/acl/acl.go): the callee's Configuration.spec.accessControl decides for
 * the caller identified by spiffe://<trustDomain>/ns/<namespace>/<appId>.
 */
import type { AclVerdict, KubeObject } from './model.js';

const DEFAULT_TRUST_DOMAIN = 'public';

interface AppPolicy {
  trustDomain: string;
  namespace: string;
  defaultAction: string;
  /** Every action an operation (or an HTTP verb of one) may resolve to. */
  operationActions: string[];
}

/** A parsed access-control list; `null` = none specified, so every caller is allowed. */
export interface AccessControl {
  defaultAction: string;
  trustDomain: string;
  policies: Map<string, AppPolicy>;
}

/** The sidecar settings of an app, read from its Deployment's pod annotations. */
export interface SidecarInfo {
  enabled: boolean;
  /** Name of the Configuration named by `dapr.io/config`, if any. */
  config?: string;
}

const key = (appId: string, namespace: string) => `${appId}||${namespace}`;
const rec = (x: unknown): Record<string, unknown> => (x && typeof x === 'object' ? (x as Record<string, unknown>) : {});

/** ParseAccessControlSpec: null when nothing is specified; throws when daprd would refuse the spec. */
export function parseAccessControl(spec: unknown): AccessControl | null {
  if (spec === undefined || spec === null) return null;
  const s = rec(spec);
  const policiesRaw = s.policies;
  const list = Array.isArray(policiesRaw) ? policiesRaw.map(rec) : [];
  const trustDomain = String(s.trustDomain ?? '');
  const defaultActionRaw = String(s.defaultAction ?? '');
  if (!trustDomain && !defaultActionRaw && list.length === 0) return null;
  // No default action: deny when policies are given (or the list is absent), allow for an explicit empty list.
  const defaultAction = defaultActionRaw
    ? defaultActionRaw.toLowerCase()
    : policiesRaw === undefined || policiesRaw === null || list.length > 0
      ? 'deny'
      : 'allow';
  const policies = new Map<string, AppPolicy>();
  const missing: string[] = [];
  for (const p of list) {
    const appId = String(p.appId ?? '');
    const ns = String(p.namespace ?? '');
    const td = String(p.trustDomain ?? '');
    if (!appId || !ns || !td) {
      missing.push(`${appId || '(no appId)'}: ${[!ns && 'namespace', !td && 'trustDomain', !appId && 'appId'].filter(Boolean).join(', ')} missing`);
      continue;
    }
    const operationActions: string[] = [];
    for (const op of Array.isArray(p.operations) ? p.operations.map(rec) : []) {
      operationActions.push(String(op.action ?? ''));
    }
    policies.set(key(appId, ns), { trustDomain: td, namespace: ns, defaultAction: String(p.defaultAction ?? ''), operationActions });
  }
  if (missing.length) throw new Error(`invalid access control policies (${missing.join('; ')}); the Dapr sidecar refuses this configuration`);
  return { defaultAction, trustDomain: trustDomain || DEFAULT_TRUST_DOMAIN, policies };
}

const allowed = (action: string) => action.toLowerCase() === 'allow';

/** isOperationAllowedByAccessControlPolicy, summarised over all operations the caller might invoke. */
export function aclVerdict(acl: AccessControl | null, caller: { appId: string; namespace: string; trustDomain: string }): AclVerdict {
  if (!acl) return 'allow';
  const policy = acl.policies.get(key(caller.appId, caller.namespace));
  if (!policy || policy.trustDomain !== caller.trustDomain || policy.namespace !== caller.namespace) {
    return allowed(acl.defaultAction) ? 'allow' : 'deny';
  }
  const base = policy.defaultAction || acl.defaultAction;
  const outcomes = [base, ...policy.operationActions].map(allowed);
  if (outcomes.every(Boolean)) return 'allow';
  return outcomes.some(Boolean) ? 'some-operations' : 'deny';
}

/** Callers (appId||namespace keys) a deny-by-default list lets in for at least one operation. */
export function explicitlyAllowed(acl: AccessControl): { appId: string; namespace: string }[] {
  const out: { appId: string; namespace: string }[] = [];
  for (const [k, p] of acl.policies) {
    if ([p.defaultAction || acl.defaultAction, ...p.operationActions].some(allowed)) {
      out.push({ appId: k.split('||')[0]!, namespace: p.namespace });
    }
  }
  return out;
}

export function sidecarOf(objects: KubeObject[]): SidecarInfo {
  const dep = objects.find((o) => o?.kind === 'Deployment');
  const ann = rec(rec(rec(rec(dep?.spec).template).metadata).annotations) as Record<string, string>;
  return { enabled: String(ann['dapr.io/enabled'] ?? '') === 'true', config: ann['dapr.io/config'] || undefined };
}

/** The access control in force for an app: the Configuration its sidecar names, in its namespace. */
export function accessControlOf(
  objects: KubeObject[],
  namespace: string,
  sidecar: SidecarInfo,
): { acl: AccessControl | null; trustDomain: string; error?: string } {
  if (!sidecar.config) return { acl: null, trustDomain: DEFAULT_TRUST_DOMAIN };
  const conf = objects.find(
    (o) =>
      o?.kind === 'Configuration' &&
      String(o.apiVersion ?? '').startsWith('dapr.io/') &&
      o.metadata?.name === sidecar.config &&
      (o.metadata?.namespace ?? namespace) === namespace,
  );
  if (!conf)
    return {
      acl: null,
      trustDomain: DEFAULT_TRUST_DOMAIN,
      error: `the Dapr Configuration "${sidecar.config}" named by dapr.io/config is not among the rendered objects`,
    };
  const spec = rec(conf.spec).accessControl;
  try {
    const acl = parseAccessControl(spec);
    return { acl, trustDomain: acl?.trustDomain ?? DEFAULT_TRUST_DOMAIN };
  } catch (err) {
    // daprd would not start with this configuration; nobody gets in.
    return {
      acl: { defaultAction: 'deny', trustDomain: DEFAULT_TRUST_DOMAIN, policies: new Map() },
      trustDomain: DEFAULT_TRUST_DOMAIN,
      error: (err as Error).message,
    };
  }
}
