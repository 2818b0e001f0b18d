/**
 * `paddock check --server` / `--kubeconfig`: the real API server judges.
 * Every object is sent with server-side dry-run (strict field validation) as
 * the identity that would really send it (impersonation), then the Pod each
 * workload becomes once the Dapr sidecar is injected, as the ReplicaSet
 * controller; every refusal becomes a finding in the offline check's shape.
 *
 * A throw-away control plane is prepared the way the platform's cluster is:
 * the pinned CRDs, the admission policies and bindings, the app namespaces with
 * the labels onboarding writes, RBAC for Flux and the tenant; what the
 * workloads' Pods need (their ServiceAccounts, the namespace's default-deny
 * param) is created from the objects the server admitted, as applying them
 * would. An existing cluster (--kubeconfig) is judged as it is: dry-run only,
 * nothing is ever written.
 */
import { parse } from 'yaml';
import { renderNamespace } from '../gitops/entry.js';
import { admissionPod, hasPodTemplate } from '../policies/admission-view.js';
import type { InjectorSettings } from '../policies/injector-settings.js';
import { IDENTITIES, type UserInfo } from '../policies/identities.js';
import { problemFindings, type PolicyProblem } from '../policies/evaluator.js';
import type { KubeObject, PolicySet } from '../policies/types.js';
import type { Finding } from '../report/finding.js';
import { UserError } from '../report/errors.js';
import type { ApiResponse, KubeClient } from './client.js';
import { discover, type ServedResource } from './discovery.js';

type Say = (line: string) => void;

export interface JudgedObject {
  object: KubeObject;
  file?: string;
  line?: number;
}

export interface JudgeInput {
  objects: JudgedObject[];
  /** Who sends each object (the chart's as helm-controller, hand-written ones as a tenant). */
  identity: (o: KubeObject) => UserInfo;
  /** The apps whose namespaces the platform creates (onboarding's labels; the values decide some). */
  apps: { name: string; values: Record<string, unknown> }[];
  policies: PolicySet;
  injector: InjectorSettings;
  /** Objects the offline schema check already refused: the server's strict-decoding refusal would say it again. */
  hasSchemaError?: (o: KubeObject) => boolean;
  say: Say;
}

export type Mode = 'throwaway' | 'existing';

const FLUX_SERVICE_ACCOUNTS = ['helm-controller', 'kustomize-controller'];

/** What a real platform cluster holds before the apps arrive: namespaces, RBAC (as Flux's install and the platform set them). */
function platformState(input: JudgeInput): KubeObject[] {
  const appNamespaces = input.apps.map((a) => parse(renderNamespace({ name: a.name, values: a.values })) as KubeObject);
  const names = new Set(appNamespaces.map((n) => n.metadata.name!));
  const other = new Set<string>(['flux-system']);
  for (const object of [...input.objects.map((o) => o.object), ...(input.policies.params ?? [])]) {
    const ns = object.metadata?.namespace;
    if (ns && !names.has(ns) && !['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(ns)) other.add(ns);
  }
  // A hand-written manifest's app namespace (`<app>-ns`) is labelled as onboarding would.
  for (const ns of [...other]) {
    if (!ns.endsWith('-ns')) continue;
    other.delete(ns);
    appNamespaces.push(parse(renderNamespace({ name: ns.slice(0, -3), values: {} })) as KubeObject);
    names.add(ns);
  }
  const namespaces = [...appNamespaces, ...[...other].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))];
  const all = [...namespaces.map((n) => n.metadata.name!), 'default'];
  return [
    ...namespaces,
    // The ServiceAccount controller makes `default` in every namespace; there is no controller here.
    ...all.map((ns) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } })),
    // flux install: cluster-reconciler binds cluster-admin to the reconcilers.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'paddock:flux-cluster-reconciler' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: FLUX_SERVICE_ACCOUNTS.map((name) => ({ kind: 'ServiceAccount', name, namespace: 'flux-system' })),
    },
    // A tenant may do anything inside its app namespace, nothing outside it.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'paddock:tenant' },
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
    },
    ...[...names].map((ns) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'paddock:tenant', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'paddock:tenant' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: IDENTITIES.tenant.username }],
    })),
  ] as KubeObject[];
}

const READY = 'paddock-check-policies-loaded';

/** A policy created after all the others: once it denies, the API server has loaded every policy and binding before it. */
function readinessProbe(): { policy: KubeObject; binding: KubeObject; probe: KubeObject } {
  return {
    policy: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: READY },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], operations: ['CREATE'], resourceNames: [READY] }],
        },
        validations: [{ expression: 'false', message: 'loaded' }],
      },
    },
    binding: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: READY },
      spec: { policyName: READY, validationActions: ['Deny'] },
    },
    probe: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: READY, namespace: 'default' } },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Makes the throw-away server look like the platform's cluster (as cluster-admin). */
