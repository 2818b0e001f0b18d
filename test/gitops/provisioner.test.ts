// The tenant provisioner's Redis side, against a real redis-server started with
// the Redis Deployment's own start-up script: `default` is off, each app's ACL
// user reaches only its own keys, pub/sub only where the namespace asks for it,
// and removing an app removes its user. (Its Kubernetes and Vault sides need a
// cluster: `npx paddock cluster test` checks them end to end.)
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { PUBSUB_SELECTOR, STATE_COMMANDS } from 'paddock/dev/redis.js';
import { platform, redisCli, startRedisLikeTheDeployment } from './lib.js';

const pexec = promisify(execFile);
const script = join(platform, 'infrastructure/configs/tenant-provisioner');
const ADMIN = 'admin-test-password';
let port = 0;
let redis: ChildProcess;

/** redis-cli as a given user (or none). */
const cli = (user: string | undefined, pass: string | undefined, ...args: string[]) => redisCli(port, user, pass, ...args);

/** Run provisioner.py's Redis class, as the in-cluster pass does. */
async function provision(code: string): Promise<string> {
  const py = `import sys; sys.path.insert(0, ${JSON.stringify(script)}); import provisioner as p\nr = p.Redis(${JSON.stringify(ADMIN)})\n${code}\nr.close()`;
  const r = await pexec('python3', ['-c', py], { env: { ...process.env, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), PYTHONDONTWRITEBYTECODE: '1' } });
  return r.stdout;
}

before(async () => {
  ({ port, process: redis } = await startRedisLikeTheDeployment(ADMIN));
});

after(() => redis?.kill());

describe('tenant provisioner: Redis ACL users', () => {
  it('uses the same per-app rule as paddock dev', () => {
    const py = readFileSync(join(script, 'provisioner.py'), 'utf8');
    const list = JSON.parse(/^STATE_COMMANDS = (\[[^\]]*\])/m.exec(py)![1]!.replace(/\s+/g, ' '));
    assert.deepEqual(list, STATE_COMMANDS);
    assert.equal(/^PUBSUB_SELECTOR = "(.*)"$/m.exec(py)![1], PUBSUB_SELECTOR);
  });

  it('the default user is off', async () => {
    assert.match(await cli(undefined, undefined, 'GET', 'app1||x'), /NOAUTH|WRONGPASS|Authentication/);
  });

  it('each app reaches its own keys only, with the commands Dapr uses', async () => {
    await provision("r.ensure_user('app1', 'pw-one')\nr.ensure_user('app2', 'pw-two', pubsub=True)");
    assert.equal(await cli('app1', 'pw-one', 'HSET', 'app1||k', 'data', 'v'), '1');
    assert.equal(await cli('app1', 'pw-one', 'HGET', 'app1||k', 'data'), 'v');
    assert.equal(await cli('app1', 'pw-one', 'EVAL', "return redis.call('HGET', KEYS[1], 'data')", '1', 'app1||k'), 'v');
    assert.match(await cli('app1', 'pw-one', 'INFO', 'replication'), /role:master/);
    assert.match(await cli('app1', 'pw-one', 'HGET', 'app2||k', 'data'), /NOPERM/);
    assert.match(await cli('app1', 'pw-one', 'EVAL', "return redis.call('HGET', KEYS[1], 'data')", '1', 'app2||k'), /NOPERM|permissions/);
    for (const cmd of [['KEYS', '*'], ['FLUSHALL'], ['CONFIG', 'GET', '*'], ['SCAN', '0']]) {
      assert.match(await cli('app1', 'pw-one', ...cmd), /NOPERM/, cmd.join(' '));
    }
    assert.match(await cli('app1', 'pw-two', 'PING'), /WRONGPASS|invalid/, "app2's password is not app1's");
  });

  it('pub/sub (streams) only for an app whose namespace asks for it', async () => {
    assert.match(await cli('app2', 'pw-two', 'XADD', 'orders', '*', 'k', 'v'), /^\d+-\d+$/);
    assert.match(await cli('app1', 'pw-one', 'XADD', 'orders', '*', 'k', 'v'), /NOPERM/);
  });

  it('passwords are stored hashed; a removed app loses its user', async () => {
    const users = await cli('admin', ADMIN, 'ACL', 'LIST');
    assert.doesNotMatch(users, /pw-one|pw-two/);
    assert.match(users, /user app1 on (\S+ )?#[0-9a-f]{64}/);
    await provision("r.remove_user('app2')\nprint(sorted(r.users()))");
    assert.doesNotMatch(await cli('admin', ADMIN, 'ACL', 'USERS'), /app2/);
    assert.match(await cli('app2', 'pw-two', 'PING'), /WRONGPASS|invalid/);
  });

  it('re-running is idempotent and resets a widened rule', async () => {
    await cli('admin', ADMIN, 'ACL', 'SETUSER', 'app1', '~*');
    await provision("r.ensure_user('app1', 'pw-one')");
    assert.match(await cli('app1', 'pw-one', 'HGET', 'app2||k', 'data'), /NOPERM/);
    assert.equal(await cli('app1', 'pw-one', 'HGET', 'app1||k', 'data'), 'v');
  });
});
