// The tenant provisioner's Redis side, against a real redis-server started with
// the Redis Deployment's own start-up script: `default` is off, each app's ACL
// user reaches only its own keys and, for pub/sub, the exact topics it owns
// (XADD) or may receive (the consumer-group commands); no tenant gets
// connection-admin commands; removing an app removes its user. Plus the rules
// that must equal their TypeScript twins (paddock dev, onboard, check) and the
// reserved names. (Its Kubernetes side is in apiserver.test.ts; its Vault side
// needs a cluster: `npx paddock cluster test`.)
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { topicGrants, type TopicDeclaration } from 'paddock/connectivity/topics.js';
import { PUBLISH_COMMANDS, SETINFO_COMMAND, STATE_COMMANDS, SUBSCRIBE_COMMANDS, aclRule } from 'paddock/dev/redis.js';
import { onboardNameProblem, reservedNames } from 'paddock/gitops/names.js';
import { platform, redisCli, startRedisLikeTheDeployment } from './lib.js';

const pexec = promisify(execFile);
const script = join(platform, 'infrastructure/configs/tenant-provisioner');
const source = readFileSync(join(script, 'provisioner.py'), 'utf8');
const ADMIN = 'admin-test-password';
let port = 0;
let redis: ChildProcess;

/** redis-cli as a given user (or none). */
const cli = (user: string | undefined, pass: string | undefined, ...args: string[]) => redisCli(port, user, pass, ...args);

/** Run Python code with the provisioner imported as `p` (and `r`, its Redis client as admin, when `withRedis`); returns stdout. */
async function python(code: string, withRedis = false): Promise<string> {
  const open = withRedis ? `r = p.Redis(${JSON.stringify(ADMIN)})\n` : '';
  const close = withRedis ? '\nr.close()' : '';
  const py = `import sys, json; sys.path.insert(0, ${JSON.stringify(script)}); import provisioner as p\n${open}${code}${close}`;
  const r = await pexec('python3', ['-c', py], { env: { ...process.env, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), PYTHONDONTWRITEBYTECODE: '1' } });
  return r.stdout;
}
const provision = (code: string) => python(code, true);
/** A Python list constant of the script, parsed. */
const pyList = (name: string): unknown => JSON.parse(new RegExp(`^${name} = (\\[[^\\]]*\\])`, 'm').exec(source)![1]!.replace(/\s+/g, ' '));

before(async () => {
  ({ port, process: redis } = await startRedisLikeTheDeployment(ADMIN));
});

after(() => redis?.kill());

/** Fleets whose grants Python and TypeScript must agree on. */
const FLEETS: TopicDeclaration[][] = [
  [],
  [
    { app: 'shop', namespace: 'shop-ns', publishes: ['orders', 'orders.v2'], subscribes: ['orders'], subscribers: ['mail-ns', 'app-2-ns'] },
    { app: 'mail', namespace: 'mail-ns', publishes: [], subscribes: ['orders', 'returns', 'ghost'], subscribers: [] },
    { app: 'app-2', namespace: 'app-2-ns', publishes: ['returns'], subscribes: ['orders.v2'], subscribers: [] },
    { app: 'app2', namespace: 'app2-ns', publishes: ['returns', 'Bad*', 'a||b'], subscribes: ['orders'], subscribers: ['mail-ns'] },
  ],
];