export async function preparePlatform(client: KubeClient, input: JudgeInput, crds: KubeObject[]): Promise<Finding[]> {
  const { installCrds } = await import('./crds.js');
  input.say(
    `installing ${crds.length} pinned CRDs, ${input.policies.policies.length} admission policies, ${input.apps.length} app namespace${input.apps.length === 1 ? '' : 's'}`,
  );
  await installCrds(client, crds as never);
  const served = await discover(client);
  const create = async (o: KubeObject): Promise<void> => {
    const r = await client.request('POST', collectionPath(served, o), o);
    if (r.status !== 201 && r.status !== 409)
      throw new Error(`preparing the throw-away cluster: ${o.kind}/${o.metadata.name}: ${r.status} ${r.body?.message ?? ''}`);
  };
  for (const o of platformState(input)) await create(o);
  // What a team's policies take as params (check --policies) exists before its policies.
  for (const o of input.policies.params ?? []) await create(o);
  // A policy or binding the API server refuses guards nothing: a finding in its words, as offline.
  const refused: PolicyProblem[] = [];
  for (const o of [...input.policies.policies, ...input.policies.bindings]) {
    let path: string;
    try {
      path = collectionPath(served, o);
    } catch (err) {
      refused.push({ kind: o.kind, name: o.metadata.name ?? '', message: `${(err as Error).message} (404 page not found)` });
      continue;
    }
    const r = await client.request('POST', path, o);
    if (r.status === 201 || r.status === 409) continue;
    if (r.status >= 500) throw new Error(`preparing the throw-away cluster: ${o.kind}/${o.metadata.name}: ${r.status} ${r.body?.message ?? ''}`);
    refused.push({
      kind: o.kind,
      name: o.metadata.name ?? '',
      message: typeof r.body === 'object' ? String(r.body?.message ?? r.status) : `${r.status} ${String(r.body).trim()}`,
    });
  }
  const ready = readinessProbe();
  for (const o of [ready.policy, ready.binding]) await create(o);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await client.request('POST', `${collectionPath(served, ready.probe)}?dryRun=All`, ready.probe);
    if (r.status >= 400 && String(r.body?.message).includes(`'${READY}'`)) break;
    if (Date.now() > deadline) throw new Error('the API server did not load the admission policies within 60 s');
    await sleep(100);
  }
  return problemFindings(refused, input.policies);
}

function collectionPath(served: Map<string, ServedResource>, o: KubeObject): string {
  const res = served.get(`${o.apiVersion}/${o.kind}`);
  if (!res) throw new Error(`the API server does not serve ${o.apiVersion} ${o.kind}`);
  return res.namespaced ? `${res.base}/namespaces/${o.metadata.namespace ?? 'default'}/${res.resource}` : `${res.base}/${res.resource}`;
}

const VAP_DENIED = /ValidatingAdmissionPolicy '([^']+)' with binding '[^']+' denied request: (.*)$/s;
const VAP_WARNED = /Validation failed for ValidatingAdmissionPolicy '([^']+)' with binding '[^']+': (.*)$/s;
const POD_SECURITY = /violates PodSecurity "([^"]+)": (.*)$/s;
const WEBHOOK = /admission webhook "([^"]+)" denied the request: (.*)$/s;

interface Sending {
  sent: JudgedObject;
  /** The object as the finding names it. */
  ref: string;
  object: KubeObject;
  identity: UserInfo;
}

interface Outcome {
  admitted: boolean;
  findings: Finding[];
  /** Why the server could not judge it here (existing clusters: a namespace or a dependency is missing). */
  notJudged?: boolean;
}

export class ServerJudge {
  private served?: Map<string, ServedResource>;
  private readonly fixes = new Map<string, string | undefined>();

  constructor(
    private readonly client: KubeClient,
    private readonly mode: Mode,
    private readonly input: JudgeInput,
  ) {
    for (const p of input.policies.policies) this.fixes.set(p.metadata.name!, p.metadata.annotations?.['paddock.dev/fix']);
  }

