import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DevApp } from './app.js';
import { devValues } from './app.js';
import { aclLine, devTopicGrants } from './redis.js';
import { allowedApis, fill, localComponents, localConfiguration, secretsJson, type LocalContext } from './resources.js';
import { allowListMismatches } from './session.js';

function app(name: string, values: Record<string, unknown>): DevApp {
  return {
    name,
    namespace: `${name}-ns`,
    dir: `/x/${name}`,
    valuesFile: `/x/${name}/values.yaml`,
    devFile: `/x/${name}/paddock.dev.yaml`,
    secretsFile: `/x/${name}/secrets.local.yaml`,
    values: devValues(values),
    run: { command: ['node', 'x.js'], cwd: `/x/${name}`, env: {} },
  };
}

const app1 = app('app1', {
  port: 8080,
  networkPolicy: { allowIngressFrom: ['app2-ns'], allowEgressTo: [] },
  statestore: { enabled: true },
  secretstore: { enabled: true, keys: ['anthropic-api-key'] },
});
const app2 = app('app2', { port: 3000, networkPolicy: { allowIngressFrom: [], allowEgressTo: ['app1-ns'] } });
const ctx: LocalContext = { backend: 'embedded', dataDir: '/d/app1', secretsJson: '/d/app1/secrets.json', nameResolutionDb: '/d/nr.db', trustDomain: 'public' };

test('components come from the building-block mapping, scoped to the app, placeholders filled', () => {
  const comps = localComponents(app1, ctx) as {
    metadata: { name: string };
    spec: { type: string; metadata: { name: string; value: string }[] };
    scopes: string[];
  }[];
  assert.deepEqual(
    comps.map((c) => [c.metadata.name, c.spec.type]),
    [
      ['statestore', 'state.sqlite'],
      ['secretstore', 'secretstores.local.file'],
    ],
  );
  assert.ok(comps.every((c) => c.scopes.length === 1 && c.scopes[0] === 'app1'));
  assert.equal(comps[0]!.spec.metadata.find((m) => m.name === 'connectionString')!.value, 'file:/d/app1/state.db');
  assert.equal(comps[1]!.spec.metadata.find((m) => m.name === 'secretsFile')!.value, '/d/app1/secrets.json');
  assert.deepEqual(localComponents(app2, ctx), []);
});

test("the redis backend uses the app's own Redis user and password", () => {
  const comps = localComponents(app1, { ...ctx, backend: 'redis', redis: { host: '127.0.0.1:6390', password: 'pw' } }) as {
    spec: { type: string; metadata: { name: string; value: string }[] };
  }[];
  const state = comps[0]!.spec;
  assert.equal(state.type, 'state.redis');
  const meta = Object.fromEntries(state.metadata.map((m) => [m.name, m.value]));
  assert.deepEqual(meta, { redisHost: '127.0.0.1:6390', redisUsername: 'app1', redisPassword: 'pw', keyPrefix: 'appid' });
  // No Redis variant for secrets: the local file store stays.
  assert.equal(comps[1]!.spec.type, 'secretstores.local.file');
});

test('configuration mirrors the chart: API allow list, secret scopes, name resolution', () => {
  const spec = localConfiguration(app1, ctx).spec as Record<string, any>;
  assert.deepEqual(allowedApis(app1), ['healthz', 'state', 'secrets']);
  assert.deepEqual(allowedApis(app2), ['healthz', 'invoke']);
  assert.deepEqual(
    spec.api.allowed.map((a: { name: string }) => a.name),
    ['healthz', 'healthz', 'state', 'state', 'secrets', 'secrets'],
  );
  assert.deepEqual(spec.secrets.scopes[0], { storeName: 'secretstore', defaultAccess: 'deny', allowedSecrets: ['anthropic-api-key'] });
  assert.deepEqual(spec.nameResolution, { component: 'sqlite', version: 'v1', configuration: { connectionString: '/d/nr.db', cleanupInterval: '0s' } });
  assert.deepEqual(spec.accessControl.policies, [{ appId: 'app2', namespace: 'app2-ns', trustDomain: 'public', defaultAction: 'allow' }]);
});

