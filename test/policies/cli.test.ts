/**
 * The guardrails through the CLI: a change to the shared chart that breaks one
 * makes `paddock check` fail (exit 1) with the policy named, a fix, and the
 * place; the unchanged chart passes. The chart is a copy under a temporary
 * PADDOCK_HOME whose other folders link to this repository.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { paths } from 'paddock/paths.js';

const cli = join(paths.root, 'packages', 'paddock', 'bin', 'paddock.js');

/** A repository root with a copy of charts/app changed by `edit` (template file → new text). */
function rootWithChart(edit: Record<string, (text: string) => string>): string {
  const root = mkdtempSync(join(tmpdir(), 'paddock-policies-cli-'));
  for (const d of ['platform', 'schemas', 'tools', 'apps', 'packages', 'node_modules']) symlinkSync(join(paths.root, d), join(root, d));
  cpSync(paths.chart, join(root, 'charts', 'app'), { recursive: true });
  for (const [file, change] of Object.entries(edit)) {
    const f = join(root, 'charts', 'app', file);
    const before = readFileSync(f, 'utf8');
    const after = change(before);
    assert.notEqual(after, before, `the edit of ${file} changed nothing`);
    writeFileSync(f, after);
  }
  return root;
}

function check(root: string, ...files: string[]): Promise<{ code: number; json: any; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, 'check', ...files, '--json'],
      { cwd: root, env: { ...process.env, PADDOCK_HOME: root, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        let json: any;
        try {
          json = JSON.parse(stdout);
        } catch {
          json = { stdout };
        }
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, json, stderr });
      },
    );
  });
}

test('the unchanged chart passes every guardrail', async () => {
  const r = await check(rootWithChart({ 'Chart.yaml': (t) => `${t}\n` }), 'apps/app1/values.yaml', 'apps/app2/values.yaml');
  assert.equal(r.code, 0, JSON.stringify(r.json) + r.stderr);
  assert.equal(r.json.ok, true);
});

const breaks: Array<[string, Record<string, (t: string) => string>, string, RegExp]> = [
  [
    'privilege escalation allowed',
    { 'templates/deployment.yaml': (t) => t.replace('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true') },
    'paddock-pod-security-restricted',
    /Container app may gain privileges/,
  ],
  [
    'the Dapr sidecar listening on every address',
    { 'templates/deployment.yaml': (t) => t.replace('dapr.io/sidecar-listen-addresses: "[::1],127.0.0.1"', 'dapr.io/sidecar-listen-addresses: "0.0.0.0"') },
    'paddock-dapr-sidecar',
    /loopback only/,
  ],
  [
    'the sidecar sized above the platform maximum',
    // platform.sidecar.limits in the chart's defaults (the only 128Mi limit there).
    { 'values.yaml': (t) => t.replace(/(limits: \{ cpu: [^,]+, memory: )128Mi \}/, (_m, head: string) => `${head}3Gi }`) },
    'paddock-pod-resources',
    /Container daprd asks for more than the platform maximum/,
  ],
  [
    'no default-deny',
    { 'templates/networkpolicy.yaml': (t) => t.replace('name: default-deny', 'name: deny-most') },
    'paddock-pod-requires-default-deny',
    /Namespace app1-ns has no NetworkPolicy default-deny/,
  ],
  [
    'components shared with every app',
    { 'templates/dapr-components.yaml': (t) => t.replace(/scopes:\n {2}- \{\{ \$name \}\}/, 'scopes: []') },
    'paddock-dapr-component-scope',
    /must be scoped to this app only/,
  ],
];

for (const [name, edit, rule, message] of breaks) {
  test(`a chart change that breaks a guardrail fails check: ${name}`, async () => {
    const r = await check(rootWithChart(edit), 'apps/app1/values.yaml');
    assert.equal(r.code, 1, JSON.stringify(r.json) + r.stderr);
    assert.equal(r.json.ok, false);
    const f = (r.json.findings as any[]).find((x) => x.rule === rule);
    assert.ok(f, `a ${rule} finding in ${JSON.stringify(r.json.findings)}`);
    assert.match(f.message, message);
    assert.ok(f.fix, 'the finding says what to do');
    assert.equal(f.severity, 'error');
    assert.ok(f.file, 'the finding names a file');
  });
}
