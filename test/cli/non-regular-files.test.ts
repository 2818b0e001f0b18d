// A named pipe (or socket, or device) called *.yaml must never make a command
// wait: only regular files are read. Each run has a time limit, so a
// regression fails here instead of hanging the suite.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { paths } from 'paddock/paths.js';
import { paddock, STACK } from '../lib/cli.js';

const LIMIT_MS = 60_000;

const run = (args: string[]) => paddock(args, { timeoutMs: LIMIT_MS });

const dir = mkdtempSync(join(tmpdir(), 'paddock-fifo-'));
const app = join(dir, 'app1');
mkdirSync(app);
copyFileSync(join(paths.root, 'apps', 'app1', 'values.yaml'), join(app, 'values.yaml'));
const fifo = join(app, 'extra.yaml');
execFileSync('mkfifo', [fifo]);
const fifoValues = join(dir, 'pipe', 'values.yaml');
mkdirSync(join(dir, 'pipe'));
execFileSync('mkfifo', [fifoValues]);
const link = join(app, 'link.yaml');
symlinkSync(fifo, link);
const socketPath = join(app, 'socket.yaml');
const server = createServer();

before(() => new Promise<void>((resolve) => server.listen(socketPath, resolve)));
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a named pipe named on the command line is a usage error (exit 2), for every command', () => {
  for (const command of ['validate', 'explain', 'render', 'check']) {
    for (const [what, path] of [
      ['a pipe', fifo],
      ['a link to a pipe', link],
      ['a pipe called values.yaml', fifoValues],
      ['a socket', socketPath],
    ] as const) {
      it(`${command}: ${what}`, async () => {
        const r = await run([command, path]);
        assert.equal(r.signal, null, `${command} hung on ${what} and was killed after ${LIMIT_MS} ms`);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /is a (named pipe \(FIFO\)|socket)/);
        assert.match(r.stderr, /regular file/);
        assert.doesNotMatch(r.stderr + r.stdout, STACK);
      });
    }
  }
  it('a character device too', async () => {
    const r = await run(['validate', '/dev/zero']);
    assert.equal(r.signal, null);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\/dev\/zero is a device, not a regular file/);
  });
});

describe('a folder walk skips what is not a regular file', () => {
  it('check of a folder holding pipes, a link to one and a socket judges the app and says what it skipped under --verbose', async () => {
    const r = await run(['check', app, '--verbose']);
    assert.equal(r.signal, null, `check hung and was killed after ${LIMIT_MS} ms`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1 app: contract, schemas, admission policies and connectivity all pass/);
    for (const p of [fifo, link, socketPath]) assert.match(r.stderr, new RegExp(`skipped ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a (named pipe|socket)`));
  });
  it('without --verbose it says nothing about them, and a folder holding only a pipe has no YAML files (exit 2)', async () => {
    const quiet = await run(['check', app]);
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stderr, '');
    const only = await run(['check', join(dir, 'pipe')]);
    assert.equal(only.signal, null);
    assert.equal(only.code, 2);
    assert.match(only.stderr, /no YAML files found/);
  });
});
