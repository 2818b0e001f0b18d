/**
 * The policies restate facts that live elsewhere (the Dapr release, the chart,
 * the building-block mapping, the platform settings): each copy is checked
 * here against its source, so a change in one place cannot leave a guardrail
 * judging the old value.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { platformSettings } from 'paddock/contract/platform-settings.js';
import { reservedNames } from 'paddock/contract/app-name.js';
import { injectorSettingsFromRelease } from 'paddock/policies/injector-settings.js';
import { loadPolicies } from 'paddock/policies/load.js';
import { gvrOf } from 'paddock/policies/resources.js';
import { paths, tool } from 'paddock/paths.js';

const set = loadPolicies();

/** The string literal a policy variable holds, or the list of string literals it lists. */
function variable(policy: string, name: string): string {
  const p = set.policies.find((x) => x.metadata.name === policy);
  assert.ok(p, `policy ${policy}`);
  const v = p.spec.variables?.find((x) => x.name === name);
  assert.ok(v, `${policy} has variable ${name}`);
  return v.expression;
}
const literal = (expr: string): string => /^'([^']*)'$/.exec(expr.trim())?.[1] ?? assert.fail(`not a string literal: ${expr}`);
const literals = (expr: string): string[] => [...expr.matchAll(/'([^']*)'/g)].map((m) => m[1]!);

const injector = injectorSettingsFromRelease()!;

test("the sidecar image the policies expect is the one the platform's Dapr release injects", () => {
  assert.equal(literal(variable('paddock-dapr-sidecar', 'sidecarImage')), injector.sidecarImage);
});

test("Sentry's token audience and the control plane's address follow the Dapr release", () => {
  const audience = `spiffe://${injector.controlPlaneTrustDomain}/ns/${injector.controlPlaneNamespace}/dapr-sentry`;
  assert.equal(literal(variable('paddock-pod-service-account-token', 'sentryAudience')), audience);
  assert.equal(literal(variable('paddock-serviceaccount-token-requests', 'sentryAudience')), audience);
  assert.equal(literal(variable('paddock-dapr-sidecar', 'controlPlane')), `.${injector.controlPlaneNamespace}.svc.cluster.local`);
});

test('the component rules follow the building-block mapping and the platform settings', () => {
  const blocks = parse(readFileSync(paths.buildingBlocks, 'utf8')) as Record<string, { cluster: { type: string; metadata: { name: string }[] } }>;
  const expr = variable('paddock-dapr-component-scope', 'metadataNames');
  for (const b of Object.values(blocks)) {
    const entry = new RegExp(`'${b.cluster.type.replace(/\./g, '\\.')}': \\[([^\\]]*)\\]`).exec(expr);
    assert.ok(entry, `metadataNames lists ${b.cluster.type}`);
    assert.deepEqual(literals(entry[1]!).sort(), b.cluster.metadata.map((m) => m.name).sort(), b.cluster.type);
  }
  const platform = (parse(readFileSync(join(paths.chart, 'values.yaml'), 'utf8')) as { platform: { redis: { host: string } } }).platform;
  assert.equal(literal(variable('paddock-dapr-component-scope', 'redisHost')), platform.redis.host);
  const helpers = readFileSync(join(paths.chart, 'templates', '_helpers.tpl'), 'utf8');
  const secretsDir = /define "paddock\.secretsDir" -\}\}([^{]+)\{\{/.exec(helpers)![1];
  assert.equal(literal(variable('paddock-dapr-component-scope', 'secretsFile')), `${secretsDir}/secrets.json`);
});

test('every kind the chart renders is one the tenant-objects policy lets the chart write', () => {
  const out = execFileSync(
    tool('helm'),
    [
      'template',
      'app1',
      paths.chart,
      '-f',
      join(paths.root, 'test', 'fixtures', 'values', 'good', 'everything-on.yaml'),
      '--namespace',
      'app1-ns',
      '--kube-version',
      platformSettings().kubeVersion,
    ],
    { encoding: 'utf8' },
  );
  const allowed = new Set([...literals(variable('paddock-tenant-objects', 'chartKinds')), ...literals(variable('paddock-tenant-objects', 'free'))]);
  for (const o of parseAllDocuments(out)
    .map((d) => d.toJS() as { apiVersion: string; kind: string } | null)
    .filter((o): o is { apiVersion: string; kind: string } => !!o)) {
    const gvr = gvrOf(o);
    assert.ok(allowed.has(`${gvr.group}/${gvr.resource}`), `the chart renders ${o.kind}, which paddock-tenant-objects does not let helm-controller write`);
  }
});

test('the app names the policies refuse are the reserved names (charts/app/files/reserved-names.yaml)', () => {
  const r = reservedNames();
  for (const policy of ['paddock-tenant-namespace', 'paddock-app-release']) {
    assert.deepEqual(literals(variable(policy, 'reserved')).sort(), [...r.exact].sort(), policy);
    assert.deepEqual(literals(variable(policy, 'reservedPrefixes')).sort(), [...r.prefixes].sort(), policy);
    const p = set.policies.find((x) => x.metadata.name === policy)!;
    assert.ok(
      p.spec.validations!.some((v) => v.expression.includes(`size(variables.${policy === 'paddock-app-release' ? 'name' : 'app'}) <= ${r.maxLength}`)),
      `${policy} uses maxLength ${r.maxLength}`,
    );
  }
});
