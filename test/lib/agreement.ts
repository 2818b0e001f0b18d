/**
 * The agreement suite's harness: the same policies and requests judged
 * offline and by a real API server, as verdicts that can be compared.
 *
 * Every case is installed at once: its bindings are narrowed to objects
 * labelled with the case's id (an objectSelector requirement ANDed with the
 * binding's own), the same on both sides, so that cases never judge each
 * other's objects.
 */
import { judge, type AdmissionRequest, type Judgement } from 'paddock/policies/evaluator.js';
import type { KubeObject, PolicySet, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from 'paddock/policies/types.js';
import { CASE_LABEL, type AgreementCase, type AgreementRequest } from '../policies/upstream.js';
import { eventually } from './eventually.js';
import { collectionPath, objectPath, type ApiResponse, type ApiServer } from './apiserver.js';

/** What one request got. */
export interface Verdict {
  allowed: boolean;
  /** The refusals' messages (the API server returns the first; offline gives every one). */
  messages: string[];
  code?: number;
  warnings: string[];
  annotations?: Record<string, string>;
  /** Offline only: the verdict depends on what only the cluster knows. */
  undecidable?: string;
  /** The API server refused before admission (validation, a missing namespace, …). */
  notAdmission?: string;
}

/** What creating a policy or binding got: undefined (accepted) or the refusal. */
export type Creation = string | undefined;

export interface CaseVerdicts {
  creations: Record<string, Creation>;
  requests: Verdict[];
}

const label = (o: KubeObject, id: string): KubeObject => ({ ...o, metadata: { ...o.metadata, labels: { ...(o.metadata.labels ?? {}), [CASE_LABEL]: id } } });

/** A binding narrowed to its case's objects. */
function narrowed(b: KubeObject, id: string): KubeObject {
  const spec = (b.spec ?? {}) as ValidatingAdmissionPolicyBinding['spec'];
  const mr = spec.matchResources ?? {};
  const os = mr.objectSelector ?? {};
  return {
    ...b,
    spec: {
      ...spec,
      matchResources: {
        ...mr,
        objectSelector: { ...os, matchExpressions: [...(os.matchExpressions ?? []), { key: CASE_LABEL, operator: 'In', values: [id] }] },
      },
    },
  };
}

const isPolicyObject = (o: KubeObject) => o.kind === 'ValidatingAdmissionPolicy' || o.kind === 'ValidatingAdmissionPolicyBinding';

/** The objects a case installs, as sent (bindings narrowed, objects labelled). */
export function installed(c: AgreementCase): { setup: KubeObject[]; policies: KubeObject[] } {
  return {
    setup: (c.setup ?? []).map((o) => (o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition' ? o : label(o, c.id))),
    policies: c.policies.map((o) => (o.kind === 'ValidatingAdmissionPolicyBinding' ? narrowed(o, c.id) : o)),
  };
}

export function requestObjects(c: AgreementCase, r: AgreementRequest): { object: KubeObject | null; oldObject: KubeObject | null } {
  return { object: r.object ? label(r.object, c.id) : null, oldObject: r.oldObject ? label(r.oldObject, c.id) : null };
}

const key = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;

/** Offline: every case in one engine call. */
export async function offlineVerdicts(cases: AgreementCase[]): Promise<CaseVerdicts[]> {
  const set: PolicySet = { policies: [], bindings: [], params: [] };
  const cluster: KubeObject[] = [];
  const requests: AdmissionRequest[] = [];
  const index: Array<[number, number]> = [];
  cases.forEach((c, ci) => {
    const { setup, policies } = installed(c);
    for (const o of policies) {
      if (o.kind === 'ValidatingAdmissionPolicy') set.policies.push(o as ValidatingAdmissionPolicy);
      else set.bindings.push(o as ValidatingAdmissionPolicyBinding);
    }
    cluster.push(...setup.filter((o) => o.kind !== 'CustomResourceDefinition' && !isPolicyObject(o)));
    c.requests.forEach((r, ri) => {
      const { object, oldObject } = requestObjects(c, r);
      requests.push({ operation: r.operation ?? (object ? 'CREATE' : 'DELETE'), object, oldObject, cluster });
      index.push([ci, ri]);
    });
  });
  const j: Judgement = await judge(set, requests);
  const problem = new Map(j.problems.map((p) => [`${p.kind}/${p.name}`, p.message]));
  const out: CaseVerdicts[] = cases.map((c) => ({
    creations: Object.fromEntries(c.policies.map((o) => [key(o), problem.get(key(o))])),
    requests: [],
  }));
  index.forEach(([ci, ri], i) => {
    const decisions = j.decisions[i] ?? [];
    const undecidable = decisions.find((d) => d.kind === 'undecidable');
    const denials = decisions.filter((d) => d.action === 'Deny' && d.kind !== 'undecidable');
    out[ci]!.requests[ri] = {
      allowed: denials.length === 0 && !j.errors[i],
      messages: denials.map((d) => d.text),
      warnings: decisions.filter((d) => d.action === 'Warn').map((d) => d.text),
      annotations: j.annotations[i] ?? {},
      ...(undecidable ? { undecidable: undecidable.message } : {}),
      ...(j.errors[i] ? { notAdmission: j.errors[i] } : {}),
    };
  });
  return out;
}

function messageOf(r: ApiResponse): string {
  return typeof r.body === 'object' && r.body ? String(r.body.message ?? JSON.stringify(r.body)) : String(r.body).trim();
}

const admissionRefusal = /ValidatingAdmissionPolicy '[^']+' (with binding '[^']+' )?denied request/;

function verdictOf(r: ApiResponse): Verdict {
  if (r.status >= 200 && r.status < 300) return { allowed: true, messages: [], warnings: r.warnings };
  const message = messageOf(r);
  if (!admissionRefusal.test(message)) return { allowed: false, messages: [], warnings: r.warnings, code: r.status, notAdmission: `${r.status}: ${message}` };
  return { allowed: false, messages: [message], code: r.status, warnings: r.warnings };
}

async function create(api: ApiServer, o: KubeObject): Promise<ApiResponse> {
  return api.call('POST', collectionPath(o), o);
}

async function ensure(api: ApiServer, o: KubeObject): Promise<void> {
  const r = await create(api, o);
  if (r.status !== 201 && r.status !== 409) throw new Error(`creating ${key(o)}: ${r.status} ${messageOf(r)}`);
}

/** What the API server answers when a policy object is created: undefined when accepted. */
function creationOf(r: ApiResponse): Creation {
  if (r.status === 201 || r.status === 409) return undefined;
  return `${r.status}: ${messageOf(r)}`;
}

async function send(api: ApiServer, c: AgreementCase, r: AgreementRequest): Promise<Verdict> {
  const { object, oldObject } = requestObjects(c, r);
  const op = r.operation ?? (object ? 'CREATE' : 'DELETE');
  if (op === 'DELETE') return verdictOf(await api.call('DELETE', `${objectPath(oldObject!)}?dryRun=All`));
  if (op === 'UPDATE') {
    const current = (await api.call('GET', objectPath(object!))).body;
    return verdictOf(
      await api.call('PUT', `${objectPath(object!)}?dryRun=All`, {
        ...object,
        metadata: { ...object!.metadata, resourceVersion: current?.metadata?.resourceVersion },
      }),
    );
  }
  return verdictOf(await api.call('POST', `${collectionPath(object!)}?dryRun=All`, object));
}

const SENTINEL = 'agreement-sentinel';

/**
 * On the API server: installs every case (setup, then policies and bindings,
 * then a sentinel policy that shows when the API server's policy caches hold
 * them all), then sends every request with dry-run.
 */
export async function serverVerdicts(api: ApiServer, cases: AgreementCase[]): Promise<CaseVerdicts[]> {
  const seen = new Set<string>();
  const setups = cases.map((c) => installed(c));
  for (const { setup } of setups) {
    for (const o of setup.filter((x) => x.kind === 'CustomResourceDefinition' || x.kind === 'Namespace')) {
      if (seen.has(key(o))) continue;
      seen.add(key(o));
      await ensure(api, o);
      if (o.kind === 'CustomResourceDefinition') {
        const s = o.spec as any;
        await eventually(
          `CRD ${o.metadata.name}`,
          async () => (await api.call('GET', `/apis/${s.group}/${s.versions[0].name}/${s.names.plural}`)).status === 200,
        );
      }
    }
  }
  for (const { setup } of setups) for (const o of setup.filter((x) => x.kind !== 'CustomResourceDefinition' && x.kind !== 'Namespace')) await ensure(api, o);
  const out: CaseVerdicts[] = [];
  for (const i of cases.keys()) {
    const creations: Record<string, Creation> = {};
    for (const o of setups[i]!.policies) creations[key(o)] = creationOf(await create(api, o));
    out.push({ creations, requests: [] });
  }
  const sentinelPolicy: KubeObject = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: SENTINEL },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }] },
      validations: [{ expression: 'false', message: 'sentinel' }],
    },
  };
  const sentinelBinding: KubeObject = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: SENTINEL },
    spec: { policyName: SENTINEL, validationActions: ['Deny'], matchResources: { objectSelector: { matchLabels: { [SENTINEL]: 'true' } } } },
  };
  await ensure(api, sentinelPolicy);
  await ensure(api, sentinelBinding);
  const probe: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe', namespace: 'default', labels: { [SENTINEL]: 'true' } } };
  await eventually('the policies to take effect', async () => (await api.call('POST', `${collectionPath(probe)}?dryRun=All`, probe)).status === 422, 120_000);
  // Param kinds are found through discovery, which may lag behind a new CRD: wait until no request says so.
  const lagging = /failed to find resource referenced by paramKind|not yet synced to use for admission/;
  for (const [i, c] of cases.entries()) {
    for (const r of c.requests) {
      let v = await send(api, c, r);
      const until = Date.now() + 60_000;
      while (v.messages.some((m) => lagging.test(m)) && Date.now() < until) {
        await new Promise((res) => setTimeout(res, 500));
        v = await send(api, c, r);
      }
      out[i]!.requests.push(v);
    }
  }
  return out;
}

