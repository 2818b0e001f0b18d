/**
 * Runs ValidatingAdmissionPolicy objects on manifests offline with the API
 * server's own code: the requests go to paddock-engine (tools/engine/admission.go),
 * which holds k8s.io/apiserver's validating-admission-policy dispatcher and CEL
 * environment at the pinned Kubernetes version, reads objects as the API server
 * does (defaults included) and accepts or refuses policies as its registry
 * does. So the verdicts, the messages, the CEL libraries and the semantics
 * (matching, match conditions, params, failurePolicy, Warn/Audit, audit
 * annotations) are the cluster's by construction. See docs/policies.md.
 */
import type { Finding, Severity } from '../report/finding.js';
import { runEngineAdmission } from '../render/engine.js';
import { IDENTITIES, type UserInfo } from './identities.js';
import { gvrOf, isNamespaced } from './resources.js';
import type { KubeObject, Operation, PolicySet } from './types.js';

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
  /**
   * `deny`: a validation failed; `error`: the policy could not be evaluated (or
   * its binding is misconfigured) and fails closed; `undecidable`: the verdict
   * depends on what only the cluster knows (its authorizer).
   */
  kind: 'deny' | 'error' | 'undecidable';
  action: 'Deny' | 'Warn' | 'Audit';
  /** The decision's message (what follows "denied request: "). */
  message: string;
  /** What the API server answers: the refusal's whole message, or the warning. */
  text: string;
  reason: string;
  /** `Kind/name` of the object judged. */
  object: string;
  /** Set when a binding's paramRef found no params and says Deny. */
  cause?: 'params-not-found';
  /** The namespace of the object judged, if namespaced. */
  namespace?: string;
}

/** A policy or binding the API server would refuse to create (it then takes no part). */
export interface PolicyProblem {
  kind: string;
  name: string;
  /** The API server's answer, e.g. `ValidatingAdmissionPolicy.admissionregistration.k8s.io "x" is invalid: …`. */
  message: string;
}

export interface Judgement {
  /** Per request, in order. */
  decisions: Decision[][];
  /** Per request: audit annotations it would carry. */
  annotations: Array<Record<string, string>>;
  /** Per request: why the API server could not read it, if so. */
  errors: Array<string | undefined>;
  problems: PolicyProblem[];
}

interface EngineDecision {
  policy: string;
  binding?: string;
  action: 'Deny' | 'Warn' | 'Audit' | 'Undecidable';
  evaluation: 'deny' | 'error';
  message: string;
  text: string;
  reason?: string;
}

interface EngineAdmission {
  policies: Array<{ kind: string; name: string; error?: string }>;
  results: Array<{ decisions?: EngineDecision[]; annotations?: Record<string, string>; error?: string }>;
}

function describe(o: KubeObject): string {
  return `${o.kind}/${o.metadata?.name ?? o.metadata?.generateName ?? '(unnamed)'}`;
}

function isObject(o: unknown): o is KubeObject {
  return !!o && typeof o === 'object' && typeof (o as KubeObject).kind === 'string' && typeof (o as KubeObject).apiVersion === 'string';
}

