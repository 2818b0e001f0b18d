// Differences between what the network/Dapr allow and what the values declare, on the real
// chart's output plus hand-written NetworkPolicies (a careless change, a manifest applied by hand).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { paths } from '../lib/chart.js';
import { before, describe, it } from 'node:test';
import { callBetween, checkConnectivity, reaches, type AppInput, type KubeObject } from 'paddock/connectivity/index.js';
import { demo, extraApp, renderApp } from './render.js';

const withObjects = (a: AppInput, objects: KubeObject[]): AppInput => ({ ...a, objects: [...a.objects, ...objects] });
const without = (a: AppInput, name: string): AppInput => ({
  ...a,
  objects: a.objects.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata?.name === name)),
});
const np = (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: ns },
  spec,
});
const errors = (r: ReturnType<typeof checkConnectivity>) => r.findings.filter((f) => f.severity === 'error');
const warnings = (r: ReturnType<typeof checkConnectivity>) => r.findings.filter((f) => f.severity === 'warning');

describe('connectivity findings', () => {
  let app1: AppInput;
  let app2: AppInput;
  before(async () => {
    [app1, app2] = (await demo()) as [AppInput, AppInput];
  });

  it('one-sided: app3 says it calls app1 but app1 does not allow app3-ns → warning naming the file to edit', async () => {
    const app3 = await renderApp('app3', extraApp('app3', { allowEgressTo: ['app1-ns'] }));
    const r = checkConnectivity([app1, app2, app3]);
    assert.equal(callBetween(r.matrix, 'app3', 'app1').effective, false);
    assert.deepEqual(errors(r), []);
    const [w, ...rest] = warnings(r);
    assert.equal(rest.length, 0);
    assert.equal(w!.rule, 'connectivity');
    assert.equal(w!.file, app1.file);
    assert.equal(w!.path, 'networkPolicy.allowIngressFrom');
    assert.equal(typeof w!.line, 'number');
    assert.match(w!.message, /app3 says it calls app1 .* app1 does not accept calls from app3-ns/);
    assert.match(w!.fix!, new RegExp(`add app3-ns to networkPolicy.allowIngressFrom in ${app1.file}`));
  });

  it('one-sided the other way: app1 allowed a caller that never declared the call → warning on the caller', async () => {
    const app3 = await renderApp('app3', extraApp('app3', { allowIngressFrom: ['app2-ns'] }));
    const r = checkConnectivity([app1, app2, app3]);
    const w = warnings(r);
    assert.equal(w.length, 1);
    assert.equal(w[0]!.file, app2.file);
    assert.match(w[0]!.message, /app2 does not list app3-ns in networkPolicy.allowEgressTo/);
  });

  it('a widened policy that opens app1 to every namespace → error for the undeclared callers', async () => {
    const app3 = await renderApp('app3', extraApp('app3', {}));
    const open = np('app1-ns', 'allow-everyone', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 50002 }] }],
    });
    // app3's own egress is closed, so also open it to show the network path end to end.
    const out = np('app3-ns', 'app3-out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }] }] });
    const r = checkConnectivity([withObjects(app1, [open]), app2, withObjects(app3, [out])]);
    assert.equal(reaches(r.matrix, 'app3', 'app1', 50002), true);
    const e = errors(r);
    const call = e.find((f) => /app3 can reach app1 on Dapr's port 50002/.test(f.message));
    assert.ok(call, JSON.stringify(e, null, 1));
    assert.match(call.message, /NetworkPolicy app1-ns\/allow-everyone/);
    assert.match(call.message, /access control still refuses app3/);
    assert.equal(call.file, app1.file);
    // The platform namespaces (not isolated for egress) get in too.
    assert.ok(e.some((f) => /Pods in redis-system can reach app1 on 50002/.test(f.message)));
    // app3 may now reach everything: Vault and Redis among them.
    assert.ok(e.some((f) => /app3 can reach Vault/.test(f.message)));
    assert.ok(e.some((f) => /app3 can reach Redis/.test(f.message)));
  });

  it('a missing default-deny → error', () => {
    const r = checkConnectivity([without(app1, 'default-deny'), app2]);
    const e = errors(r);
    assert.equal(e.length, 1, JSON.stringify(e, null, 1));
    assert.match(e[0]!.message, /app1-ns has no default-deny NetworkPolicy: pods there other than app1 are open to incoming and outgoing traffic/);
    assert.equal(e[0]!.file, app1.file);
  });

  it('declared by both but not reachable (a callee policy removed) → warning', () => {
    const r = checkConnectivity([without(app1, 'app1-allow-dapr-callers'), app2]);
    assert.equal(callBetween(r.matrix, 'app2', 'app1').network, false);
    const w = warnings(r);
    assert.equal(w.length, 1);
    assert.match(w[0]!.message, /app2 and app1 both declare that app2 calls app1, but the NetworkPolicies do not let/);
  });

  it('Redis opened to an app that enabled neither statestore nor pubsub → error', () => {
    const redis = np('app2-ns', 'app2-redis', {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'app2' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'redis-system' } } }], ports: [{ port: 6379 }] }],
    });
    const r = checkConnectivity([app1, withObjects(app2, [redis])]);
    const e = errors(r);
    assert.equal(e.length, 1);
    assert.match(e[0]!.message, /app2 can reach Redis .* neither statestore nor pubsub/);
    assert.equal(e[0]!.path, 'statestore.enabled');
  });

  it('an app that enables pubsub reaches Redis without a finding', async () => {
    const app3 = await renderApp('app3', extraApp('app3', {}, { pubsub: true }));
    const r = checkConnectivity([app1, app2, app3]);
    assert.equal(reaches(r.matrix, 'app3', 'redis-system/redis', 6379), true);
    assert.deepEqual(r.findings, []);
  });

  it('any app reaching Vault → error', () => {
    const vault = np('app1-ns', 'vault', {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'app1' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vault-system' } } }] }],
    });
    const r = checkConnectivity([withObjects(app1, [vault]), app2]);
    const e = errors(r);
    assert.equal(e.length, 1);
    assert.match(e[0]!.message, /app1 can reach Vault \(vault-system, port 8200\/TCP\)/);
  });

  it("with the platform's own policies: Redis admits only tenant-labelled namespaces", () => {
    const platformObjects = ['redis/redis.yaml', 'vault/vault.yaml'].flatMap((f) =>
      parseAllDocuments(readFileSync(join(paths.platform, 'infrastructure', 'configs', f), 'utf8'))
        .map((d) => d.toJS() as KubeObject)
        .filter(Boolean),
    );
    const unlabelled = checkConnectivity([app1, app2], { platformObjects });
    const w = warnings(unlabelled);
    assert.equal(w.length, 1, JSON.stringify(w, null, 1));
    assert.match(w[0]!.message, /app1 enables statestore but cannot reach Redis.*the platform's NetworkPolicies stop it/);
    const tenant = { 'paddock.dev/tenant': 'true' };
    const labelled = checkConnectivity(
      [
        { ...app1, namespaceLabels: tenant },
        { ...app2, namespaceLabels: tenant },
      ],
      { platformObjects },
    );
    assert.deepEqual(labelled.findings, []);
  });
});
