/**
 * Runs ValidatingAdmissionPolicy objects on manifests offline, with the
 * semantics the Kubernetes documentation gives them
 * (https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/):
 * - a binding puts a policy to work; both must match the request (resource
 *   rules, namespace and object selectors, excluded rules);
 * - matchConditions: any false skips the policy; otherwise an error follows
 *   failurePolicy;
 * - variables are lazy and evaluated at most once per request;
 * - a validation that is false denies with messageExpression, else message,
 *   else "failed expression: …"; one that errors follows failurePolicy;
 * - params are null (paddock's policies take none); auditAnnotations are ignored.
 */
import { celError, type CelResult } from '@bufbuild/cel';
import type { Finding, Severity } from '../report/finding.js';
import { compile, isCelError, toCelInput, type Program } from './cel-env.js';
import { matchResources, selectorMatches, targetOf } from './match.js';
import { IDENTITIES, type UserInfo } from './identities.js';
import { gvrOf, isNamespaced } from './resources.js';
import type {
  KubeObject,
  Operation,
  PolicySet,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from './types.js';

/** One admission request, as the API server would send it to validating admission. */
export interface AdmissionRequest {
  operation?: Operation;
  /** The new object; null for DELETE. */
  object: KubeObject | null;
  /** The existing object; null (or absent) for CREATE. */
  oldObject?: KubeObject | null;
  /** The Namespace the object lives in (ignored for cluster-scoped objects). */
  namespace?: KubeObject | null;
  /** What else exists in the cluster: where a binding's paramRef finds its params. */
  cluster?: KubeObject[];
  /** The subresource requested (`ephemeralcontainers`, `status`, …); empty for the object itself. */
  subResource?: string;
  /** Who sends the request (default: an authenticated user with no other group: a tenant). */
  userInfo?: UserInfo;
}

/** What one policy binding decided about one request. */
export interface Decision {
  policy: string;
  binding: string;
  /** `deny`: a validation failed; `error`: the policy could not be evaluated and fails closed. */
  kind: 'deny' | 'error';
  action: 'Deny' | 'Warn' | 'Audit';
  message: string;
  reason: string;
  /** `Kind/name` of the object judged. */
  object: string;
  /** Set when a binding's paramRef found no params and says Deny. */
  cause?: 'params-not-found';
  /** The namespace of the object judged, if namespaced. */
  namespace?: string;
}

type Compiled<T> = { program: Program; source: T } | { error: string; source: T };

interface CompiledPolicy {
  policy: ValidatingAdmissionPolicy;
  failClosed: boolean;
  matchConditions: Array<Compiled<{ name: string; expression: string }>>;
  variables: Map<string, Compiled<string>>;
  validations: Array<{
    expression: Compiled<string>;
    messageExpression?: Compiled<string>;
    message?: string;
    reason: string;
  }>;
}

function compileOne<T>(expression: string, source: T): Compiled<T> {
  try {
    return { program: compile(expression), source };
  } catch (err) {
    return { error: `compilation failed: ${err instanceof Error ? err.message : String(err)}`, source };
  }
}

const compiledPolicies = new WeakMap<ValidatingAdmissionPolicy, CompiledPolicy>();

function compilePolicy(policy: ValidatingAdmissionPolicy): CompiledPolicy {
  let c = compiledPolicies.get(policy);
  if (c) return c;
  const spec = policy.spec ?? {};
  c = {
    policy,
    failClosed: (spec.failurePolicy ?? 'Fail') === 'Fail',
    matchConditions: (spec.matchConditions ?? []).map((m) => compileOne(m.expression, m)),
    variables: new Map((spec.variables ?? []).map((v) => [v.name, compileOne(v.expression, v.expression)])),
    validations: (spec.validations ?? []).map((v) => ({
      expression: compileOne(v.expression, v.expression),
      messageExpression: v.messageExpression !== undefined ? compileOne(v.messageExpression, v.messageExpression) : undefined,
      message: v.message,
      reason: v.reason ?? 'Invalid',
    })),
  };
  compiledPolicies.set(policy, c);
  return c;
}

function errorText(r: CelResult): string {
  return isCelError(r) ? r.message : String(r);
}

/** The `request` variable: the fields of admission.k8s.io/v1 AdmissionRequest policies may read. */
function requestOf(req: Pick<Required<AdmissionRequest>, 'operation' | 'subResource' | 'userInfo'>, subject: KubeObject): Record<string, unknown> {
  const gvr = gvrOf(subject);
  const kind = { group: gvr.group, version: gvr.version, kind: gvr.kind };
  const resource = { group: gvr.group, version: gvr.version, resource: gvr.resource };
  return {
    uid: '00000000-0000-0000-0000-000000000000',
    kind,
    resource,
    subResource: req.subResource,
    requestKind: kind,
    requestResource: resource,
    requestSubResource: req.subResource,
    name: subject.metadata?.name ?? '',
    namespace: isNamespaced(subject.kind) ? subject.metadata?.namespace ?? '' : '',
    operation: req.operation,
    userInfo: req.userInfo,
    dryRun: true,
  };
}

function describe(o: KubeObject): string {
  return `${o.kind}/${o.metadata?.name ?? o.metadata?.generateName ?? '(unnamed)'}`;
}

/** Evaluates one policy (already matched) for one request. */
function runPolicy(c: CompiledPolicy, bindings: Record<string, unknown>): Array<Omit<Decision, 'binding' | 'action' | 'object'>> {
  const name = c.policy.metadata.name ?? '';
  const out: Array<Omit<Decision, 'binding' | 'action' | 'object'>> = [];
  const failure = (message: string) => {
    if (c.failClosed) out.push({ policy: name, kind: 'error', message, reason: 'InternalError' });
  };

  const cache = new Map<string, CelResult>();
  const resolving = new Set<string>();
  const resolve = (v: string): CelResult => {
    const hit = cache.get(v);
    if (hit !== undefined) return hit;
    const compiled = c.variables.get(v);
    let result: CelResult;
    if (!compiled) {
      result = celError(`no such key: ${v} (the policy declares no variable of that name)`);
    } else if ('error' in compiled) {
      result = celError(`variable ${v}: ${compiled.error}`);
    } else if (resolving.has(v)) {
      result = celError(`variable ${v} refers to itself`);
    } else {
      resolving.add(v);
      result = compiled.program(bindings, resolve);
      resolving.delete(v);
    }
    cache.set(v, result);
    return result;
  };

  // Match conditions: any false skips the policy; an error (with none false) follows failurePolicy.
  let conditionError: string | undefined;
  for (const m of c.matchConditions) {
    if ('error' in m) {
      conditionError ??= `match condition ${m.source.name}: ${m.error}`;
      continue;
    }
    const r = m.program(bindings, resolve);
    if (r === false) return [];
    if (r !== true) conditionError ??= `match condition ${m.source.name} did not evaluate to true or false: ${errorText(r)}`;
  }
  if (conditionError) {
    failure(conditionError);
    return out;
  }

  for (const v of c.validations) {
    if ('error' in v.expression) {
      failure(`expression '${v.expression.source}' resulted in error: ${v.expression.error}`);
      continue;
    }
    const r = v.expression.program(bindings, resolve);
    if (r === true) continue;
    if (r !== false) {
      failure(`expression '${v.expression.source}' resulted in error: ${isCelError(r) ? r.message : 'the result is not a bool'}`);
      continue;
    }
    let message: string | undefined;
    if (v.messageExpression && 'program' in v.messageExpression) {
      const m = v.messageExpression.program(bindings, resolve);
      if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) message = m;
    }
    message ??= v.message || `failed expression: ${v.expression.source}`;
    out.push({ policy: name, kind: 'deny', message, reason: v.reason });
  }
  return out;
}

