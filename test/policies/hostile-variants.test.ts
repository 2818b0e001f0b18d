/**
 * The variants `cluster test` and the stage-5 e2e test send to the live API
 * server: each must be refused by the policy it names and by no other, so
 * that a live refusal proves that policy. Judged here by the offline
 * evaluator on the chart as rendered (the live API server judges them in
 * `make e2e`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostileVariants, type DeploymentLike } from 'paddock/cluster/hostile-variants.js';
import { checkManifests } from 'paddock/policies/check.js';
import { IDENTITIES } from 'paddock/policies/identities.js';
import type { KubeObject } from 'paddock/policies/types.js';
import { namespace, renderApp1 } from './cases.js';

const rendered = renderApp1();
const deployment = rendered.find((o) => o.kind === 'Deployment') as KubeObject & DeploymentLike;
const judge = (d: KubeObject) =>
  checkManifests(
    rendered.map((o) => (o === deployment ? d : o)),
    { namespaces: [namespace], identity: () => IDENTITIES.chartDelivery },
  );

test("the chart's own Deployment is admitted (the control every variant is judged against)", async () => {
  assert.deepEqual(await judge(deployment), []);
});

test('each hostile variant is refused by its own policy alone, and leaves the original untouched', async () => {
  const before = structuredClone(deployment);
  const variants = hostileVariants('app2');
  assert.deepEqual(
    variants.map((v) => v.policy),
    ['paddock-pod-security-restricted', 'paddock-pod-node-pool', 'paddock-pod-images'],
  );
  for (const v of variants) {
    const findings = await judge(v.of(deployment));
    assert.deepEqual([...new Set(findings.map((f) => f.rule))], [v.policy], `${v.what}: ${findings.map((f) => f.message).join('; ')}`);
  }
  assert.deepEqual(deployment, before);
});

test('the latest variant replaces a tag or a digest, and adds one where the image has neither', () => {
  const [, , latest] = hostileVariants('app2');
  const image = (ref: string) => {
    const d = structuredClone(deployment);
    d.spec.template.spec.containers[0]!.image = ref;
    return latest!.of(d).spec.template.spec.containers[0]!.image;
  };
  assert.equal(image('registry.example:5000/team/app1:1.2.3'), 'registry.example:5000/team/app1:latest');
  assert.equal(image(`registry.example:5000/app1:1.2@sha256:${'a'.repeat(64)}`), 'registry.example:5000/app1:latest');
  assert.equal(image('registry.example:5000/app1'), 'registry.example:5000/app1:latest');
});

test('the pool variant keeps the selector key the chart uses and its other labels', () => {
  const [, pool] = hostileVariants('app2');
  const d = structuredClone(deployment);
  d.spec.template.spec.nodeSelector = { 'example.org/nodepool': 'app1', 'kubernetes.io/os': 'linux' };
  assert.deepEqual(pool!.of(d).spec.template.spec.nodeSelector, { 'example.org/nodepool': 'app2', 'kubernetes.io/os': 'linux' });
});