  /** Judges everything; in throw-away mode, what the Pods need is created from what was admitted. */
  async run(): Promise<Finding[]> {
    this.served = await discover(this.client);
    const { objects } = this.input;
    const workloads = objects.filter((o) => o.object && hasPodTemplate(o.object));
    this.input.say(
      `sending ${objects.length} object${objects.length === 1 ? '' : 's'} and ${workloads.length} Pod${workloads.length === 1 ? '' : 's'} (dry run, as the identities that would send them)`,
    );
    const first = await pool(objects, (sent) =>
      this.send({ sent, ref: `${sent.object.kind}/${sent.object.metadata?.name ?? '?'}`, object: sent.object, identity: this.input.identity(sent.object) }),
    );
    const findings = first.flatMap((o) => o.findings);
    const prepared =
      this.mode === 'throwaway'
        ? await this.applyPrerequisites(
            objects.filter((_, i) => first[i]!.admitted),
            workloads,
          )
        : new Set<string>();
    const seen = new Set(findings.map((f) => `${f.path}\u0000${f.rule}\u0000${f.message}`));
    const pods = await pool(workloads, async (w) => {
      const pod = admissionPod(w.object, this.input.injector);
      if (!pod) return { admitted: false, findings: [] } as Outcome;
      const ref = `${w.object.kind}/${w.object.metadata?.name}`;
      return this.sendPod({ sent: w, ref, object: pod, identity: IDENTITIES.podController }, prepared);
    });
    workloads.forEach((w, i) => {
      const ref = `${w.object.kind}/${w.object.metadata?.name}`;
      for (const f of pods[i]!.findings) {
        const key = `${ref}\u0000${f.rule}\u0000${f.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push({ ...f, path: `${ref} (its Pod as admitted, with the Dapr sidecar)` });
      }
    });
    return findings;
  }

  /**
   * What the Pods need, created for real: the ServiceAccounts and default-deny
   * NetworkPolicies the server admitted (as applying them would), and any other
   * ServiceAccount a workload names (it is not part of what is checked; without
   * it the Pod could not be judged at all). Returns the namespaces that got a param.
   */
  private async applyPrerequisites(admitted: JudgedObject[], workloads: JudgedObject[]): Promise<Set<string>> {
    const prepared = new Set<string>();
    for (const { object: o } of admitted) {
      const isParam = o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny';
      if (!(o.kind === 'ServiceAccount' || isParam)) continue;
      const r = await this.client.request('POST', this.path(o), o);
      if (r.status === 201 && isParam) prepared.add(o.metadata.namespace ?? 'default');
    }
    for (const { object: w } of workloads) {
      const pod = admissionPod(w, this.input.injector);
      const name = (pod?.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName;
      if (!pod || !name) continue;
      const sa: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: pod.metadata.namespace } };
      const r = await this.client.request('POST', this.path(sa), sa);
      if (r.status === 201) prepared.add(pod.metadata.namespace ?? 'default');
    }
    return prepared;
  }

  private path(o: KubeObject): string {
    return collectionPath(this.served!, o);
  }

  private async sendPod(s: Sending, prepared: Set<string>): Promise<Outcome> {
    // A param or ServiceAccount created a moment ago may not be in the API server's caches yet.
    for (let i = 0; ; i++) {
      const out = await this.send(s);
      const waiting = out.findings.some((f) => /no params found|error looking up service account/.test(f.message));
      if (!waiting || i >= 40 || !prepared.has(s.object.metadata.namespace ?? 'default')) return out;
      await sleep(250);
    }
  }

  private async send(s: Sending): Promise<Outcome> {
    const o = structuredClone(s.object);
    const res = this.served!.get(`${o.apiVersion}/${o.kind}`);
    if (!res) {
      return this.refused(
        s,
        'api-server',
        `The API server (Kubernetes ${this.servedVersionLabel()}) does not serve ${o.apiVersion} ${o.kind}.`,
        'Check the apiVersion and kind; a kind from a CRD must be one the platform installs.',
      );
    }
    o.metadata = { ...(o.metadata ?? {}) };
    if (res.namespaced) o.metadata.namespace ??= 'default';
    else delete o.metadata.namespace;
    const base = res.namespaced ? `${res.base}/namespaces/${o.metadata.namespace}/${res.resource}` : `${res.base}/${res.resource}`;
    let r = await this.client.request('POST', `${base}?dryRun=All&fieldValidation=Strict`, o, { impersonate: s.identity });
    if (r.status === 409 && r.body?.reason === 'AlreadyExists' && o.metadata.name) {
      // It exists (paddock made it as the cluster's state, or the cluster has it): judge the update instead.
      r = await this.client.request('PATCH', `${base}/${o.metadata.name}?dryRun=All&fieldValidation=Strict&fieldManager=paddock-check&force=true`, o, {
        impersonate: s.identity,
        contentType: 'application/apply-patch+yaml',
      });
    }
    return this.verdict(s, r);
  }

  private servedVersionLabel(): string {
    return this.mode === 'throwaway' ? 'the pinned version' : 'that cluster';
  }

  private refused(s: Sending, rule: string, message: string, fix?: string, severity: Finding['severity'] = 'error'): Outcome {
    const f: Finding = { rule, severity, file: s.sent.file, line: s.sent.line, path: s.ref, message };
    if (fix) f.fix = fix;
    return { admitted: false, findings: [f] };
  }

  private async verdict(s: Sending, r: ApiResponse): Promise<Outcome> {
    if (r.status >= 200 && r.status < 300) {
      const findings: Finding[] = [];
      for (const w of r.warnings) {
        const m = VAP_WARNED.exec(w);
        const f: Finding = { rule: m ? m[1]! : 'api-server', severity: 'warning', file: s.sent.file, line: s.sent.line, path: s.ref, message: m ? m[2]! : w };
        const fix = m ? await this.fixOf(m[1]!) : undefined;
        if (fix) f.fix = fix;
        findings.push(f);
      }
      return { admitted: true, findings };
    }
    const status = typeof r.body === 'object' && r.body ? r.body : { message: String(r.body) };
    const message: string = status.message ?? `HTTP ${r.status}`;
    const forbidden = /^.*? is forbidden: /s;
    if (r.status === 403 && /cannot impersonate/.test(message)) {
      throw new UserError(
        `the API server does not let this kubeconfig's user impersonate ${s.identity.username}: ${message}`,
        'paddock sends each object as the identity that would really send it; give the user the `impersonate` verb on users, groups and serviceaccounts (or use --server).',
      );
    }
    let m = VAP_DENIED.exec(message);
    if (m) return this.refused(s, m[1]!, m[2]!, await this.fixOf(m[1]!), this.notYetThere(s, m[2]!) ? 'warning' : 'error');
    m = POD_SECURITY.exec(message);
    if (m) {
      return this.refused(
        s,
        'PodSecurity',
        `Pod Security "${m[1]}" refuses it: ${m[2]}`,
        'Keep the securityContext the shared chart sets: non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp.',
      );
    }
    m = WEBHOOK.exec(message);
    if (m) return this.refused(s, `webhook ${m[1]}`, m[2]!);
    if (/error looking up service account/.test(message)) {
      return {
        ...this.refused(
          s,
          'not-judged',
          `Not judged: ${message.replace(forbidden, '')}. The ServiceAccount comes with the app; run the check with --server to judge the Pod as it will be once the app is applied.`,
          undefined,
          'warning',
        ),
        notJudged: true,
      };
    }
    if (r.status === 403 && / cannot [a-z]+ resource /.test(message)) {
      return this.refused(s, 'rbac', message, `${s.identity.username} may not do this in a real cluster either; only the platform's delivery (Flux) may.`);
    }
    if (r.status === 404 && status.details?.kind === 'namespaces') {
      const ns = status.details?.name;
      return {
        ...this.refused(
          s,
          'not-judged',
          `Not judged: the namespace ${ns} does not exist in that cluster.`,
          `Onboard the app first (paddock onboard), or run the check with --server, which creates the app namespaces.`,
          'warning',
        ),
        notJudged: true,
      };
    }
    if (r.status === 400 && /strict decoding error|unknown field/.test(message) && this.input.hasSchemaError?.(s.sent.object))
      return { admitted: false, findings: [] };
    if (r.status === 400 && /strict decoding error|unknown field/.test(message))
      return this.refused(s, 'schema', message, 'Remove or correct the field it names; unknown fields are refused.');
    if (r.status === 422) {
      const causes: { field?: string; message?: string }[] = status.details?.causes ?? [];
      const what = causes.length ? causes.map((c) => `${c.field ? `${c.field}: ` : ''}${c.message}`).join('; ') : message;
      return this.refused(s, 'validation', `The API server refuses it: ${what}`, 'Correct the field it names.');
    }
    return this.refused(s, 'api-server', `The API server refused it (${r.status} ${status.reason ?? ''}): ${message}`.replace(/\s+\)/, ')'));
  }

  /** A refusal an existing cluster gives only because the app is not applied yet (its namespace lacks the param the chart brings). */
  private notYetThere(s: Sending, message: string): boolean {
    if (this.mode !== 'existing' || !/no params found/.test(message)) return false;
    const ns = s.object.metadata?.namespace ?? 'default';
    return this.input.objects.some(
      ({ object: o }) => o.kind === 'NetworkPolicy' && o.metadata?.name === 'default-deny' && (o.metadata.namespace ?? 'default') === ns,
    );
  }

  /** The policy's `paddock.dev/fix`; for a cluster's own policy, read from the cluster. */
  private async fixOf(policy: string): Promise<string | undefined> {
    if (!this.fixes.has(policy)) {
      const r = await this.client
        .request('GET', `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/${encodeURIComponent(policy)}`)
        .catch(() => undefined);
      this.fixes.set(policy, r?.status === 200 ? r.body?.metadata?.annotations?.['paddock.dev/fix'] : undefined);
    }
    return this.fixes.get(policy);
  }
}

/** Runs `fn` over `items`, a few at a time, results in order. */
async function pool<T, R>(items: T[], fn: (x: T) => Promise<R>, width = 6): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}
