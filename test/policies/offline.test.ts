/**
 * The policies as files (strictly valid, complete, bound to app namespaces) and
 * their verdicts offline: every policy admits what the chart renders and
 * refuses each broken variant, and no other policy interferes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { judge } from 'paddock/policies/evaluator.js';
import { checkManifests, tenantNamespace } from 'paddock/policies/check.js';
import { loadPolicies, readYamlObjects } from 'paddock/policies/load.js';
import { paths, tool } from 'paddock/paths.js';
import { IDENTITIES } from 'paddock/policies/identities.js';
import { kubeconformArgs } from 'paddock/schema/index.js';
import { platformSettings } from 'paddock/contract/platform-settings.js';
import { buildAttacks } from './attacks.js';
import { buildCases, expectedDenials, identityOf, namespace, policyNames, renderApp1 } from './cases.js';

const dir = paths.policies;
const set = loadPolicies(dir);
const rendered = renderApp1();
const allCases = [...buildCases(rendered), ...buildAttacks(rendered)];
/** TokenRequests cannot be written in a manifest: the API server alone judges them. */
const cases = allCases.filter((c) => !c.serverOnly);
/** Objects the chart renders are sent by Flux's helm-controller. */
const chart = () => IDENTITIES.chartDelivery;
/** Policies bound to every namespace, and why. */
const boundEverywhere: Record<string, string> = {
  'paddock-tenant-namespace': 'it judges whether a namespace is a tenant, so it cannot select tenants',
  'paddock-rbac-tenant-subjects': 'rights for app service accounts can be granted in any namespace',
  'paddock-app-release': 'app HelmReleases live in flux-system',
};

test('the policy files are strictly valid objects of the pinned Kubernetes (kubeconform -strict)', async () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .map((f) => join(dir, f));
  const out = execFileSync(tool('kubeconform'), kubeconformArgs({ text: true, files }), {
    encoding: 'utf8',
  });
  assert.match(out, new RegExp(`Valid: ${policyNames.length * 2}, Invalid: 0, Errors: 0`));
});

test('kustomization.yaml lists every policy file', async () => {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  assert.deepEqual([...k.resources].sort(), files.sort());
});

test('one policy per concern, each bound with Deny to the app namespaces and failing closed', async () => {
  assert.deepEqual(set.policies.map((p) => p.metadata.name).sort(), [...policyNames].sort());
  for (const p of set.policies) {
    const name = p.metadata.name!;
    assert.match(name, /^paddock-/);
    assert.equal(p.spec.failurePolicy, 'Fail', name);
    assert.ok(p.metadata.annotations?.['paddock.dev/fix'], `${name} has a fix`);
    for (const v of p.spec.validations ?? []) assert.ok(v.message || v.messageExpression, `${name}: every validation has a message`);
    for (const v of p.spec.validations ?? []) assert.ok(v.message, `${name}: a static message backs every messageExpression`);
    const bindings = set.bindings.filter((b) => b.spec.policyName === name);
    assert.equal(bindings.length, 1, `${name} has one binding`);
    assert.deepEqual(bindings[0]!.spec.validationActions, ['Deny']);
    if (name in boundEverywhere) assert.equal(bindings[0]!.spec.matchResources, undefined, `${name} is bound everywhere: ${boundEverywhere[name]}`);
    else assert.deepEqual(bindings[0]!.spec.matchResources?.namespaceSelector, { matchLabels: { 'paddock.dev/tenant': 'true' } });
  }
});

test('every policy has at least one passing and one failing case', async () => {
  for (const name of policyNames) {
    assert.ok(
      allCases.some((c) => c.policy === name && c.expect === 'pass'),
      `${name}: a passing case`,
    );
    assert.ok(
      allCases.some((c) => c.policy === name && c.expect === 'fail'),
      `${name}: a failing case`,
    );
  }
});

// Every case in one engine call; each test reads its own verdict.
const judged = judge(
  set,
  cases.map((c) => ({
    operation: c.operation ?? 'CREATE',
    object: c.object,
    oldObject: c.oldObject ?? null,
    namespace: c.namespace ?? namespace,
    cluster: rendered,
    subResource: c.subResource,
    userInfo: identityOf(c),
  })),
);

test('the API server would accept every platform policy and binding as written', async () => {
  assert.deepEqual((await judged).problems, []);
});

cases.forEach((c, i) => {
  test(`${c.policy} ${c.expect === 'pass' ? 'admits' : 'denies'} ${c.name}`, async () => {
    const j = await judged;
    assert.equal(j.errors[i], undefined, 'the API server can read the object');
    const decisions = j.decisions[i]!;
    for (const d of decisions) assert.ok(d.kind === 'deny' || d.cause === 'params-not-found', `${d.policy} could not be evaluated: ${d.message}`);
    const denied = [...new Set(decisions.map((d) => d.policy))].sort();
    assert.deepEqual(denied, expectedDenials(c), decisions.map((d) => `${d.policy}: ${d.message}`).join('\n'));
    for (const d of decisions) {
      assert.ok(!d.message.includes('XXXX'), 'messages never echo a secret-bearing URL');
      assert.doesNotMatch(d.message, /\n/);
    }
  });
});

