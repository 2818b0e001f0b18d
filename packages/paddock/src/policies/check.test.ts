import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkManifests, tenantNamespace } from './check.js';
import type { KubeObject } from './types.js';

test('malformed objects never throw: the policies judge what the API server can read, and say which they cannot', async () => {
  const weird: unknown[] = [
    null,
    1,
    'x',
    [],
    {},
    { kind: 1, apiVersion: 2 },
    { kind: 'Deployment', apiVersion: 'apps/v1' },
    { kind: 'Deployment', apiVersion: 'apps/v1', metadata: 'x', spec: 'y' },
    { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'd', namespace: 'app1-ns' }, spec: { template: 'x' } },
    { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'd', namespace: 'app1-ns' }, spec: { template: { spec: 5 } } },
    {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'd', namespace: 'app1-ns' },
      spec: { template: { metadata: { annotations: 'x' }, spec: { containers: 'x' } } },
    },
    { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'app1-ns', labels: 5 }, spec: { containers: [null, 1, { name: 2, image: 3 }] } },
    {
      kind: 'Component',
      apiVersion: 'dapr.io/v1alpha1',
      metadata: { name: 'c', namespace: 'app1-ns' },
      spec: { type: 'bindings.http', metadata: 'x' },
      scopes: 'x',
    },
    { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', metadata: { name: 'default-deny', namespace: 'app1-ns' }, spec: null },
  ];
  const findings = await checkManifests(weird as KubeObject[], { namespaces: [tenantNamespace('app1')] });
  assert.ok(findings.length > 0);
  for (const f of findings) {
    assert.equal(typeof f.message, 'string');
    assert.ok(f.rule.startsWith('paddock-') || f.rule === 'admission', f.rule);
  }
  // What the API server cannot read (a template that is a string) is never passed silently.
  const unreadable = findings.filter((f) => f.rule === 'admission');
  assert.ok(
    unreadable.some((f) => f.path === 'Deployment/d' && /the API server cannot read it/.test(f.message)),
    JSON.stringify(unreadable),
  );
});