/** The API server's minor version (1.32 → 32). */
export async function serverMinor(api: ApiServer): Promise<number> {
  const v = (await api.call('GET', '/version')).body;
  return Number.parseInt(String(v?.minor ?? '0'), 10);
}

/** Where two verdicts differ, in words; empty when they agree. */
export function differences(server: Verdict, offline: Verdict): string[] {
  const out: string[] = [];
  if (server.notAdmission) out.push(`the API server refused before admission: ${server.notAdmission}`);
  if (offline.undecidable) out.push(`offline could not judge it: ${offline.undecidable}`);
  if (server.allowed !== offline.allowed) out.push(`server ${server.allowed ? 'allowed' : 'refused'}, offline ${offline.allowed ? 'allowed' : 'refused'}`);
  if (!server.allowed && !offline.allowed && !offline.messages.includes(server.messages[0] ?? '')) {
    out.push(`server said "${server.messages[0]}", offline said ${offline.messages.map((m) => `"${m}"`).join(' | ') || 'nothing'}`);
  }
  const sw = [...server.warnings].sort();
  const ow = [...offline.warnings].sort();
  if (JSON.stringify(sw) !== JSON.stringify(ow)) out.push(`warnings: server ${JSON.stringify(sw)}, offline ${JSON.stringify(ow)}`);
  return out;
}

/** Where two creations differ: both accept, or both refuse with the same words (the server's text after "NNN: "). */
export function creationDifference(server: Creation, offline: Creation): string | undefined {
  if (server === undefined && offline === undefined) return undefined;
  if (server === undefined || offline === undefined)
    return `server ${server === undefined ? 'accepted' : `refused: ${server}`}; offline ${offline === undefined ? 'accepted' : `refused: ${offline}`}`;
  const text = server.replace(/^\d{3}: /, '');
  if (server.startsWith('404:') && /404 page not found$/.test(offline)) return undefined;
  return text === offline ? undefined : `server refused: ${server}; offline refused: ${offline}`;
}
