/**
 * Objects without a namespace are judged where the cluster puts them:
 * `kubectl apply -f` puts a namespaced object in `default`, outside every app
 * namespace and its guardrails, so `paddock check` reports it; cluster-scoped
 * kinds and the chart's objects (which carry their release namespace) are not.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isNamespaced } from 'paddock/policies/resources.js';
import { paths } from 'paddock/paths.js';
import { renderWithHelm } from '../lib/chart.js';
import { paddock } from '../lib/cli.js';

async function check(...files: string[]): Promise<{ code: number; json: any; stderr: string }> {
  const r = await paddock(['check', ...files, '--json']);
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = { stdout: r.stdout };
  }
  return { code: r.code, json, stderr: r.stderr };
}

function manifest(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'paddock-placement-')), 'extra.yaml');
  writeFileSync(file, text);
  return file;
}

const privilegedPod = (namespace?: string) => `apiVersion: v1
kind: Pod
metadata:
  name: root-shell
${namespace ? `  namespace: ${namespace}\n` : ''}spec:
  containers:
    - name: sh
      image: localhost:30000/platform/busybox:1.36
      securityContext: { privileged: true }
`;

const app1 = join(paths.root, 'apps', 'app1', 'values.yaml');
const placement = (r: { json: any }) => (r.json.findings ?? []).filter((f: any) => f.rule === 'placement');

test('a Pod without a namespace is reported: the cluster would put it in default, outside every guardrail', async () => {
  const file = manifest(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: reader }
rules: []
---
${privilegedPod()}`);
  const r = await check(app1, file);
  assert.equal(r.code, 1, JSON.stringify(r.json) + r.stderr);
  const found = placement(r);
  assert.equal(found.length, 1, JSON.stringify(r.json.findings));
  assert.equal(found[0].severity, 'error');
  assert.equal(found[0].file, file);
  assert.equal(found[0].line, 6);
  assert.equal(found[0].path, 'Pod/root-shell');
  assert.match(found[0].message, /names no namespace, so the cluster puts it in "default"/);
  assert.match(found[0].fix, /metadata\.namespace .*app1-ns/);
});

test('the same Pod in the app namespace is judged by the policies, and refused for being privileged', async () => {
  const file = manifest(privilegedPod('app1-ns'));
  const r = await check(app1, file);
  assert.equal(r.code, 1, JSON.stringify(r.json) + r.stderr);
  assert.deepEqual(placement(r), []);
  const onPod = r.json.findings.filter((f: any) => f.file === file && f.severity === 'error');
  assert.ok(
    onPod.some((f: any) => /privileged/i.test(f.message)),
    JSON.stringify(onPod),
  );
});

test('a manifest checked alone names <app>-ns in the fix; a cluster-scoped kind alone is not reported', async () => {
  const r = await check(manifest(privilegedPod()));
  assert.match(placement(r)[0]?.fix ?? '', /<app>-ns/);
  const role = await check(manifest('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: reader }\nrules: []\n'));
  assert.deepEqual(placement(role), [], JSON.stringify(role.json));
});

test('every namespaced object the chart renders carries its release namespace', async () => {
  for (const app of ['app1', 'app2']) {
    const r = await renderWithHelm(app, join(paths.root, 'apps', app, 'values.yaml'));
    assert.equal(r.code, 0, r.stderr);
    const objects = r.objects as Array<{ kind: string; metadata?: { name?: string; namespace?: string } }>;
    assert.ok(objects.length > 5);
    for (const o of objects.filter((x) => isNamespaced(x.kind))) assert.equal(o.metadata?.namespace, `${app}-ns`, `${o.kind}/${o.metadata?.name}`);
  }
});
