import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactQuantity, isQuantityText, quantityProblem } from './quantity.js';

const max = { cpu: '2', memory: '2Gi' };

test('quantities are exact fractions, numbers included', () => {
  assert.deepEqual(exactQuantity('250m'), { num: 250n, den: 1000n });
  assert.deepEqual(exactQuantity(0.5), { num: 5n, den: 10n });
  assert.deepEqual(exactQuantity(1e-9), { num: 1n, den: 1000000000n });
  assert.deepEqual(exactQuantity('1Gi'), { num: 2n ** 30n, den: 1n });
  for (const bad of ['', 'abc', '1 Gi', '1GB', '--1', '1e3m', '.']) assert.equal(exactQuantity(bad), undefined, bad);
});

test('a CPU amount is more than 0, whole millicores and at most the maximum, whatever its YAML type', () => {
  const refused: [unknown, RegExp][] = [
    [0, /zero/],
    ['0', /zero/],
    ['0m', /zero/],
    [0.0, /zero/],
    ['-0', /zero/],
    [-1, /less than zero/],
    ['-500m', /less than zero/],
    [0.0001, /less than 1m/],
    [1e-9, /less than 1m/],
    ['0.5m', /less than 1m/],
    [1.0005, /finer than a millicore/],
    ['1500.5m', /finer/],
    [2.5, /maximum of 2 CPUs/],
    [3, /maximum/],
    ['2001m', /maximum/],
    ['2.0000000000000001', /maximum/],
    ['1e3', /maximum/],
    ['2 cores', /not a CPU amount/],
    [true, /not a CPU amount/],
    [null, /not a CPU amount/],
  ];
  for (const [v, why] of refused) assert.match(quantityProblem('cpu', v, max) ?? 'accepted', why, JSON.stringify(v));
  for (const v of ['1m', '250m', 0.5, '0.5', 1, '2', 2, '2000m', 1.005, '.001']) assert.equal(quantityProblem('cpu', v, max), undefined, String(v));
});

test('a memory amount is more than 0 and at most the maximum', () => {
  const refused: [unknown, RegExp][] = [
    [0, /zero/],
    ['0Mi', /zero/],
    ['-1Gi', /less than zero/],
    ['3Gi', /maximum of 2Gi/],
    ['2049Mi', /maximum/],
    ['2148M', /maximum/],
    ['256MB', /not a memory amount/],
  ];
  for (const [v, why] of refused) assert.match(quantityProblem('memory', v, max) ?? 'accepted', why, JSON.stringify(v));
  for (const v of ['1Mi', '256Mi', '1.5Gi', '2Gi', '2048Mi', '2147M']) assert.equal(quantityProblem('memory', v, max), undefined, v);
});

test('a quantity as written in an annotation: no spaces around it, any exponent', () => {
  for (const ok of ['250m', '0.5', '.5', '5.', '1e3', '1E-2', '+1Gi', '-1', '128Mi', '1e200']) assert.equal(isQuantityText(ok), true, ok);
  for (const bad of ['', '.', ' 1', '1 ', '128MB', '1e3m', 'm', '1.2.3', '0x10']) assert.equal(isQuantityText(bad), false, bad);
});