describe('tenant provisioner: the same rules as the CLI', () => {
  it("the command lists equal paddock dev's (packages/paddock/src/dev/redis.ts)", () => {
    assert.deepEqual(pyList('STATE_COMMANDS'), STATE_COMMANDS);
    assert.deepEqual(pyList('PUBLISH_COMMANDS'), PUBLISH_COMMANDS);
    assert.deepEqual(pyList('SUBSCRIBE_COMMANDS'), SUBSCRIBE_COMMANDS);
    assert.equal(/^SETINFO_COMMAND = "(.*)"$/m.exec(source)![1], SETINFO_COMMAND);
    assert.ok(!STATE_COMMANDS.some((c) => /@connection|@admin|@dangerous|^\+client$|\+select|\+keys|\+scan/.test(c)), STATE_COMMANDS.join(' '));
  });

  it('topic grants and ACL rules equal the TypeScript ones, fleet by fleet', async () => {
    for (const fleet of FLEETS) {
      const ts = topicGrants(fleet);
      const tenants = Object.fromEntries(fleet.map((d) => [d.app, d]));
      const out = JSON.parse(
        await python(
          `g, problems = p.topic_grants(json.loads(${JSON.stringify(JSON.stringify(tenants))}))\nprint(json.dumps({"grants": g, "problems": problems, "rules": {a: p.acl_rule(a, g[a], True) for a in g}}))`,
        ),
      );
      assert.deepEqual(out.grants, Object.fromEntries(ts.grants), JSON.stringify(fleet));
      assert.deepEqual(out.problems, ts.problems);
      for (const [app, g] of ts.grants) assert.deepEqual(out.rules[app], aclRule(app, g, { setinfo: true }), app);
    }
    const { grants } = topicGrants(FLEETS[1]!);
    assert.deepEqual(grants.get('mail'), { publish: [], subscribe: ['orders'] }, 'returns is claimed twice, so it belongs to no one');
    assert.deepEqual(grants.get('app2'), { publish: [], subscribe: [] }, 'app2 is not accepted by shop');
  });

  it('the reserved names are a copy of charts/app/files/reserved-names.yaml, and names are judged as onboard judges them', async () => {
    const reserved = reservedNames();
    assert.deepEqual(pyList('RESERVED_EXACT'), reserved.exact);
    assert.deepEqual(pyList('RESERVED_PREFIXES'), reserved.prefixes);
    assert.equal(Number(/^MAX_NAME_LENGTH = (\d+)$/m.exec(source)![1]), reserved.maxLength);
    const names = [
      'app1',
      'admin',
      'default',
      'root',
      'system',
      'kube-x',
      'dapr-api',
      'paddock-ui',
      'yes',
      'null',
      'a'.repeat(53),
      'a'.repeat(54),
      'App1',
      '1app',
      'app_1',
      'app-',
      'ok-app',
    ];
    const py = JSON.parse(await python(`print(json.dumps([p.name_problem(n) is None for n in ${JSON.stringify(names)}]))`));
    assert.deepEqual(
      py,
      names.map((n) => onboardNameProblem(n) === undefined),
    );
    assert.deepEqual(
      names.filter((_, i) => py[i]),
      ['app1', 'a'.repeat(53), 'ok-app'],
    );
  });

  it('a namespace is a tenant only as <app>-ns with both labels and an allowed name; the rest is skipped with a reason', async () => {
    const ns = (name: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({ metadata: { name, labels, ...extra } });
    const t = (app: string) => ({ 'paddock.dev/tenant': 'true', 'paddock.dev/app': app });
    const items = [
      ns('app1-ns', t('app1'), { annotations: { 'paddock.dev/pubsub-publishes': 'orders, returns', 'paddock.dev/pubsub-subscribers': 'app2-ns' } }),
      ns('admin-ns', t('admin')),
      ns('default-ns', t('default')),
      ns('root-ns', t('root')),
      ns('kube-x-ns', t('kube-x')),
      ns('impostor-ns', t('app1')),
      ns('app3', t('app3')),
      ns('nolabel-ns', { 'paddock.dev/tenant': 'true' }),
      ns('falsy-ns', { 'paddock.dev/tenant': 'yes', 'paddock.dev/app': 'falsy' }),
      ns(`${'a'.repeat(54)}-ns`, t('a'.repeat(54))),
      ns('gone-ns', t('gone'), { deletionTimestamp: '2026-01-01T00:00:00Z' }),
    ];
    const [tenants, skipped] = JSON.parse(await python(`print(json.dumps(p.select_tenants(json.loads(${JSON.stringify(JSON.stringify(items))}))))`));
    assert.deepEqual(tenants, { app1: { app: 'app1', namespace: 'app1-ns', publishes: ['orders', 'returns'], subscribes: [], subscribers: ['app2-ns'] } });
    assert.deepEqual(
      skipped.map((s: [string, string]) => s[0]),
      ['admin-ns', 'default-ns', 'root-ns', 'kube-x-ns', 'impostor-ns', 'app3', 'nolabel-ns', 'falsy-ns', `${'a'.repeat(54)}-ns`],
    );
    assert.match(skipped[0][1], /"admin" is reserved/);
    assert.match(skipped[4][1], /not app1-ns/);
  });
});

describe('tenant provisioner: Redis ACL users', () => {
  it('the default user is off', async () => {
    assert.match(await cli(undefined, undefined, 'GET', 'app1||x'), /NOAUTH|WRONGPASS|Authentication/);
  });

  it('each app reaches its own keys only, with the commands Dapr uses', async () => {
    await provision("r.ensure_user('app1', 'pw-one')\nr.ensure_user('app2', 'pw-two', {'publish': ['orders'], 'subscribe': []})");
    assert.equal(await cli('app1', 'pw-one', 'HSET', 'app1||k', 'data', 'v'), '1');
    assert.equal(await cli('app1', 'pw-one', 'HGET', 'app1||k', 'data'), 'v');
    assert.equal(await cli('app1', 'pw-one', 'EVAL', "return redis.call('HGET', KEYS[1], 'data')", '1', 'app1||k'), 'v');
    assert.match(await cli('app1', 'pw-one', 'INFO', 'replication'), /role:master/);
    assert.equal(await cli('app1', 'pw-one', 'PING'), 'PONG');
    assert.match(await cli('app1', 'pw-one', 'HELLO', '3'), /proto/);
    assert.match(await cli('app1', 'pw-one', 'HGET', 'app2||k', 'data'), /NOPERM/);
    assert.match(await cli('app1', 'pw-one', 'EVAL', "return redis.call('HGET', KEYS[1], 'data')", '1', 'app2||k'), /NOPERM|permissions/);
    assert.match(await cli('app1', 'pw-one', 'PING'), /PONG/);
    assert.match(await cli('app1', 'pw-two', 'PING'), /WRONGPASS|invalid/, "app2's password is not app1's");
  });

  it("the platform's own Redis users are never changed for a tenant", async () => {
    const out = await provision("try:\n  r.ensure_user('admin', 'tenant-pw')\nexcept RuntimeError as e:\n  print('refused', e)\nprint(sorted(r.users()))");
    assert.match(out, /refused/);
    assert.doesNotMatch(out, /'admin'|'default'/);
    assert.equal(await cli('admin', ADMIN, 'PING'), 'PONG', 'the admin password still works');
    assert.match(await cli('admin', 'tenant-pw', 'PING'), /WRONGPASS|invalid/);
  });

  it('passwords are stored hashed; a removed app loses its user', async () => {
    await provision("r.ensure_user('gone', 'pw-gone')");
    const users = await cli('admin', ADMIN, 'ACL', 'LIST');
    assert.doesNotMatch(users, /pw-one|pw-two|pw-gone/);
    assert.match(users, /user app1 on (\S+ )?#[0-9a-f]{64}/);
    assert.match(await provision("print(r.is_tenant_user('gone'), r.is_tenant_user('admin'), r.is_tenant_user('default'))"), /True False False/);
    await provision("r.remove_user('gone')");
    assert.doesNotMatch(await cli('admin', ADMIN, 'ACL', 'USERS'), /gone/);
    assert.match(await cli('gone', 'pw-gone', 'PING'), /WRONGPASS|invalid/);
  });

  it('re-running is idempotent and resets a widened rule', async () => {
    await cli('admin', ADMIN, 'ACL', 'SETUSER', 'app1', '~*', '+@all');
    await provision("r.ensure_user('app1', 'pw-one')");
    assert.match(await cli('app1', 'pw-one', 'HGET', 'app2||k', 'data'), /NOPERM/);
    assert.match(await cli('app1', 'pw-one', 'CLIENT', 'LIST'), /NOPERM/);
    assert.equal(await cli('app1', 'pw-one', 'HGET', 'app1||k', 'data'), 'v');
  });
});

describe('tenant provisioner: one tenant against another, on a real Redis', () => {
  // shop publishes orders and accepts mail; mail subscribes; snoop subscribes too but is not accepted, and publishes its own topic.
  const fleet = {
    shop: { app: 'shop', namespace: 'shop-ns', publishes: ['orders'], subscribes: [], subscribers: ['mail-ns'] },
    mail: { app: 'mail', namespace: 'mail-ns', publishes: [], subscribes: ['orders'], subscribers: [] },
    snoop: { app: 'snoop', namespace: 'snoop-ns', publishes: ['snoop.events'], subscribes: ['orders'], subscribers: [] },
  };
  const as = (app: keyof typeof fleet, ...args: string[]) => cli(app, `pw-${app}`, ...args);

  before(async () => {
    await provision(`g, _ = p.topic_grants(json.loads(${JSON.stringify(JSON.stringify(fleet))}))\nfor a in g: r.ensure_user(a, 'pw-' + a, g[a])`);
    assert.match(await as('shop', 'XADD', 'orders', '*', 'data', 'first'), /^\d+-\d+$/);
    assert.equal(await as('shop', 'HSET', 'shop||cart', 'data', 'x'), '1');
  });

  it('the owner sends to its topic, and cannot trim, delete or destroy it', async () => {
    assert.match(await as('shop', 'XADD', 'orders', '*', 'data', 'second'), /^\d+-\d+$/);
    for (const cmd of [
      ['XTRIM', 'orders', 'MAXLEN', '0'],
      ['DEL', 'orders'],
      ['XDEL', 'orders', '0-1'],
      ['XGROUP', 'DESTROY', 'orders', 'mail'],
      ['XRANGE', 'orders', '-', '+'],
    ]) {
      assert.match(await as('shop', ...cmd), /NOPERM/, cmd.join(' '));
    }
  });

  it('another app cannot send to, read, trim or delete the topic, nor take a consumer group on it', async () => {
    for (const cmd of [
      ['XADD', 'orders', '*', 'data', 'forged'],
      ['XRANGE', 'orders', '-', '+'],
      ['XREAD', 'STREAMS', 'orders', '0'],
      ['XTRIM', 'orders', 'MAXLEN', '0'],
      ['DEL', 'orders'],
      ['XDEL', 'orders', '0-1'],
      ['XLEN', 'orders'],
      ['XINFO', 'STREAM', 'orders'],
      ['TYPE', 'orders'],
      ['XGROUP', 'CREATE', 'orders', 'snoop', '0', 'MKSTREAM'],
      ['XREADGROUP', 'GROUP', 'mail', 'snoop', 'STREAMS', 'orders', '>'],
    ]) {
      assert.match(await as('snoop', ...cmd), /NOPERM/, `snoop: ${cmd.join(' ')}`);
    }
    assert.match(await as('mail', 'XADD', 'orders', '*', 'data', 'forged'), /NOPERM/, 'a subscriber cannot forge events either');
  });

  it("no app creates a key at another app's state key, or reaches it from a script", async () => {
    for (const cmd of [
      ['XADD', 'shop||cart', '*', 'k', 'v'],
      ['XGROUP', 'CREATE', 'shop||new', 'g', '0', 'MKSTREAM'],
      ['HSET', 'shop||cart', 'data', 'y'],
      ['SET', 'shop||x', 'y'],
      ['DEL', 'shop||cart'],
    ]) {
      assert.match(await as('snoop', ...cmd), /NOPERM/, cmd.join(' '));
      assert.match(await as('mail', ...cmd), /NOPERM/, cmd.join(' '));
    }
    assert.match(await as('snoop', 'EVAL', "return redis.call('XADD', 'orders', '*', 'k', 'v')", '1', 'snoop||x'), /NOPERM|permissions|can't access/);
    assert.match(await as('snoop', 'EVAL', "return redis.call('XADD', 'shop||cart', '*', 'k', 'v')", '1', 'snoop||x'), /NOPERM|permissions|can't access/);
    assert.equal(await as('shop', 'HGET', 'shop||cart', 'data'), 'x', "shop's state is intact");
    // snoop's own topic cannot be one of shop's state keys: topic names have no '|' (the rule refuses them).
    assert.match(
      await provision(
        "g, probs = p.topic_grants({'x': {'app': 'x', 'namespace': 'x-ns', 'publishes': ['shop||cart', 'o*'], 'subscribes': [], 'subscribers': []}})\nprint(json.dumps(g['x']))",
      ),
      /"publish": \[\]/,
    );
  });

  it('the accepted subscriber runs the consumer-group commands Dapr sends; nothing else on the topic', async () => {
    assert.equal(await as('mail', 'XGROUP', 'CREATE', 'orders', 'mail', '0', 'MKSTREAM'), 'OK');
    const read = await as('mail', 'XREADGROUP', 'GROUP', 'mail', 'mail', 'COUNT', '10', 'STREAMS', 'orders', '>');
    assert.match(read, /first/);
    const id = /(\d+-\d+)/.exec(read)![1]!;
    assert.match(await as('mail', 'XPENDING', 'orders', 'mail', '-', '+', '10'), new RegExp(id));
    assert.match(await as('mail', 'XCLAIM', 'orders', 'mail', 'mail', '0', id), new RegExp(id));
    assert.equal(await as('mail', 'XACK', 'orders', 'mail', id), '1');
    for (const cmd of [
      ['XTRIM', 'orders', 'MAXLEN', '0'],
      ['DEL', 'orders'],
      ['XDEL', 'orders', id],
      ['XGROUP', 'DESTROY', 'orders', 'mail'],
      ['XGROUP', 'SETID', 'orders', 'mail', '0'],
      ['XAUTOCLAIM', 'orders', 'mail', 'mail', '0', '0'],
    ]) {
      assert.match(await as('mail', ...cmd), /NOPERM/, cmd.join(' '));
    }
  });

  it('no tenant gets connection admin, server admin, key listing or channels', async () => {
    for (const app of ['shop', 'mail', 'snoop'] as const) {
      for (const cmd of [
        ['CLIENT', 'KILL', 'USER', 'shop'],
        ['CLIENT', 'PAUSE', '1000'],
        ['CLIENT', 'LIST'],
        ['CLIENT', 'NO-EVICT', 'on'],
        ['CLIENT', 'SETNAME', 'x'],
        ['CLIENT', 'UNBLOCK', '1'],
        ['CONFIG', 'GET', '*'],
        ['FLUSHALL'],
        ['FLUSHDB'],
        ['KEYS', '*'],
        ['SCAN', '0'],
        ['SCAN', '0', 'MATCH', `${app}||*`],
        ['SELECT', '1'],
        ['MONITOR'],
        ['SUBSCRIBE', 'orders'],
        ['PSUBSCRIBE', '*'],
        ['PUBLISH', 'orders', 'x'],
        ['ACL', 'LIST'],
        ['ACL', 'SETUSER', app, '~*'],
        ['SHUTDOWN'],
        ['SWAPDB', '0', '1'],
        ['RANDOMKEY'],
        ['DBSIZE'],
        ['OBJECT', 'ENCODING', 'orders'],
        ['WAIT', '0', '0'],
      ]) {
        assert.match(await as(app, ...cmd), /NOPERM|no permissions/, `${app}: ${cmd.join(' ')}`);
      }
    }
    assert.equal(await cli('admin', ADMIN, 'PING'), 'PONG', 'Redis is still up and the admin still in');
  });
});
