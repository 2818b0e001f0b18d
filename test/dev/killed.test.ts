/**
 * A `paddock dev` that is killed outright (SIGKILL: no chance to clean up)
 * leaves its apps and sidecars running; the next run on the same folder stops
 * exactly those, and refuses to start while the first one is still alive.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually } from '../lib/eventually.js';
import { alive, fixtureApp, startDev, tempDir } from './harness.js';
import { paddock } from '../lib/cli.js';

test('the next run cleans up after a killed paddock dev, and two runs on one folder are refused', async () => {
  const base = tempDir('killed');
  const stateDir = tempDir('state');
  const app1 = fixtureApp(base, 'app1');

  const first = await startDev([app1], { stateDir });
  const second = await paddock(['dev', app1, '--free-ports', '--state-dir', stateDir]);
  assert.equal(second.code, 2);
  assert.match(second.stderr, /^error: paddock dev is already running \(process \d+\)/m);

  const { pid, daprdPid } = first.status().app1!;
  // Every process group of the session: the app, its sidecar and the session's Sentry.
  const groups = (JSON.parse(readFileSync(join(stateDir, 'dev', 'status.json'), 'utf8')) as { processes: number[] }).processes;
  assert.equal(groups.length, 3);
  assert.ok(groups.includes(pid) && groups.includes(daprdPid));
  first.proc.kill('SIGKILL');
  await first.stop();
  assert.ok(groups.every(alive), 'a SIGKILLed paddock dev cannot stop its children');

  const third = await startDev([app1], { stateDir });
  try {
    assert.match(third.output(), /stopped 3 process groups left running by an earlier paddock dev/);
    await eventually('the leftovers to be gone', () => !groups.some(alive));
    assert.equal(third.status().app1!.healthy, true);
  } finally {
    await third.stop();
  }
});

test("a restart on the apps' own ports after a hard kill waits for the killed groups to let go of them (3 restarts in a row)", async () => {
  const base = tempDir('killed-fixed');
  const stateDir = tempDir('state-fixed');
  // The app's own port, fixed (no --free-ports): the restart must find it free again.
  const app1 = fixtureApp(base, 'app1', { patch: { port: 18931 } });
  let dev = await startDev([app1], { stateDir, fixedPorts: true });
  try {
    for (let i = 0; i < 3; i++) {
      dev.proc.kill('SIGKILL');
      await dev.stop();
      dev = await startDev([app1], { stateDir, fixedPorts: true });
      assert.match(dev.output(), /stopped \d+ process groups? left running by an earlier paddock dev/);
      assert.equal(dev.status().app1!.healthy, true, dev.output());
    }
  } finally {
    await dev.stop();
  }
});
