// The error model: a user's mistake is exit 2 with what to do; anything else is
// paddock's own bug, one line saying so, exit 70, the detail only with
// PADDOCK_DEBUG=1. Every variable paddock reads is listed in --help, and every
// --json report names the tool and its version.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { paths } from 'paddock/paths.js';
import { paddock, STACK } from '../lib/cli.js';

const version = (JSON.parse(readFileSync(join(paths.root, 'packages', 'paddock', 'package.json'), 'utf8')) as { version: string }).version;

/** A copy of the chart whose reserved-names file is broken: paddock's own files, not the user's, are wrong. */
function brokenHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'paddock-broken-'));
  cpSync(join(paths.root, 'charts'), join(home, 'charts'), { recursive: true });
  writeFileSync(join(home, 'charts', 'app', 'files', 'reserved-names.yaml'), 'maxLength: many\n');
  return home;
}

describe('error model', () => {
  const home = brokenHome();
  after(() => rmSync(home, { recursive: true, force: true }));

  it('a bug is one line blaming paddock, exit 70, no stack trace', async () => {
    const r = await paddock(['validate', 'apps/app1/values.yaml'], { env: { PADDOCK_HOME: home, PADDOCK_DEBUG: '' } });
    assert.equal(r.code, 70, r.stderr);
    assert.match(r.stderr, /^internal error: .*reserved-names\.yaml/);
    assert.match(r.stderr, /bug in paddock, not something you did.*PADDOCK_DEBUG=1/);
    assert.doesNotMatch(r.stderr, STACK);
    assert.doesNotMatch(r.stderr, /usage/i);
  });

  it('PADDOCK_DEBUG=1 adds the stack trace', async () => {
    const r = await paddock(['validate', 'apps/app1/values.yaml'], { env: { PADDOCK_HOME: home, PADDOCK_DEBUG: '1' } });
    assert.equal(r.code, 70);
    assert.match(r.stderr, /\n\s+at .+:\d+:\d+/);
  });

  it("a missing file is the user's: exit 2, one wording, what to do", async () => {
    for (const args of [
      ['validate', 'nope.yaml'],
      ['check', 'nope.yaml'],
      ['doctor', 'nope'],
      ['explain', 'nope.yaml'],
    ]) {
      const r = await paddock(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /nope(\.yaml)? does not exist\./, args.join(' '));
      assert.doesNotMatch(r.stderr, /no such (file|folder)|ENOENT/);
    }
  });

  it('root discovery failing is a usage error, handled like the rest', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'paddock-empty-'));
    try {
      const r = await paddock(['validate', 'apps/app1/values.yaml'], { env: { PADDOCK_HOME: empty } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^error: /);
      assert.doesNotMatch(r.stderr, STACK);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('--help lists every PADDOCK_* variable the sources read, and the exit codes', async () => {
    const used = new Set<string>();
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|sh)$/.test(name) && !name.endsWith('.test.ts'))
          for (const m of readFileSync(p, 'utf8').matchAll(/PADDOCK_[A-Z][A-Z_]*/g)) used.add(m[0]);
      }
    };
    walk(join(paths.root, 'packages', 'paddock', 'src'));
    walk(join(paths.root, 'packages', 'paddock', 'bin'));
    for (const f of ['build.sh']) for (const m of readFileSync(join(paths.root, 'tools', f), 'utf8').matchAll(/PADDOCK_[A-Z][A-Z_]*/g)) used.add(m[0]);
    assert.ok(used.size > 5, `found ${[...used]}`);
    const r = await paddock(['--help']);
    assert.equal(r.code, 0);
    for (const v of used) assert.match(r.stdout, new RegExp(`^\\s+${v}\\s`, 'm'), `${v} is not in --help`);
    assert.match(r.stdout, /70 a bug in paddock/);
  });

  it('--json reports name the tool and its version', async () => {
    for (const args of [
      ['validate', 'apps/app1/values.yaml', '--json'],
      ['explain', 'apps/app1/values.yaml', '--json'],
      ['cluster', 'up', '--dry-run', '--json'],
    ]) {
      const r = await paddock(args);
      const j = JSON.parse(r.stdout) as { tool?: { name: string; version: string } };
      assert.deepEqual(j.tool, { name: 'paddock', version }, args.join(' '));
    }
    const v = await paddock(['--version']);
    assert.equal(v.stdout.trim(), version);
  });
});
