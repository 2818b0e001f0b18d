import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consentGap, type Party } from './consent.js';

const party = (name: string, answersCalls = true): Party => ({ name, namespace: `${name}-ns`, file: `apps/${name}/values.yaml`, answersCalls });
const [shop, orders, worker] = [party('shop'), party('orders'), party('worker', false)];

test('a call both sides declare, or neither, is no gap', () => {
  assert.equal(consentGap(shop, orders, true, true), undefined);
  assert.equal(consentGap(shop, orders, false, false), undefined);
});

test('declared by the caller only: the callee refuses it, and the fix names both files', () => {
  const gap = consentGap(shop, orders, true, false)!;
  assert.equal(gap.side, 'callee');
  assert.equal(gap.field, 'networkPolicy.allowIngressFrom');
  assert.match(gap.message, /^shop says it calls orders \(networkPolicy\.allowEgressTo lists orders-ns\), but orders does not accept calls from shop-ns/);
  assert.match(
    gap.fix,
    /add shop-ns to networkPolicy\.allowIngressFrom in apps\/orders\/values\.yaml; otherwise remove orders-ns from networkPolicy\.allowEgressTo in apps\/shop\/values\.yaml/,
  );
});

test('accepted by the callee only: the caller cannot call, pointed at the caller', () => {
  const gap = consentGap(shop, orders, false, true)!;
  assert.equal(gap.side, 'caller');
  assert.equal(gap.field, 'networkPolicy.allowEgressTo');
  assert.match(gap.message, /orders accepts calls from shop-ns .* so shop cannot call orders\./);
});

test('a call to an app with port: none is refused whoever allows it; the fix points at topics', () => {
  const gap = consentGap(shop, worker, true, false)!;
  assert.equal(gap.side, 'caller');
  assert.match(gap.message, /worker has no port \(port: none\): it answers no calls/);
  assert.match(gap.fix, /Remove worker-ns from networkPolicy\.allowEgressTo in apps\/shop\/values\.yaml; to hand worker work, publish a topic/);
});
