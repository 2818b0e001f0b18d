/**
 * The agreement suite: offline verdicts == a real API server's. The same
 * policies and the same objects go to a throw-away kube-apiserver of the
 * pinned version (server-side dry-run, no nodes, no controllers, no Dapr
 * injector: the Pods sent are the ones the admission view builds) and to the
 * offline evaluator: the platform's policies with their cases (cases.ts,
 * attacks.ts), small semantics policies (semantics.ts), and the upstream
 * examples (upstream.ts: the Kubernetes documentation, Kubernetes' own tests,
 * the CEL libraries). For every case both must admit it, or both must deny it
 * with the same message; the same warnings; a policy one refuses to create,
 * the other refuses too, in the same words.
 *
 * The API server is built from source on first use (tools/build.sh, via
 * server/control-plane.ts); when it cannot start, this test fails loudly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { admit } from 'paddock/policies/evaluator.js';
import { creationDifference, differences, offlineVerdicts, serverMinor, serverVerdicts, type CaseVerdicts } from '../lib/agreement.js';
import { upstreamCases } from './upstream.js';
import { loadPolicies } from 'paddock/policies/load.js';
import type { KubeObject } from 'paddock/policies/types.js';
import { eventually } from '../lib/eventually.js';
import { collectionPath, crdFor, looseCrd, objectPath, startApiServer, type ApiResponse, type ApiServer } from '../lib/apiserver.js';
import { buildAttacks } from './attacks.js';
import { APP, NAMESPACE, SPARE, bareNamespace, buildCases, expectedDenials, identityOf, namespace, renderApp1, type Case } from './cases.js';
import { semanticsCases, semanticsNamespaces, semanticsSet } from './semantics.js';

const set = loadPolicies();
const rendered = renderApp1();
const cases = [...buildCases(rendered), ...buildAttacks(rendered)];
const upstream = upstreamCases();

interface Verdict {
  allowed: boolean;
  policy?: string;
  message: string;
}

const vapDenial = /ValidatingAdmissionPolicy '([^']+)' with binding '[^']+' denied request: (.*)$/s;

function verdictOf(r: ApiResponse): Verdict {
  if (r.status >= 200 && r.status < 300) return { allowed: true, message: '' };
  const message: string = typeof r.body === 'object' ? (r.body.message ?? JSON.stringify(r.body)) : String(r.body);
  const m = vapDenial.exec(message);
  return { allowed: false, policy: m?.[1], message: m?.[2] ?? message };
}

async function ensure(api: ApiServer, o: KubeObject): Promise<void> {
  const r = await api.call('POST', collectionPath(o), o);
  if (r.status !== 201 && r.status !== 409) throw new Error(`creating ${o.kind}/${o.metadata.name}: ${r.status} ${JSON.stringify(r.body)}`);
}

async function dryRunCreate(api: ApiServer, o: KubeObject): Promise<Verdict> {
  return verdictOf(await api.call('POST', `${collectionPath(o)}?dryRun=All`, o));
}

async function submit(api: ApiServer, c: Case): Promise<Verdict> {
  const as = identityOf(c);
  if (c.operation === 'DELETE') {
    await ensure(api, c.oldObject!);
    return verdictOf(await api.call('DELETE', `${objectPath(c.oldObject!)}?dryRun=All`, undefined, as));
  }
  if (c.subResource === 'token') {
    // A TokenRequest for the service account the case names (it exists: created in before()).
    const sa = `/api/v1/namespaces/${c.object!.metadata.namespace}/serviceaccounts/${c.object!.metadata.name}/token`;
    return verdictOf(await api.call('POST', `${sa}?dryRun=All`, c.object, as));
  }
  if (c.operation === 'UPDATE' && !c.subResource) {
    await ensure(api, c.oldObject!);
    const current = (await api.call('GET', objectPath(c.oldObject!))).body;
    const updated = { ...c.object!, metadata: { ...c.object!.metadata, resourceVersion: current.metadata.resourceVersion } };
    return verdictOf(await api.call('PUT', `${objectPath(c.oldObject!)}?dryRun=All`, updated, as));
  }
  if (c.subResource) {
    // The object exists (created for real, under its own name so the dry-run creates of other cases do not collide),
    // then the subresource is updated on the server's copy.
    const target = { ...c.oldObject!, metadata: { ...c.oldObject!.metadata, name: `${c.oldObject!.metadata.name}-debug-target` } };
    await ensure(api, target);
    const current = (await api.call('GET', objectPath(target))).body;
    const updated = { ...current, spec: { ...current.spec, ephemeralContainers: (c.object!.spec as any).ephemeralContainers } };
    return verdictOf(await api.call('PUT', `${objectPath(target)}/${c.subResource}?dryRun=All`, updated, as));
  }
  const o =
    c.object!.kind === 'Namespace' || isClusterScoped(c.object!)
      ? c.object!
      : { ...c.object!, metadata: { ...c.object!.metadata, namespace: c.namespace?.metadata.name ?? c.object!.metadata.namespace ?? NAMESPACE } };
  return verdictOf(await api.call('POST', `${collectionPath(o)}?dryRun=All`, o, as));
}

const isClusterScoped = (o: KubeObject): boolean => ['Namespace', 'ClusterRoleBinding', 'ClusterRole'].includes(o.kind);

describe('policies on a real kube-apiserver agree with the offline evaluator', { timeout: 20 * 60_000 }, () => {
  let api: ApiServer;
  let minor = 0;
  let upstreamServer: CaseVerdicts[] = [];
  let upstreamOffline: CaseVerdicts[] = [];
  const runnable = (c: (typeof upstream)[number]) => (c.since ?? 0) <= minor;

  before(async () => {
    // Pod Security admission would refuse the broken pods first (the namespaces enforce "restricted", as in
    // the cluster): this test judges the policies alone, which restate it for the offline check.
    api = await startApiServer(undefined, { apiserverArgs: ['--disable-admission-plugins=PodSecurity'] });
    const crds = [
      crdFor('dapr.io', 'Component', 'v1alpha1'),
      crdFor('dapr.io', 'Configuration', 'v1alpha1'),
      crdFor('external-secrets.io', 'SecretStore', 'v1'),
      crdFor('external-secrets.io', 'ExternalSecret', 'v1'),
      crdFor('dapr.io', 'Resiliency', 'v1alpha1'),
      crdFor('dapr.io', 'Subscription', 'v2alpha1'),
      crdFor('dapr.io', 'HTTPEndpoint', 'v1alpha1'),
      crdFor('helm.toolkit.fluxcd.io', 'HelmRelease', 'v2'),
      crdFor('kustomize.toolkit.fluxcd.io', 'Kustomization', 'v1'),
      crdFor('monitoring.coreos.com', 'PodMonitor', 'v1'),
      // Kinds whose schema is not pinned here: admission, not their schema, is what these cases test.
      looseCrd('external-secrets.io', 'PushSecret', 'v1alpha1'),
      looseCrd('cilium.io', 'CiliumNetworkPolicy', 'v2'),
    ];
    for (const crd of crds) await ensure(api, crd);
    for (const crd of crds) {
      const s = (crd as any).spec;
      await eventually(
        `CRD ${crd.metadata.name}`,
        async () => (await api.call('GET', `/apis/${s.group}/${s.versions[0].name}/${s.names.plural}`)).status === 200,
      );
    }
    for (const o of [...set.policies, ...set.bindings]) await ensure(api, o);
    await ensure(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } });
    // RBAC is on: every identity a case is sent as may do anything, so that admission alone decides.
    const senders = new Map(cases.map((c) => identityOf(c)).map((u) => [u.username, u]));
    for (const [i, u] of [...senders.values()].entries()) {
      const sa = /^system:serviceaccount:([^:]+):(.+)$/.exec(u.username);
      const subject = sa
        ? { kind: 'ServiceAccount', namespace: sa[1], name: sa[2] }
        : { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: u.username };
      await ensure(api, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `test-sender-${i}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [subject],
      } as KubeObject);
    }
    for (const [ns, app] of [
      [namespace, APP],
      [bareNamespace, SPARE],
    ] as const) {
      await ensure(api, ns);
      // The ServiceAccount admission plugin refuses pods whose service account does not exist.
      await ensure(api, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: app, namespace: ns.metadata.name },
        automountServiceAccountToken: false,
      });
    }
    // app1-ns holds the chart's default-deny (the param of paddock-pod-requires-default-deny); app1-bare-ns none.
    await ensure(api, rendered.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny')!);
    for (const o of [...semanticsNamespaces, ...semanticsSet.policies, ...semanticsSet.bindings]) await ensure(api, o);
    // Policies take effect once the API server's informers have them; wait until every one denies its first failing case.
    for (const c of semanticsCases) {
      if (c.expect.verdict === 'admit') continue;
      const name = c.expect.policy;
      await eventually(`policy ${name} to take effect`, async () => (await dryRunCreate(api, c.object)).policy === name, 120_000);
    }
    for (const name of new Set(cases.map((c) => c.policy))) {
      const c = cases.find((x) => x.policy === name && x.expect === 'fail' && !x.also?.length)!;
      let last: Verdict | undefined;
      await eventually(`policy ${name} to take effect`, async () => (last = await submit(api, c)).policy === name, 120_000).catch((err: Error) => {
        throw new Error(`${err.message} (case "${c.name}": ${last?.allowed ? 'admitted' : `${last?.policy ?? 'refused'}: ${last?.message}`})`);
      });
    }
    minor = await serverMinor(api);
    const run = upstream.filter(runnable);
    [upstreamServer, upstreamOffline] = [await serverVerdicts(api, run), await offlineVerdicts(run)];
  });

  after(async () => {
    await api?.stop();
  });

  for (const c of cases) {
    test(`${c.policy} ${c.expect === 'pass' ? 'admits' : 'denies'} ${c.name}`, async () => {
      const server = await submit(api, c);
      if (!server.allowed) assert.ok(server.policy, `the API server refused it before admission policies ran: ${server.message}`);
      assert.equal(server.allowed, c.expect === 'pass', `server: ${server.allowed ? 'allowed' : `${server.policy}: ${server.message}`}`);
      if (!server.allowed)
        assert.ok(expectedDenials(c).includes(server.policy!), `server denied it by ${server.policy}, expected ${expectedDenials(c).join(', ')}`);
      if (c.serverOnly) return;
      const offline = await admit(set, {
        operation: c.operation ?? 'CREATE',
        object: c.object,
        oldObject: c.oldObject ?? null,
        namespace: c.namespace ?? namespace,
        cluster: rendered,
        subResource: c.subResource,
        userInfo: identityOf(c),
      });
      const offlinePolicies = [...new Set(offline.map((d) => d.policy))].sort();
      assert.equal(
        server.allowed,
        offline.length === 0,
        `server: ${server.allowed ? 'allowed' : `${server.policy}: ${server.message}`}; offline: ${offline.map((d) => `${d.policy}: ${d.message}`).join(' | ') || 'allowed'}`,
      );
      if (!server.allowed) {
        assert.doesNotMatch(server.message, /resulted in error|compilation failed/, 'the server could not evaluate the policy');
        assert.deepEqual(offlinePolicies, expectedDenials(c));
        assert.ok(
          offline.some((d) => d.message === server.message),
          `server message "${server.message}" not among the offline ones: ${offline.map((d) => d.message).join(' | ')}`,
        );
      }
    });
  }

  for (const c of semanticsCases) {
    test(`semantics: ${c.name}`, async () => {
      const server = await dryRunCreate(api, c.object);
      const ns = semanticsNamespaces.find((n) => n.metadata.name === c.object.metadata.namespace)!;
      const offline = await admit(semanticsSet, { object: c.object, namespace: ns });
      if (c.expect.verdict === 'admit') {
        assert.deepEqual(offline, []);
        assert.equal(server.allowed, true, server.message);
        return;
      }
      assert.equal(offline.length, 1, offline.map((d) => d.message).join(' | '));
      const d = offline[0]!;
      assert.equal(d.policy, c.expect.policy);
      assert.equal(d.kind, c.expect.verdict);
      assert.equal(server.allowed, false);
      assert.equal(server.policy, c.expect.policy, server.message);
      assert.equal(server.message, d.message);
    });
  }

  for (const c of upstream) {
    test(`upstream ${c.id}: ${c.name}`, async (t) => {
      if (!runnable(c)) {
        t.skip(`needs the CEL environment of Kubernetes 1.${c.since} (new expressions get the previous minor's libraries); this API server is 1.${minor}`);
        return;
      }
      const i = upstream.filter(runnable).indexOf(c);
      const server = upstreamServer[i]!;
      const offline = upstreamOffline[i]!;
      const problems: string[] = [];
      for (const k of Object.keys(server.creations)) {
        const d = creationDifference(server.creations[k], offline.creations[k]);
        if (d) problems.push(`${k}: ${d}`);
      }
      c.requests.forEach((r, ri) => {
        for (const d of differences(server.requests[ri]!, offline.requests[ri]!)) problems.push(`${r.name}: ${d}`);
        const code = !r.expect.allowed ? r.expect.code : undefined;
        if (code) assert.equal(server.requests[ri]!.code, code, `${r.name}: the status code upstream documents`);
      });
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }
});