/** The Namespace object a request's namespaceSelector and `namespaceObject` see. */
export function namespaceView(name: string, given?: KubeObject | null): KubeObject {
  const base = given ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  // The API server labels every namespace with its own name.
  return {
    ...base,
    metadata: { ...base.metadata, name, labels: { ...(base.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': name } },
  };
}

/**
 * The params a binding hands its policy (generic/policy_dispatcher.go
 * collectParams): [null] without paramKind or paramRef; the objects of
 * paramKind named or selected by paramRef, in paramRef.namespace or else the
 * request's namespace; a string when the binding cannot be used.
 */
function paramsFor(
  policy: ValidatingAdmissionPolicy,
  binding: ValidatingAdmissionPolicyBinding,
  requestNamespace: string | undefined,
  cluster: KubeObject[],
): Array<KubeObject | null> | string {
  const kind = policy.spec.paramKind;
  const ref = binding.spec.paramRef;
  if (!kind || !ref) return [null];
  const namespaced = isNamespaced(kind.kind ?? '');
  const ns = ref.namespace || requestNamespace;
  if (namespaced && !ns) return 'cannot use namespaced paramRef in policy binding that matches cluster-scoped resources';
  const candidates = cluster.filter(
    (o) =>
      o?.apiVersion === kind.apiVersion &&
      o.kind === kind.kind &&
      (!namespaced || (o.metadata?.namespace ?? '') === ns),
  );
  const params = ref.name
    ? candidates.filter((o) => o.metadata?.name === ref.name)
    : candidates.filter((o) => selectorMatches(ref.selector ?? {}, o.metadata?.labels));
  if (params.length === 0 && ref.parameterNotFoundAction === 'Deny') {
    return 'no params found for policy binding with `Deny` parameterNotFoundAction';
  }
  return params;
}

/** Every decision the policy set takes on one request (empty: admitted). */
export function admit(set: PolicySet, request: AdmissionRequest): Decision[] {
  const req: Required<AdmissionRequest> = {
    operation: request.operation ?? (request.object ? 'CREATE' : 'DELETE'),
    object: request.object,
    oldObject: request.oldObject ?? null,
    namespace: request.namespace ?? null,
    cluster: request.cluster ?? [],
    subResource: request.subResource ?? '',
    userInfo: request.userInfo ?? IDENTITIES.tenant,
  };
  const subject = req.object ?? req.oldObject;
  if (!subject) return [];
  const gvr = gvrOf(subject);
  const namespaced = isNamespaced(subject.kind);
  const nsName = subject.metadata?.namespace ?? req.namespace?.metadata?.name ?? 'default';
  const namespace = namespaced ? namespaceView(nsName, req.namespace) : null;
  const target = { ...targetOf(req.object, req.oldObject, req.operation, gvr, namespaced, namespace), subResource: req.subResource };

  const policies = new Map(set.policies.map((p) => [p.metadata.name, p]));
  let bindings: Record<string, unknown> | undefined;
  const decisions: Decision[] = [];
  for (const b of set.bindings) {
    const policy = policies.get(b.spec?.policyName);
    if (!policy) continue;
    if (!matchResources(policy.spec?.matchConstraints, target, true)) continue;
    if (!matchResources(b.spec.matchResources, target, false)) continue;
    bindings ??= {
      object: toCelInput(req.object),
      oldObject: toCelInput(req.oldObject),
      request: toCelInput(requestOf(req, subject)),
      namespaceObject: toCelInput(namespace),
      params: null,
    };
    const actions = b.spec.validationActions?.length ? b.spec.validationActions : ['Deny' as const];
    const action = actions.includes('Deny') ? 'Deny' : actions.includes('Warn') ? 'Warn' : 'Audit';
    const base = { binding: b.metadata.name ?? '', action, object: describe(subject), ...(namespaced ? { namespace: nsName } : {}) } as const;
    const params = paramsFor(policy, b, namespaced ? nsName : undefined, req.cluster);
    if (typeof params === 'string') {
      // A configuration error of the binding: refused under failurePolicy Fail (policy_dispatcher.go).
      if ((policy.spec.failurePolicy ?? 'Fail') === 'Fail') {
        decisions.push({ ...base, policy: policy.metadata.name ?? '', kind: 'error', message: `failed to configure binding: ${params}`, reason: 'InternalError', ...(params.startsWith('no params found') ? { cause: 'params-not-found' as const } : {}) });
      }
      continue;
    }
    for (const param of params) {
      const withParams = param === null ? bindings : { ...bindings, params: toCelInput(param) };
      for (const d of runPolicy(compilePolicy(policy), withParams)) decisions.push({ ...d, ...base });
    }
  }
  return decisions;
}

export interface EvaluateOptions {
  /** Namespace objects to judge namespaced objects against (others get a bare namespace). */
  namespaces?: KubeObject[];
  /** Namespace for namespaced objects that name none (helm's --namespace). */
  defaultNamespace?: string;
  /** Fills Finding.file. */
  file?: string;
  /** What exists in the cluster besides `objects`, for paramRef lookups (default: the objects and namespaces given). */
  cluster?: KubeObject[];
  /** Where an object came from: fills Finding.file and Finding.line (over `file`). */
  locate?: (object: KubeObject) => SourceLocation | undefined;
  /** Who sends each object to the API server (default: a tenant). */
  identity?: (object: KubeObject) => UserInfo | undefined;
}

export interface SourceLocation {
  file?: string;
  line?: number;
}

/** Adds a location to findings that have none. */
export function located(findings: Finding[], where: SourceLocation | undefined): Finding[] {
  if (!where) return findings;
  return findings.map((f) => {
    const g = { ...f };
    if (where.file !== undefined && g.file === undefined) g.file = where.file;
    if (where.line !== undefined && g.line === undefined) g.line = where.line;
    return g;
  });
}

const severityOf: Record<Decision['action'], Severity> = { Deny: 'error', Warn: 'warning', Audit: 'info' };

/** Findings for a Decision: rule = the policy's name, path = the object. */
export function decisionToFinding(d: Decision, set: PolicySet, file?: string): Finding {
  const policy = set.policies.find((p) => p.metadata.name === d.policy);
  const fix = policy?.metadata.annotations?.['paddock.dev/fix'];
  const f: Finding = {
    rule: d.policy,
    severity: severityOf[d.action],
    path: d.object,
    message: d.kind === 'error' ? `The policy could not judge ${d.object}: ${d.message}` : d.message,
  };
  // A missing param is the guardrail speaking, not a broken policy: say it in the policy's words.
  const missing = policy?.metadata.annotations?.['paddock.dev/params-not-found'];
  if (d.cause === 'params-not-found' && missing) f.message = missing.replace(/\{namespace\}/g, d.namespace ?? '');
  if (d.cause === 'params-not-found' && fix) f.fix = fix;
  if (file) f.file = file;
  if (fix && d.kind === 'deny') f.fix = fix;
  return f;
}

/** Runs every bound policy on every object as if it were being created; returns the findings. */
export function evaluate(set: PolicySet, objects: KubeObject[], options: EvaluateOptions = {}): Finding[] {
  const namespaces = new Map<string, KubeObject>();
  for (const n of [...(options.namespaces ?? []), ...objects.filter((o) => o.kind === 'Namespace' && o.apiVersion === 'v1')]) {
    if (n.metadata?.name) namespaces.set(n.metadata.name, n);
  }
  const cluster = options.cluster ?? [...objects, ...(options.namespaces ?? [])];
  const findings: Finding[] = [];
  for (const object of objects) {
    // Not a Kubernetes object (the schema check says why): nothing to admit.
    if (!object || typeof object !== 'object' || typeof object.kind !== 'string' || typeof object.apiVersion !== 'string') continue;
    let subject = object;
    if (isNamespaced(object.kind) && !object.metadata?.namespace && options.defaultNamespace) {
      subject = { ...object, metadata: { ...object.metadata, namespace: options.defaultNamespace } };
    }
    const ns = subject.metadata?.namespace;
    const decisions = admit(set, { object: subject, namespace: ns ? namespaces.get(ns) ?? null : null, cluster, userInfo: options.identity?.(object) });
    const where = options.locate?.(object);
    findings.push(...located(decisions.map((d) => decisionToFinding(d, set, where?.file ?? options.file)), where));
  }
  return findings;
}
