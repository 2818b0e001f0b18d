// doctor reads the values as the chart does: a health path is checked only when
// the values set one (without it the platform checks the port), a liveness path
// apart from it is checked too, and a worker (port: none) that starts a server
// anyway is told nothing can reach it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { paddock } from '../lib/cli.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const APP = `import os
from flask import Flask

app = Flask(__name__)

@app.route("/")
def index():
    return "hello"

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
`;

async function doctor(values: string): Promise<{ code: number; findings: { rule: string; severity: string; path?: string; message: string }[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-doctor-shape-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'app.py'), APP);
  writeFileSync(join(dir, 'requirements.txt'), 'flask==3.0.3\n');
  writeFileSync(join(dir, 'values.yaml'), `image: { repository: localhost:30000/platform/shape, tag: "1.0.0" }\n${values}`);
  const r = await paddock(['doctor', dir, '--json']);
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: { rule: string; severity: string; path?: string; message: string }[] }).findings };
}

test('no healthPath: no health route is needed (the platform checks the port)', async () => {
  const r = await doctor('port: 8080\n');
  assert.deepEqual(
    r.findings.filter((f) => f.rule === 'missing-health-endpoint'),
    [],
  );
  assert.equal(r.code, 0);
});

test('a healthPath the app does not serve is an error on healthPath; a livenessPath apart from it is checked too', async () => {
  const r = await doctor('port: 8080\nhealthPath: /ready\nlivenessPath: /live\n');
  const missing = r.findings.filter((f) => f.rule === 'missing-health-endpoint');
  assert.deepEqual(
    missing.map((f) => [f.severity, f.path]),
    [
      ['error', 'healthPath'],
      ['error', 'livenessPath'],
    ],
  );
  assert.match(missing[0]!.message, /\/ready/);
  assert.match(missing[1]!.message, /\/live, the liveness path/);
  assert.equal(r.code, 1);
});

test('a worker (port: none) that starts a web server is warned that nothing reaches it', async () => {
  const r = await doctor('port: none\n');
  const w = r.findings.filter((f) => f.rule === 'port-mismatch');
  assert.equal(w.length, 1);
  assert.equal(w[0]!.severity, 'warning');
  assert.match(w[0]!.message, /port: none/);
  assert.deepEqual(
    r.findings.filter((f) => f.rule === 'missing-health-endpoint' || f.rule === 'binds-localhost'),
    [],
  );
});
