/**
 * Isolation between apps with `--backend redis`, as in the cluster: each app
 * has its own Redis ACL user limited to its key prefix, its own secret store,
 * and its sidecar refuses callers the values file does not declare (each
 * sidecar has an mTLS identity from the session's Sentry).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { fixtureApp, json, postJson, startDev, tempDir, type Dev } from './harness.js';

const run = promisify(execFile);

/** One command through redis-cli; Redis errors come back as text, not as a failure. */
async function redis(port: number, auth: { user: string; pass: string } | undefined, ...args: string[]): Promise<string> {
  const a = ['-h', '127.0.0.1', '-p', String(port), '--no-auth-warning'];
  if (auth) a.push('--user', auth.user, '--pass', auth.pass);
  const { stdout, stderr } = await run('redis-cli', [...a, ...args]).catch((e: { stdout: string; stderr: string }) => e);
  return `${stdout}${stderr}`.trim();
}

/** The Redis address and password paddock dev gave an app's state store. */
function redisCredentials(stateDir: string, app: string): { port: number; user: string; pass: string } {
  const comp = parse(readFileSync(join(stateDir, 'dev', app, 'components', 'statestore.yaml'), 'utf8')) as {
    spec: { metadata: { name: string; value: string }[] };
  };
  const meta = Object.fromEntries(comp.spec.metadata.map((m) => [m.name, m.value]));
  return { port: Number(meta.redisHost!.split(':')[1]), user: meta.redisUsername!, pass: meta.redisPassword! };
}

describe("paddock dev --backend redis: apps cannot reach each other's data", () => {
  const base = tempDir('iso');
  const app1 = fixtureApp(base, 'app1', { secrets: { 'anthropic-api-key': 'app1-key' } });
  // app2 here also keeps state and a secret of its own, so there is something to protect.
  const app2 = fixtureApp(base, 'app2', {
    patch: { statestore: { enabled: true }, secretstore: { enabled: true, keys: ['app2-token'] } },
    secrets: { 'app2-token': 'app2-secret-value' },
  });
  // app3 calls app1 and app2, but neither lists app3-ns among its callers.
  const app3 = fixtureApp(base, 'app3', { from: 'app2', patch: { networkPolicy: { allowIngressFrom: [], allowEgressTo: ['app1-ns', 'app2-ns'] } } });
  let dev: Dev;

  before(async () => {
    dev = await startDev([app1, app2, app3], { args: ['--backend', 'redis'] });
  });
  after(async () => {
    await dev?.stop();
  });

  test("state goes to Redis under each app's key prefix", async () => {
    const res = await postJson(`${dev.apps.app1!.url}/classify`, { message: 'The upload is broken' });
    assert.equal(res.status, 200);
    const save = await postJson(`http://127.0.0.1:${dev.apps.app2!.daprHttpPort}/v1.0/state/statestore`, [{ key: 'private', value: { owner: 'app2' } }]);
    assert.equal(save.status, 204);
    const c1 = redisCredentials(dev.stateDir, 'app1');
    assert.match(await redis(c1.port, c1, 'HGET', 'app1||history', 'data'), new RegExp(res.body.id));
  });

  test("app1's Redis user cannot read app2's state, list keys, or reach it from a script", async () => {
    const c1 = redisCredentials(dev.stateDir, 'app1');
    const c2 = redisCredentials(dev.stateDir, 'app2');
    assert.notEqual(c1.pass, c2.pass);
    assert.match(await redis(c2.port, c2, 'HGET', 'app2||private', 'data'), /app2/, 'app2 reads its own state');
    assert.match(await redis(c1.port, c1, 'HGETALL', 'app2||private'), /NOPERM/);
    assert.match(await redis(c1.port, c1, 'GET', 'app2||private'), /NOPERM/);
    assert.match(await redis(c1.port, c1, 'KEYS', '*'), /NOPERM/);
    assert.match(await redis(c1.port, c1, 'SCAN', '0'), /NOPERM/);
    assert.match(await redis(c1.port, c1, 'EVAL', "return redis.call('HGET', 'app2||private', 'data')", '1', 'app1||x'), /NOPERM|can't access/);
    assert.match(await redis(c1.port, c1, 'FLUSHALL'), /NOPERM/);
    assert.match(await redis(c1.port, c1, 'AUTH', 'app2', c1.pass), /WRONGPASS/);
    assert.doesNotMatch(await redis(c1.port, undefined, 'GET', 'app2||private'), /app2/, 'the default user is off');
  });

  test("app1 cannot read app2's secrets through its sidecar", async () => {
    const app2Secret = await json(`http://127.0.0.1:${dev.apps.app2!.daprHttpPort}/v1.0/secrets/secretstore/app2-token`);
    assert.equal(app2Secret.body['app2-token'], 'app2-secret-value', 'app2 reads its own');
    const viaApp1 = await json(`http://127.0.0.1:${dev.apps.app1!.daprHttpPort}/v1.0/secrets/secretstore/app2-token`);
    assert.notEqual(viaApp1.status, 200);
    assert.doesNotMatch(JSON.stringify(viaApp1.body), /app2-secret-value/);
    const bulk = await json(`http://127.0.0.1:${dev.apps.app1!.daprHttpPort}/v1.0/secrets/secretstore/bulk`);
    assert.doesNotMatch(JSON.stringify(bulk.body), /app2-secret-value/);
  });

  test('an app that lists no callers refuses an undeclared one; the mismatch is reported at start', async () => {
    const res = await json(`http://127.0.0.1:${dev.apps.app3!.daprHttpPort}/v1.0/invoke/app2.app2-ns/method/health`);
    assert.notEqual(res.status, 200);
    assert.match(JSON.stringify(res.body), /access control policy has denied access/);
    assert.match(dev.output(), /app3 says it calls app1 \(networkPolicy\.allowEgressTo lists app1-ns\), but app1 does not accept calls from app3-ns/);
  });

  test("app1 accepts its declared caller and refuses an undeclared one, by mTLS identity (the session's Sentry)", async () => {
    // app1's values name app2-ns only. Both callers may use the invoke API
    // (both declare allowEgressTo: app1-ns); only the caller's identity differs.
    const declared = await json(`http://127.0.0.1:${dev.apps.app2!.daprHttpPort}/v1.0/invoke/app1.app1-ns/method/health`);
    assert.equal(declared.status, 200, JSON.stringify(declared.body));
    const undeclared = await json(`http://127.0.0.1:${dev.apps.app3!.daprHttpPort}/v1.0/invoke/app1.app1-ns/method/health`);
    assert.equal(undeclared.status, 403, JSON.stringify(undeclared.body));
    assert.match(
      JSON.stringify(undeclared.body),
      /access control policy has denied access to id: spiffe:\/\/public\/ns\/app3-ns\/app3 operation: health verb: GET/,
    );
    // Through the app too: app3 is app2's code with another identity, and its classify call is refused.
    const viaApp3 = await postJson(`${dev.apps.app3!.url}/api/classify`, { message: 'Can app3 call app1?' });
    assert.notEqual(viaApp3.status, 200);
    const viaApp2 = await postJson(`${dev.apps.app2!.url}/api/classify`, { message: 'Can app2 call app1?' });
    assert.equal(viaApp2.status, 200);
  });
});
