import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareQuantities, parseQuantity } from './quantity.js';

const q = (s: string) => {
  const v = parseQuantity(s);
  assert.ok(v, `${s} should parse`);
  return v;
};

test('parses the forms resource.ParseQuantity accepts', () => {
  for (const s of ['1', '0.5', '.5', '5.', '500m', '2Gi', '2048Mi', '1e3', '1E-3', '+1', '-1', '1k', '1M', '100n', '3u']) {
    assert.ok(parseQuantity(s), s);
  }
});

test('rejects what Kubernetes rejects', () => {
  for (const s of ['', '.', 'Gi', '256MB', '1K', '1 Gi', '1e', '1.2.3', 'abc', '1Gib']) {
    assert.equal(parseQuantity(s), undefined, s);
  }
});

test('compares exactly across units', () => {
  assert.equal(compareQuantities(q('2Gi'), q('2048Mi')), 0);
  assert.equal(compareQuantities(q('1'), q('1000m')), 0);
  assert.equal(compareQuantities(q('0.5'), q('500m')), 0);
  assert.equal(compareQuantities(q('2001m'), q('2')), 1);
  assert.equal(compareQuantities(q('2G'), q('2Gi')), -1);
  assert.equal(compareQuantities(q('1e3'), q('1k')), 0);
  assert.equal(compareQuantities(q('-1'), q('0')), -1);
});