/** The Namespace object a request's namespaceSelector and `namespaceObject` see (the API server labels each with its name). */
function namespaceView(name: string, given?: KubeObject | null): KubeObject {
  const base = given ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  return {
    ...base,
    metadata: { ...base.metadata, name, labels: { ...(base.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': name } },
  };
}

/** Discovery, offline: resource and scope for every kind the engine will meet. */
function kindsOf(objects: Iterable<KubeObject>, set: PolicySet): Array<{ apiVersion: string; kind: string; resource: string; namespaced: boolean }> {
  const out = new Map<string, { apiVersion: string; kind: string; resource: string; namespaced: boolean }>();
  const add = (apiVersion: unknown, kind: unknown) => {
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !kind) return;
    const key = `${apiVersion}\u0000${kind}`;
    if (!out.has(key)) out.set(key, { apiVersion, kind, resource: gvrOf({ apiVersion, kind }).resource, namespaced: isNamespaced(kind) });
  };
  for (const o of objects) add(o.apiVersion, o.kind);
  for (const p of set.policies) add(p.spec?.paramKind?.apiVersion, p.spec?.paramKind?.kind);
  return [...out.values()];
}

/**
 * Judges many requests against one policy set in one engine call. The
 * cluster they see is the union of their `cluster`, `namespace`s and the
 * set's params.
 */
export async function judge(set: PolicySet, requests: AdmissionRequest[]): Promise<Judgement> {
  const cluster = new Map<string, KubeObject>();
  const keep = (o: KubeObject | null | undefined) => {
    if (!isObject(o)) return;
    const key = `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    if (!cluster.has(key)) cluster.set(key, o);
  };
  for (const p of set.params ?? []) keep(p);
  // Requests usually share one cluster list: read each list once.
  const lists = new Set<KubeObject[]>();
  const bodies = requests.map((r) => {
    const subject = r.object ?? r.oldObject ?? null;
    if (r.cluster && !lists.has(r.cluster)) {
      lists.add(r.cluster);
      for (const o of r.cluster) keep(o);
    }
    if (subject && isObject(subject) && isNamespaced(subject.kind)) {
      const ns = subject.metadata?.namespace ?? r.namespace?.metadata?.name ?? 'default';
      keep(namespaceView(ns, r.namespace?.metadata?.name === ns ? r.namespace : cluster.get(`v1/Namespace//${ns}`)));
    }
    return {
      operation: r.operation ?? (r.object ? 'CREATE' : 'DELETE'),
      object: r.object ?? null,
      oldObject: r.oldObject ?? null,
      subResource: r.subResource ?? '',
      userInfo: r.userInfo ?? IDENTITIES.tenant,
    };
  });
  const subjects = requests.flatMap((r) => [r.object, r.oldObject].filter(isObject));
  // Only namespaces and objects of a paramKind can matter to admission.
  const paramKinds = new Set(set.policies.map((p) => `${p.spec?.paramKind?.apiVersion}/${p.spec?.paramKind?.kind}`));
  const relevant = [...cluster.values()].filter((o) => (o.kind === 'Namespace' && o.apiVersion === 'v1') || paramKinds.has(`${o.apiVersion}/${o.kind}`));
  const admission = (await runEngineAdmission({
    policies: [...set.policies, ...set.bindings],
    cluster: relevant,
    kinds: kindsOf([...subjects, ...relevant], set),
    requests: bodies,
  })) as EngineAdmission;
  const problems: PolicyProblem[] = admission.policies.filter((p) => p.error).map((p) => ({ kind: p.kind, name: p.name, message: p.error! }));
  return {
    problems,
    annotations: admission.results.map((r) => r.annotations ?? {}),
    errors: admission.results.map((r) => r.error),
    decisions: admission.results.map((r, i) => {
      const req = requests[i]!;
      const subject = (req.object ?? req.oldObject)!;
      const namespaced = isNamespaced(subject.kind);
      const ns = subject.metadata?.namespace ?? req.namespace?.metadata?.name ?? 'default';
      return (r.decisions ?? []).map(
        (d): Decision => ({
          policy: d.policy,
          binding: d.binding ?? '',
          kind: d.action === 'Undecidable' ? 'undecidable' : d.evaluation,
          action: d.action === 'Undecidable' ? 'Deny' : d.action,
          message: d.message,
          text: d.text,
          reason: d.reason ?? '',
          object: describe(subject),
          ...(d.message.includes('no params found for policy binding with `Deny` parameterNotFoundAction') ? { cause: 'params-not-found' as const } : {}),
          ...(namespaced ? { namespace: ns } : {}),
        }),
      );
    }),
  };
}

