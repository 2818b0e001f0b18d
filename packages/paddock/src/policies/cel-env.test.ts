import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile, isCelError, toCelInput } from './cel-env.js';

const noVars = () => {
  throw new Error('no variables here');
};
const run = (expr: string, object: unknown = {}) => compile(expr)({ object: toCelInput(object) }, noVars);

test('the quantity library answers like Kubernetes', () => {
  assert.equal(run("quantity('2Gi').compareTo(quantity('2048Mi'))"), 0n);
  assert.equal(run("quantity('500m').isLessThan(quantity('1'))"), true);
  assert.equal(run("quantity('3').isGreaterThan(quantity('2'))"), true);
  assert.equal(run("quantity('1') == quantity('1000m')"), true);
  assert.equal(run("quantity('2k').asInteger()"), 2000n);
  assert.equal(run("quantity('1.5').asApproximateFloat()"), 1.5);
  assert.equal(run("quantity('1.5').isInteger()"), false);
  assert.equal(run("quantity('-2').sign()"), -1n);
  assert.equal(run("quantity('1').add(quantity('500m')) == quantity('1500m')"), true);
  assert.equal(run("quantity('1').sub(1) == quantity('0')"), true);
  assert.equal(run("isQuantity('256Mi')"), true);
  assert.equal(run("isQuantity('256MB')"), false);
});

test('errors are values, not exceptions', () => {
  assert.ok(isCelError(run("quantity('256MB')")));
  assert.ok(isCelError(run("quantity('1.5').asInteger()")));
  assert.ok(isCelError(run('object.missing.field')));
  assert.equal(run('false && object.missing.field'), false);
});

test('objects look as Kubernetes shows them: whole numbers are int', () => {
  assert.equal(run('object.replicas == 2 && type(object.replicas) == int', { replicas: 2 }), true);
  assert.equal(run('type(object.ratio) == double', { ratio: 0.5 }), true);
  assert.equal(run("object.l.map(c, c.name).join(', ')", { l: [{ name: 'a' }, { name: 'b' }] }), 'a, b');
  assert.equal(run("'x'.lowerAscii() + 'a,b'.split(',')[1] + 'abc'.substring(1)"), 'xbbc');
});

test('variables are lazy and shared', () => {
  let evaluated = 0;
  const expr = compile('variables.a + variables.a');
  const inner = compile('object.n * 2');
  const cache = new Map<string, unknown>();
  const resolve = (name: string) => {
    if (!cache.has(name)) {
      evaluated++;
      cache.set(name, inner({ object: toCelInput({ n: 21 }) }, resolve));
    }
    return cache.get(name) as never;
  };
  assert.equal(expr({}, resolve), 84n);
  assert.equal(evaluated, 1);
  assert.equal(compile('true || variables.never')({}, noVars), true);
});

test('unparsable expressions throw with the parser message', () => {
  assert.throws(() => compile('object.'), /./);
});