test("access control is the chart's: deny, except each declared caller by its mTLS identity", () => {
  const app1Acl = (localConfiguration(app1, ctx).spec as any).accessControl;
  assert.deepEqual(app1Acl, {
    defaultAction: 'deny',
    trustDomain: 'public',
    policies: [{ appId: 'app2', namespace: 'app2-ns', trustDomain: 'public', defaultAction: 'allow' }],
  });
  assert.deepEqual((localConfiguration(app2, ctx).spec as any).accessControl, { defaultAction: 'deny', trustDomain: 'public' });
});

test('allow-list mismatches between the apps run together are reported', () => {
  assert.deepEqual(allowListMismatches([app1, app2]), []);
  const app3 = app('app3', { networkPolicy: { allowEgressTo: ['app1-ns'] } });
  const found = allowListMismatches([app1, app2, app3]);
  assert.equal(found.length, 1);
  assert.match(
    found[0]!,
    /app3 says it calls app1 .*app1 does not accept calls from app3-ns, so the call will be refused\..* add app3-ns to networkPolicy\.allowIngressFrom in /,
  );
});

test('secrets.local.yaml: flat names to text; blanks are "not set"', () => {
  assert.deepEqual(secretsJson('a: x\nb: ""\nc: 42\n', 'f'), { a: 'x', c: '42' });
  assert.deepEqual(secretsJson(undefined, 'f'), {});
  assert.throws(() => secretsJson('a: [1]\n', 'f'), /single value/);
});

test('fill refuses an unknown placeholder', () => {
  assert.equal(fill('${app}-x', { app: 'a' }), 'a-x');
  assert.throws(() => fill('${nope}', {}), /no local value/);
});

test('Redis ACL: own key prefix only, no SCAN/KEYS, no connection admin, password hashed', () => {
  const line = aclLine('app1', 'secret-pw', { publish: [], subscribe: [] }, { setinfo: false });
  assert.match(line, /^user app1 on #[0-9a-f]{64} resetkeys ~app1\|\|\* resetchannels -@all /);
  assert.doesNotMatch(line, /secret-pw|\+scan|\+keys|~\*|&\*|@connection|\+client(?!\|setinfo)|\+select/);
  assert.doesNotMatch(line, /\(/, 'no pub/sub selector without topics');
});

test('Redis ACL for pub/sub: exact topic keys, XADD for the owner, consumer-group commands for accepted subscribers', () => {
  const pub = app('pub', { pubsub: { enabled: true, publishes: ['orders', 'audit.log'], allowSubscribersFrom: ['sub-ns'] } });
  const sub = app('sub', { pubsub: { enabled: true, subscribes: ['orders', 'audit.log'] } });
  const stranger = app('stranger', { pubsub: { enabled: true, subscribes: ['orders'], publishes: ['orders-2'] } });
  const grants = devTopicGrants([pub, sub, stranger]);
  assert.deepEqual(grants.get('pub'), { publish: ['audit.log', 'orders'], subscribe: [] });
  assert.deepEqual(grants.get('sub'), { publish: [], subscribe: ['audit.log', 'orders'] });
  assert.deepEqual(grants.get('stranger'), { publish: ['orders-2'], subscribe: [] }, 'not accepted by pub: nothing of orders');
  const line = aclLine('pub', 'pw', grants.get('pub')!, { setinfo: true });
  assert.match(line, / \+client\|setinfo \(~audit\.log ~orders -@all \+xadd\)$/);
  assert.match(
    aclLine('sub', 'pw', grants.get('sub')!, { setinfo: false }),
    / \(~audit\.log ~orders -@all \+xgroup\|create \+xreadgroup \+xack \+xpending \+xclaim\)$/,
  );
});

test("the local pub/sub component carries Dapr's topic scoping, as the chart renders it", () => {
  const pub = app('pub', { pubsub: { enabled: true, publishes: ['orders'], subscribes: ['returns'] } });
  const none = app('none', { pubsub: { enabled: true } });
  const meta = (a: DevApp) =>
    Object.fromEntries(((localComponents(a, ctx)[0] as any).spec.metadata as { name: string; value: string }[]).map((m) => [m.name, m.value]));
  assert.deepEqual(meta(pub), { allowedTopics: 'orders,returns', publishingScopes: 'pub=orders', subscriptionScopes: 'pub=returns' });
  assert.deepEqual(meta(none), { allowedTopics: '', publishingScopes: 'none=', subscriptionScopes: 'none=' }, '"<app>=": no topic at all');
});