/** Every decision the policy set takes on one request (empty: admitted). */
export async function admit(set: PolicySet, request: AdmissionRequest): Promise<Decision[]> {
  const subject = request.object ?? request.oldObject;
  if (!subject) return [];
  const j = await judge(set, [request]);
  return j.decisions[0] ?? [];
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
function decisionToFinding(d: Decision, set: PolicySet, file?: string): Finding {
  const policy = set.policies.find((p) => p.metadata.name === d.policy);
  const fix = policy?.metadata.annotations?.['paddock.dev/fix'];
  const f: Finding = {
    rule: d.policy,
    severity: severityOf[d.action],
    path: d.object,
    message: d.message,
  };
  if (d.kind === 'error') f.message = `The policy could not judge ${d.object}: ${d.message}`;
  if (d.kind === 'undecidable') {
    f.message = `The policy cannot be judged offline for ${d.object}: ${d.message}.`;
    f.fix = 'Judge it on the API server: paddock check --server.';
  }
  if (d.action === 'Warn') f.message = `Warning from the API server: ${d.message}`;
  if (d.action === 'Audit') f.message = `Recorded in the audit log (the request is allowed): ${d.message}`;
  // A missing param is the guardrail speaking, not a broken policy: say it in the policy's words.
  const missing = policy?.metadata.annotations?.['paddock.dev/params-not-found'];
  if (d.cause === 'params-not-found' && missing) f.message = missing.replace(/\{namespace\}/g, d.namespace ?? '');
  if (d.cause === 'params-not-found' && fix) f.fix = fix;
  if (file) f.file = file;
  if (fix && d.kind === 'deny' && d.action === 'Deny') f.fix = fix;
  return f;
}

/** Findings for the policies and bindings the API server would refuse, named by the file they came from. */
export function problemFindings(problems: PolicyProblem[], set: PolicySet): Finding[] {
  return problems.map((p) => ({
    rule: p.name || 'admission-policy',
    severity: 'error',
    path: `${p.kind}/${p.name}`,
    ...(set.origin?.[`${p.kind}/${p.name}`] ? { file: set.origin[`${p.kind}/${p.name}`] } : {}),
    message: `The API server refuses this ${p.kind || 'object'}, so it would guard nothing: ${p.message}`,
    fix: `Correct the ${p.kind || 'object'} as the message says; until then no object is judged by it.`,
  }));
}

/** Findings for audit annotations a policy's auditAnnotations add (the Audit action's own are findings already). */
function annotationFindings(annotations: Record<string, string>, object: KubeObject): Finding[] {
  return Object.entries(annotations)
    .filter(([k]) => k !== 'validation.policy.admission.k8s.io/validation_failure')
    .map(([k, v]) => ({
      rule: k.split('/')[0] ?? k,
      severity: 'info' as const,
      path: describe(object),
      message: `Audit annotation ${k}: ${v}`,
    }));
}

/** An object the API server cannot read is judged by no policy: say so, never pass it silently. */
function unreadable(object: KubeObject, error: string): Finding {
  return {
    rule: 'admission',
    severity: 'error',
    path: describe(object),
    message: `The admission policies cannot judge ${describe(object)}: the API server cannot read it (${error}).`,
    fix: 'Fix what the schema check reports for this object.',
  };
}

/** One object to judge, and how its findings are placed. */
export interface Submission {
  request: AdmissionRequest;
  /** The object as the caller knows it (for locate/identity), if other than request.object. */
  original?: KubeObject;
  /** Where findings go. */
  where?: SourceLocation;
  /** Replaces Finding.path. */
  path?: string;
}

/** Judges submissions in one engine call and returns each one's findings, plus those on the policies themselves. */
export async function findingsFor(
  set: PolicySet,
  submissions: Submission[],
  file?: string,
): Promise<{ perSubmission: Finding[][]; policyFindings: Finding[] }> {
  const j = await judge(
    set,
    submissions.map((s) => s.request),
  );
  const perSubmission = submissions.map((s, i) => {
    const subject = (s.request.object ?? s.request.oldObject)!;
    const f = [
      ...(j.errors[i] ? [unreadable(subject, j.errors[i]!)] : []),
      ...(j.decisions[i] ?? []).map((d) => decisionToFinding(d, set, s.where?.file ?? file)),
      ...annotationFindings(j.annotations[i] ?? {}, subject),
    ].map((x) => (s.path ? { ...x, path: s.path } : x));
    return located(f, s.where);
  });
  return { perSubmission, policyFindings: problemFindings(j.problems, set) };
}

/** The requests `evaluate` makes: each object created in its namespace. */
export function creations(objects: KubeObject[], options: EvaluateOptions = {}): Submission[] {
  const namespaces = new Map<string, KubeObject>();
  for (const n of [...(options.namespaces ?? []), ...objects.filter((o) => isObject(o) && o.kind === 'Namespace' && o.apiVersion === 'v1')]) {
    if (n.metadata?.name) namespaces.set(n.metadata.name, n);
  }
  const cluster = options.cluster ?? [...objects, ...(options.namespaces ?? [])].filter(isObject);
  const out: Submission[] = [];
  for (const object of objects) {
    // Not a Kubernetes object (the schema check says why): nothing to admit.
    if (!isObject(object)) continue;
    let subject = object;
    if (isNamespaced(object.kind) && !object.metadata?.namespace && options.defaultNamespace) {
      subject = { ...object, metadata: { ...object.metadata, namespace: options.defaultNamespace } };
    }
    const ns = subject.metadata?.namespace;
    out.push({
      request: { object: subject, namespace: ns ? (namespaces.get(ns) ?? null) : null, cluster, userInfo: options.identity?.(object) },
      original: object,
      where: options.locate?.(object) ?? (options.file ? { file: options.file } : undefined),
    });
  }
  return out;
}

/** Runs every bound policy on every object as if it were being created; returns the findings. */
export async function evaluate(set: PolicySet, objects: KubeObject[], options: EvaluateOptions = {}): Promise<Finding[]> {
  const { perSubmission, policyFindings } = await findingsFor(set, creations(objects, options), options.file);
  return [...policyFindings, ...perSubmission.flat()];
}
