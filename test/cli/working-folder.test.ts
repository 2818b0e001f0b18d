// An author runs paddock inside the app's own folder: `validate values.yaml`
// names the app after that folder, as `validate myapp/values.yaml` does.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { paddock } from '../lib/cli.js';

const top = mkdtempSync(join(tmpdir(), 'paddock-cwd-'));
after(() => rmSync(top, { recursive: true, force: true }));

test('validate and explain values.yaml from inside the app folder', async () => {
  const dir = join(top, 'shop');
  mkdirSync(dir);
  writeFileSync(join(dir, 'values.yaml'), 'image: { repository: localhost:30000/platform/shop, tag: "1.0.0" }\nport: 8080\n');
  const inside = await paddock(['validate', 'values.yaml', '--json'], { cwd: dir });
  assert.equal(inside.code, 0, inside.stdout + inside.stderr);
  const outside = await paddock(['validate', join(dir, 'values.yaml'), '--json'], { cwd: top });
  assert.equal(outside.code, 0);
  const explained = await paddock(['explain', 'values.yaml'], { cwd: dir });
  assert.equal(explained.code, 0, explained.stderr);
  assert.match(explained.stdout, /\bshop\b/);
});
