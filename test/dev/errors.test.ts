/** The problems an app author meets first: one clear line each, exit code 2, nothing started. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixtureApp, tempDir } from './harness.js';
import { paddock } from '../lib/cli.js';

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('error:'));
}

test('a bad values file: the file, line and field, exit 2', async () => {
  const base = tempDir('bad');
  const dir = fixtureApp(base, 'app1', { patch: { port: 3500 } });
  const r = await paddock(['dev', dir, '--state-dir', tempDir('state')]);
  assert.equal(r.code, 2);
  const lines = errorLines(r.stderr);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /values\.yaml:\d+: port 3500 is Dapr's HTTP API port/);
});

test('a missing paddock.dev.yaml says what it is for', async () => {
  const dir = join(tempDir('nodev'), 'app1');
  mkdirSync(dir);
  writeFileSync(join(dir, 'values.yaml'), 'image:\n  repository: localhost:30000/platform/dapr-app1\n  tag: "1.0.0"\n');
  const r = await paddock(['dev', dir, '--state-dir', tempDir('state')]);
  assert.equal(r.code, 2);
  assert.match(errorLines(r.stderr)[0]!, /paddock\.dev\.yaml is missing: paddock dev needs it to know how to start the app/);
});

test('a port already in use is named, with what to do', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '0.0.0.0', r));
  const port = (srv.address() as { port: number }).port;
  try {
    const dir = fixtureApp(tempDir('port'), 'app1', { patch: { port } });
    const r = await paddock(['dev', dir, '--state-dir', tempDir('state')]);
    assert.equal(r.code, 2);
    assert.match(errorLines(r.stderr)[0]!, new RegExp(`port ${port} \\(.*values\\.yaml port\\) is already in use`));
    assert.match(r.stderr, /--free-ports/);
  } finally {
    srv.close();
  }
});

test('a missing runtime (node for app2) is one line', async () => {
  const dir = fixtureApp(tempDir('rt'), 'app2');
  const emptyPath = tempDir('path');
  const r = await paddock(['dev', dir, '--free-ports', '--state-dir', tempDir('state')], { env: { PATH: emptyPath } });
  assert.equal(r.code, 2);
  assert.match(errorLines(r.stderr)[0]!, /^error: (npm|node) is not installed, and app2 needs it/);
});

test('a Sentry that cannot start is one line, exit 2, and no session is recorded', async () => {
  const dir = fixtureApp(tempDir('sentry'), 'app1');
  const stateDir = tempDir('state');
  // A stand-in that exits at once, as a broken or wrong sentry binary would.
  const r = await paddock(['dev', dir, '--free-ports', '--state-dir', stateDir], { env: { PADDOCK_SENTRY: '/bin/false' } });
  assert.equal(r.code, 2);
  const lines = errorLines(r.stderr);
  assert.equal(lines.length, 1);
  assert.match(
    lines[0]!,
    /^error: Dapr Sentry \(the local certificate authority that gives each sidecar its mTLS identity\) exited \(code 1\) before it was ready/,
  );
  assert.equal(existsSync(join(stateDir, 'dev', 'status.json')), false);
});