test('outside app namespaces nothing is judged (but namespaces, role bindings and app releases)', async () => {
  const failing = cases.filter((c) => c.expect === 'fail' && c.object && !(c.policy in boundEverywhere));
  const other = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app1-ns', labels: {} } };
  const j = await judge(
    set,
    failing.map((c) => ({ object: c.object, namespace: other, cluster: [], userInfo: identityOf(c) })),
  );
  assert.deepEqual(
    j.decisions,
    failing.map(() => []),
    failing.map((c) => c.name).join(', '),
  );
});

test('the component types allowed are the cluster types of the building-block mapping', async () => {
  const blocks = parse(readFileSync(paths.buildingBlocks, 'utf8')) as Record<string, { cluster: { type: string } }>;
  const policy = set.policies.find((p) => p.metadata.name === 'paddock-dapr-component-scope')!;
  const allowed = policy.spec.variables!.find((v) => v.name === 'allowedTypes')!.expression;
  const types = [...allowed.matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
  assert.deepEqual(
    types,
    Object.values(blocks)
      .map((b) => b.cluster.type)
      .sort(),
  );
});

test('the example apps pass every guardrail, their Pods as admitted included', async () => {
  for (const app of ['app1', 'app2']) {
    const out = execFileSync(
      tool('helm'),
      [
        'template',
        app,
        paths.chart,
        '-f',
        join(paths.root, 'apps', app, 'values.yaml'),
        '--namespace',
        `${app}-ns`,
        '--kube-version',
        platformSettings().kubeVersion,
      ],
      { encoding: 'utf8' },
    );
    const objects = out
      .split(/^---$/m)
      .map((d) => parse(d))
      .filter(Boolean);
    assert.deepEqual(await checkManifests(objects, { namespaces: [tenantNamespace(app)], identity: chart }), [], app);
  }
});

test('check: a rendered set without default-deny fails, naming the namespace', async () => {
  const without = rendered.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny'));
  const f = await checkManifests(without, { namespaces: [namespace], file: 'apps/app1/values.yaml', identity: chart });
  assert.deepEqual(
    f.map((x) => x.rule),
    ['paddock-pod-requires-default-deny'],
  );
  assert.match(f[0]!.message, /^Namespace app1-ns has no NetworkPolicy default-deny/);
  assert.equal(f[0]!.path, 'Deployment/app1 (its Pod as admitted, with the Dapr sidecar)');
  assert.equal(f[0]!.file, 'apps/app1/values.yaml');
  assert.ok(f[0]!.fix);
});

test('check: a weakened default-deny fails on itself and on the pods it should hold', async () => {
  const weak = rendered.map((o) =>
    o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny' ? { ...o, spec: { ...(o.spec as object), egress: [{}] } } : o,
  );
  const f = await checkManifests(weak, { namespaces: [namespace], identity: chart });
  assert.deepEqual(f.map((x) => x.rule).sort(), ['paddock-network-default-deny', 'paddock-pod-requires-default-deny']);
});

test('check: a sidecar problem is reported once, on the workload, as admitted', async () => {
  const broken = rendered.map((o) =>
    o.kind === 'Deployment'
      ? {
          ...o,
          spec: {
            ...(o.spec as object),
            template: {
              ...(o.spec as any).template,
              metadata: {
                ...(o.spec as any).template.metadata,
                annotations: { ...(o.spec as any).template.metadata.annotations, 'dapr.io/sidecar-cpu-limit': '3' },
              },
            },
          },
        }
      : o,
  );
  const f = await checkManifests(broken, { namespaces: [namespace], identity: chart });
  assert.deepEqual(
    f.map((x) => x.rule),
    ['paddock-pod-resources'],
  );
  assert.equal(f[0]!.path, 'Deployment/app1 (its Pod as admitted, with the Dapr sidecar)');
  assert.match(f[0]!.message, /daprd/);
});

test('loadPolicies reads the platform policies by default', async () => {
  assert.equal(loadPolicies().policies.length, policyNames.length);
  assert.equal(readYamlObjects(join(dir, 'pod-images.yaml')).length, 2);
});

test('check: findings point at the file and line each object came from', async () => {
  const lines = new Map(rendered.map((o, i) => [o, i + 1]));
  const broken = rendered.map((o) => (o.kind === 'Configuration' ? { ...o, spec: { ...(o.spec as object), accessControl: { defaultAction: 'allow' } } } : o));
  for (const [i, o] of broken.entries()) lines.set(o, i + 1);
  const withoutDeny = broken.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny'));
  const f = await checkManifests(withoutDeny, { namespaces: [namespace], locate: (o) => ({ file: 'out.yaml', line: lines.get(o) }), identity: chart });
  const cfg = f.find((x) => x.rule === 'paddock-dapr-configuration')!;
  assert.equal(cfg.file, 'out.yaml');
  assert.equal(cfg.line, broken.findIndex((o) => o.kind === 'Configuration') + 1);
  const deny = f.find((x) => x.rule === 'paddock-pod-requires-default-deny')!;
  assert.equal(deny.file, 'out.yaml');
  assert.equal(deny.line, broken.findIndex((o) => o.kind === 'Deployment') + 1);
});
