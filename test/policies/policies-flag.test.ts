/**
 * `paddock check --policies DIR`: a platform team's own policies, bindings and
 * params judged beside the platform's, through the CLI; bad folders are usage
 * errors (exit 2) that name the file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { paths } from 'paddock/paths.js';
import { paddock, STACK } from '../lib/cli.js';

const app1 = join(paths.root, 'apps', 'app1', 'values.yaml');
const team = join(paths.root, 'test', 'fixtures', 'team-policies');

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-team-policies-'));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

const policyOn = (kind: string, expression: string, name = 'p') => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: ${name}}
spec:
  matchConstraints: {resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [${kind}]}]}
  validations: [{expression: ${JSON.stringify(expression)}, message: "refused by ${name}"}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: ${name}}
spec: {policyName: ${name}, validationActions: [Deny]}
`;

test("a team's policies judge the app beside the platform's: params from the folder, Deny, Warn, Audit and audit annotations", async () => {
  const r = await paddock(['check', app1, '--policies', team, '--json']);
  assert.equal(r.code, 1, r.stderr);
  const findings = JSON.parse(r.stdout).findings as Array<{ rule: string; severity: string; message: string; path?: string; file?: string }>;
  const mine = findings.filter((f) => f.rule.startsWith('team-'));
  assert.ok(
    findings.every((f) => f.rule.startsWith('team-')),
    "the platform's policies still pass",
  );
  assert.deepEqual(
    mine.find((f) => f.rule === 'team-replica-limit'),
    { rule: 'team-replica-limit', severity: 'error', path: 'Deployment/app1', message: 'at most 0 replicas in app1-ns', file: app1 },
  );
  assert.ok(
    mine.some(
      (f) => f.rule === 'team-service-names' && f.severity === 'warning' && f.message === 'Warning from the API server: Service names should end in -svc',
    ),
  );
  assert.ok(
    mine.some(
      (f) => f.rule === 'team-service-names' && f.severity === 'info' && f.message === 'Audit annotation team-service-names/service-type: type ClusterIP',
    ),
  );
});

test("without --policies only the platform's policies judge: the app passes", async () => {
  const r = await paddock(['check', app1, '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test("a policy the API server would refuse (a typo in its CEL) is an error finding naming its file, in the API server's words", async () => {
  const dir = folder({ 'typo.yaml': policyOn('deployments', "object.metadata.name.startWith('x')", 'typo') });
  const r = await paddock(['check', app1, '--policies', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /typo\.yaml ValidatingAdmissionPolicy\/typo \[typo\]/);
  assert.match(
    r.stdout,
    /The API server refuses this ValidatingAdmissionPolicy, so it would guard nothing: ValidatingAdmissionPolicy\.admissionregistration\.k8s\.io "typo" is invalid: spec\.validations\[0\]\.expression: Invalid value: .*undeclared reference to 'startWith'/,
  );
  assert.doesNotMatch(r.stdout + r.stderr, STACK);
});

test("a verdict that depends on the cluster's RBAC is a finding that says so, never a pass", async () => {
  const dir = folder({
    'rbac.yaml': policyOn('deployments', "authorizer.group('apps').resource('deployments').namespace(request.namespace).check('delete').allowed()", 'who-may'),
  });
  const r = await paddock(['check', app1, '--policies', dir, '--json']);
  assert.equal(r.code, 1);
  const f = JSON.parse(r.stdout).findings.find((x: { rule: string }) => x.rule === 'who-may');
  assert.match(f.message, /cannot be judged offline for Deployment\/app1: the verdict depends on the cluster's authorizer/);
  assert.match(f.fix, /--server/);
});

test('v1beta1 is refused as the pinned API server refuses it: it does not serve it', async () => {
  const dir = folder({
    'beta.yaml': policyOn('deployments', 'true', 'beta').replace(/admissionregistration\.k8s\.io\/v1$/m, 'admissionregistration.k8s.io/v1beta1'),
  });
  const r = await paddock(['check', app1, '--policies', dir, '--json']);
  assert.equal(r.code, 1);
  const f = JSON.parse(r.stdout).findings.find((x: { rule: string }) => x.rule === 'beta');
  assert.match(f.message, /admissionregistration\.k8s\.io\/v1beta1 is not served by the API server .*404 page not found/);
});

for (const [what, files, message] of [
  [
    'a folder without policies',
    { 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' },
    /no ValidatingAdmissionPolicy found in .*paddock-team-policies-/,
  ],
  ['a file that is not YAML', { 'broken.yaml': 'apiVersion: v1\nkind: [unclosed\n' }, /broken\.yaml:3: /],
  ['a document that is not a Kubernetes object', { 'words.yaml': 'just some words\n' }, /words\.yaml: a document is not a Kubernetes object/],
  [
    'a binding naming a missing policy',
    {
      'b.yaml': `${policyOn('deployments', 'true', 'present')}---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: orphan}\nspec: {policyName: absent, validationActions: [Deny]}\n`,
    },
    /b\.yaml: ValidatingAdmissionPolicyBinding orphan names the policy "absent", which none of the policy folders holds/,
  ],
  [
    'a policy defined twice',
    { 'a.yaml': policyOn('deployments', 'true', 'twice'), 'b.yaml': policyOn('deployments', 'true', 'twice') },
    /b\.yaml: ValidatingAdmissionPolicy\/twice is defined twice \(also in .*a\.yaml\)/,
  ],
] as const) {
  test(`--policies with ${what}: exit 2, the file named, nothing judged`, async () => {
    const r = await paddock(['check', app1, '--policies', folder(files as Record<string, string>)]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, STACK);
  });
}

test('--policies with a folder that does not exist: exit 2', async () => {
  const r = await paddock(['check', app1, '--policies', join(tmpdir(), 'no-such-policies')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot read the admission policies in .*no-such-policies/);
});
