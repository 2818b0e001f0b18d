/**
 * `paddock dev` with apps as people write them (issue 13), each next to a
 * real daprd: a web app with no health route (ready once it accepts
 * connections, as in the cluster), an app whose readiness path says "not yet"
 * (it keeps running and the session says what it waits for, then that it is
 * ready), and a worker with no port that receives its topic through Dapr's
 * streaming subscription.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { eventually } from '../lib/eventually.js';
import { alive, fixtureApp, postJson, startDev, tempDir, type Dev } from './harness.js';

describe('a web app with no health route', () => {
  let dev: Dev;
  before(async () => {
    const base = tempDir('plain');
    dev = await startDev([fixtureApp(base, 'plain-web')]);
  });
  after(async () => {
    await dev?.stop();
  });

  test("is ready once it accepts connections on its port, as the cluster's TCP check", async () => {
    const s = dev.apps['plain-web']!;
    assert.equal(s.healthy, true);
    assert.equal(s.waitingFor, undefined);
    const res = await fetch(s.url);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello\n');
    assert.equal((await fetch(`${s.url}/health`)).status, 404, 'it really has no health route');
  });

  test("its sidecar runs without Dapr's app health check, as the chart asks for it", () => {
    const config = readFileSync(join(dev.stateDir, 'dev', 'plain-web', 'config.yaml'), 'utf8');
    assert.ok(parse(config));
    const cmd = readFileSync(`/proc/${dev.apps['plain-web']!.daprdPid}/cmdline`, 'utf8').split('\0');
    assert.ok(cmd.includes('--app-port'));
    assert.ok(!cmd.includes('--enable-app-health-check'));
  });
});

describe('an app that is not ready yet', () => {
  let dev: Dev;
  let readyFile = '';
  before(async () => {
    const base = tempDir('notready');
    readyFile = join(base, 'ready');
    const dir = fixtureApp(base, 'plain-web', { patch: { healthPath: '/ready' }, env: { READY_FILE: readyFile } });
    dev = await startDev([dir], { args: ['--ready-timeout', '2'] });
  });
  after(async () => {
    await dev?.stop();
  });

  test('keeps running and says what its readiness waits for, instead of stopping the session', async () => {
    const s = dev.apps['plain-web']!;
    assert.equal(s.healthy, false);
    assert.match(s.waitingFor ?? '', /GET \/ready on port \d+ answers 2xx/);
    assert.match(dev.output(), /plain-web is not ready after 2 s: waiting until GET \/ready on port \d+ answers 2xx\. It keeps running/);
    assert.equal(dev.proc.exitCode, null);
    assert.ok(alive(s.pid) && alive(s.daprdPid));
    assert.equal((await fetch(s.url)).status, 200, 'the app itself answers meanwhile');
    // Dapr's app health check asks the same path.
    const cmd = readFileSync(`/proc/${s.daprdPid}/cmdline`, 'utf8').split('\0');
    assert.equal(cmd[cmd.indexOf('--app-health-check-path') + 1], '/ready');
  });

  test('and says so once it is ready', async () => {
    writeFileSync(readyFile, '');
    await eventually('plain-web ready in status.json', () => dev.status()['plain-web']!.healthy);
    await eventually('the line saying it is ready', () => /✔ plain-web is ready on http:\/\/localhost:\d+/.test(dev.output()));
    assert.equal(dev.status()['plain-web']!.waitingFor, undefined);
  });
});

describe('a worker with no port', () => {
  let dev: Dev;
  before(async () => {
    const base = tempDir('worker');
    const publisher = fixtureApp(base, 'plain-web', { patch: { pubsub: { enabled: true, publishes: ['orders'], allowSubscribersFrom: ['worker-ns'] } } });
    dev = await startDev([publisher, fixtureApp(base, 'worker')], { args: ['--backend', 'redis'] });
  });
  after(async () => {
    await dev?.stop();
  });

  test('runs next to its sidecar without a port, ready while its process runs', async () => {
    const s = dev.apps.worker!;
    assert.equal(s.healthy, true);
    assert.equal(s.url as string | null, null);
    await eventually("the worker's line", () => /worker\s+no port: it answers no web requests/.test(dev.output()));
    const cmd = readFileSync(`/proc/${s.daprdPid}/cmdline`, 'utf8').split('\0');
    assert.ok(!cmd.includes('--app-port'), 'its sidecar has no app port');
    assert.doesNotMatch(dev.output(), /unexpected PORT=/, 'it gets no PORT, as in the cluster');
  });

  test('receives its topic through a streaming subscription', async () => {
    await eventually("the worker's subscription", () => dev.output().includes('[worker] subscribed to orders'));
    const sent = await postJson(`http://127.0.0.1:${dev.apps['plain-web']!.daprHttpPort}/v1.0/publish/pubsub/orders`, { order: 42 });
    assert.equal(sent.status, 204);
    await eventually('the event at the worker', () => dev.output().includes('[worker] received orders {"order":42}'));
  });

  test('stopping the session stops it too', async () => {
    const s = dev.status().worker!;
    assert.equal(await dev.stop(), 0);
    await eventually('the worker and its sidecar gone', () => !alive(s.pid) && !alive(s.daprdPid), 15_000);
  });
});
