/**
 * The seed's test:app1 and test:app2 scenarios, locally, against the real
 * daprd: app1 classifies and keeps a history in its state store, app2 reaches
 * it across namespaces through both sidecars; state survives a restart, a
 * crashed app comes back, and stopping leaves nothing running.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../lib/eventually.js';
import { alive, fixtureApp, json, postJson, startDev, tempDir, type Dev } from './harness.js';

describe('paddock dev: app1 and app2 on the embedded backend', () => {
  const base = tempDir('apps');
  const stateDir = tempDir('state');
  const app1 = fixtureApp(base, 'app1', { secrets: { 'anthropic-api-key': 'sk-test-not-a-real-key', 'not-declared': 'hidden' } });
  const app2 = fixtureApp(base, 'app2');
  let dev: Dev;

  before(async () => {
    dev = await startDev([app1, app2], { stateDir });
  });
  after(async () => {
    await dev?.stop();
  });

  test('both apps and sidecars are healthy, and status.json says where they are', () => {
    const s = dev.status();
    assert.deepEqual(Object.keys(s).sort(), ['app1', 'app2']);
    for (const a of Object.values(s)) {
      assert.equal(a.healthy, true);
      assert.match(a.url, /^http:\/\/localhost:\d+$/);
      assert.ok(a.daprHttpPort > 0);
    }
  });

  test('test:app1: a bug report and a feature request are classified', async () => {
    const bug = await postJson(`${dev.apps.app1!.url}/classify`, { message: 'The export button is broken and crashes the app' });
    assert.equal(bug.status, 200);
    assert.equal(bug.body.classification, 'bug');
    assert.match(bug.body.id, /^[0-9a-f]{12}$/);
    assert.ok(!Number.isNaN(Date.parse(bug.body.timestamp)));
    const feature = await postJson(`${dev.apps.app1!.url}/classify`, { message: 'It would be nice to add a dark mode' });
    assert.equal(feature.body.classification, 'feature_request');
    const question = await postJson(`${dev.apps.app1!.url}/classify`, { message: 'Where do I change my address?' });
    assert.equal(question.body.classification, 'question', '"address" must not count as "add"');
    const bad = await postJson(`${dev.apps.app1!.url}/classify`, { text: 'no message field' });
    assert.equal(bad.status, 400);

    const history = await json(`${dev.apps.app1!.url}/history`);
    assert.equal(history.status, 200);
    const ids = history.body.map((e: { id: string }) => e.id);
    assert.deepEqual(ids.slice(0, 3), [question.body.id, feature.body.id, bug.body.id], 'newest first');
  });

  test('test:app2: the dashboard reaches app1 across namespaces through Dapr', async () => {
    const res = await postJson(`${dev.apps.app2!.url}/api/classify`, { message: 'Login fails with an error' });
    assert.equal(res.status, 200);
    assert.equal(res.body.classification, 'bug');
    const history = await json(`${dev.apps.app2!.url}/api/history`);
    assert.equal(history.status, 200);
    assert.equal(history.body[0].id, res.body.id);
    // The same call, made as app2 on its own sidecar: app-id app1 in namespace app1-ns.
    const direct = await json(`http://127.0.0.1:${dev.apps.app2!.daprHttpPort}/v1.0/invoke/app1.app1-ns/method/health`);
    assert.equal(direct.status, 200);
    const page = await fetch(`${dev.apps.app2!.url}/`);
    assert.match(await page.text(), /Message classifier/);
  });

  test('concurrent classifications are all kept in the history (ETag concurrency)', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => postJson(`${dev.apps.app1!.url}/classify`, { message: `question number ${i}` })));
    assert.ok(results.every((r) => r.status === 200));
    const history = await json(`${dev.apps.app1!.url}/history`);
    const ids = new Set(history.body.map((e: { id: string }) => e.id));
    for (const r of results) assert.ok(ids.has(r.body.id), `entry ${r.body.id} lost`);
  });

  test('app1 reads its declared secret through the sidecar, and only that one', async () => {
    const sidecar = `http://127.0.0.1:${dev.apps.app1!.daprHttpPort}/v1.0/secrets/secretstore`;
    const own = await json(`${sidecar}/anthropic-api-key`);
    assert.equal(own.status, 200);
    assert.equal(own.body['anthropic-api-key'], 'sk-test-not-a-real-key');
    const undeclared = await json(`${sidecar}/not-declared`);
    assert.equal(undeclared.status, 403, 'a key not listed in secretstore.keys is refused by the secret scope');
    assert.doesNotMatch(dev.output(), /sk-test-not-a-real-key/, 'the secret never appears in the logs');
  });

  test('an undeclared call is refused: app1 declared no egress, so its sidecar invokes nobody', async () => {
    const fromApp1 = await json(`http://127.0.0.1:${dev.apps.app1!.daprHttpPort}/v1.0/invoke/app2.app2-ns/method/health`);
    assert.equal(fromApp1.status, 404, 'the invoke API is not there at all (API allow list)');
  });

  test('a crashed app comes back on its own', async () => {
    const before = dev.status().app1!;
    process.kill(-before.pid, 'SIGKILL');
    const back = await eventually('app1 to be restarted', () => {
      const s = dev.status().app1!;
      return s.pid !== before.pid && s.healthy && s.restarts >= 1 ? s : undefined;
    });
    assert.equal(alive(before.pid), false);
    const res = await postJson(`${back.url}/classify`, { message: 'Does it still work?' });
    assert.equal(res.status, 200);
    assert.match(dev.output(), /app1 was killed \(SIGKILL\); restarting/);
  });

  test('a crashed sidecar comes back too, and app2 finds app1 again', async () => {
    const before = dev.status().app1!;
    process.kill(-before.daprdPid, 'SIGKILL');
    await eventually("app1's sidecar to be restarted", () => {
      const s = dev.status().app1!;
      return s.daprdPid !== before.daprdPid && s.healthy ? s : undefined;
    });
    const res = await eventually('app2 to reach app1 again', async () => {
      const r = await postJson(`${dev.apps.app2!.url}/api/classify`, { message: 'Back again?' });
      return r.status === 200 ? r : undefined;
    });
    assert.equal(res.body.classification, 'question');
  });

  test("a crashed Sentry comes back with the same root: a restarted sidecar gets a certificate app2's still trusts", async () => {
    const groups = (): number[] => (JSON.parse(readFileSync(join(stateDir, 'dev', 'status.json'), 'utf8')) as { processes: number[] }).processes;
    const appGroups = (): number[] => Object.values(dev.status()).flatMap((a) => [a.pid, a.daprdPid]);
    const sentry = groups().find((p) => !appGroups().includes(p))!;
    process.kill(-sentry, 'SIGKILL');
    await eventually('Sentry to be restarted', () => groups().some((p) => p !== sentry && !appGroups().includes(p)));
    assert.match(dev.output(), /Dapr Sentry was killed \(SIGKILL\); restarting/);
    const before = dev.status().app1!;
    process.kill(-before.daprdPid, 'SIGKILL');
    await eventually("app1's sidecar to be back", () => {
      const s = dev.status().app1!;
      return s.daprdPid !== before.daprdPid && s.healthy;
    });
    const res = await eventually('app2 to reach app1 over mTLS again', async () => {
      const r = await postJson(`${dev.apps.app2!.url}/api/classify`, { message: 'Is the new certificate trusted?' });
      return r.status === 200 ? r : undefined;
    });
    assert.equal(res.body.classification, 'question');
  });

  test('state survives a restart of both processes; stopping leaves nothing running', async () => {
    const before = await json(`${dev.apps.app1!.url}/history`);
    const pids = Object.values(dev.status()).flatMap((a) => [a.pid, a.daprdPid]);
    assert.equal(await dev.stop(), 0);
    for (const pid of pids) assert.equal(alive(pid), false, `process group ${pid} still running`);

    const root = readFileSync(join(stateDir, 'dev', 'sentry', 'credentials', 'ca.crt'), 'utf8');
    dev = await startDev([app1, app2], { stateDir });
    assert.equal(readFileSync(join(stateDir, 'dev', 'sentry', 'credentials', 'ca.crt'), 'utf8'), root, "Sentry's root is kept for the next session");
    const again = await json(`${dev.apps.app2!.url}/api/history`);
    assert.equal(again.status, 200);
    assert.deepEqual(
      again.body.map((e: { id: string }) => e.id),
      before.body.map((e: { id: string }) => e.id),
    );
  });
});
