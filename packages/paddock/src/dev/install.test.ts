import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRunSpec, type DevApp } from './app.js';
import { inputsHash, installIfNeeded, needsInstall } from './install.js';

test("one input: the stamp is the file's sha256, as scripts/setup-runtime.sh writes it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-install-'));
  writeFileSync(join(dir, 'requirements.txt'), 'Flask==3.1.3\n');
  writeFileSync(
    join(dir, 'paddock.dev.yaml'),
    'command: [python3, app.py]\ninstall:\n  inputs: [requirements.txt]\n  stamp: .venv/stamp\n  run: [[python3, -m, venv, .venv]]\n',
  );
  const spec = (await readRunSpec(join(dir, 'paddock.dev.yaml'))).install!;
  assert.equal(
    inputsHash(spec),
    createHash('sha256')
      .update(readFileSync(join(dir, 'requirements.txt')))
      .digest('hex'),
  );
  assert.equal(await needsInstall(spec), true);
  mkdirSync(join(dir, '.venv'));
  writeFileSync(spec.stamp, `${inputsHash(spec)}\n`);
  assert.equal(await needsInstall(spec), false);
  writeFileSync(join(dir, 'requirements.txt'), 'Flask==3.1.4\n');
  assert.equal(await needsInstall(spec), true, 'a changed input calls for a new install');
});

test('a folder input: any file change under it changes the hash', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-install-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'a.ts'), 'x');
  writeFileSync(join(dir, 'package.json'), '{}');
  writeFileSync(
    join(dir, 'paddock.dev.yaml'),
    'command: [node, a.js]\ninstall:\n  inputs: [package.json, src]\n  stamp: dist/stamp\n  cwd: .\n  run: [[npm, run, build]]\n',
  );
  const spec = (await readRunSpec(join(dir, 'paddock.dev.yaml'))).install!;
  const before = inputsHash(spec);
  writeFileSync(join(dir, 'src', 'b.ts'), 'y');
  assert.notEqual(inputsHash(spec), before);
});

test('paddock.dev.yaml mistakes are one clear line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-devfile-'));
  const file = join(dir, 'paddock.dev.yaml');
  writeFileSync(file, 'command: python3 app.py\n');
  await assert.rejects(readRunSpec(file), /command must be a list/);
  writeFileSync(file, 'command: [a]\nstart: x\n');
  await assert.rejects(readRunSpec(file), /"start" is not a setting of paddock\.dev\.yaml/);
  writeFileSync(file, 'command: [a]\ninstall:\n  run: [[a]]\n');
  await assert.rejects(readRunSpec(file), /install\.inputs must list/);
});

test('two runs installing at once: one installs, the other waits and finds it done', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-install-'));
  writeFileSync(join(dir, 'requirements.txt'), 'x\n');
  writeFileSync(
    join(dir, 'paddock.dev.yaml'),
    'command: [sh, app.sh]\ninstall:\n  inputs: [requirements.txt]\n  stamp: out/stamp\n  run: [[sh, -c, "sleep 0.3; echo run >> installs.log"]]\n',
  );
  const run = await readRunSpec(join(dir, 'paddock.dev.yaml'));
  const app = { name: 'x', devFile: join(dir, 'paddock.dev.yaml'), run } as unknown as DevApp;
  const said: string[] = [];
  const results = await Promise.all(
    [1, 2].map(() =>
      installIfNeeded(
        app,
        () => {},
        (l) => said.push(l),
      ),
    ),
  );
  assert.deepEqual(results.sort(), [false, true]);
  assert.equal(readFileSync(join(dir, 'installs.log'), 'utf8'), 'run\n');
  assert.ok(said.some((l) => /waiting for another paddock dev/.test(l)));
});
