import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from '@bufbuild/cel';
import { parseCached } from './ast-cache.js';

/** The tree as data: bigint and bytes spelled out, undefined fields dropped (JSON leaves them out too). */
const normal = (v: unknown) =>
  JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `bytes:${[...x].join(',')}` : x));

test('a cached syntax tree equals a fresh parse, ints, uints and bytes included', () => {
  const expr = "b'\\x00xy' == object.b && 3u > 1u && -5 < 0 && [1.5, 'a'].size() == 2 && object.l.all(x, x > 1)";
  const first = parseCached(expr);
  const second = parseCached(expr); // from the cache
  assert.equal(normal(second), normal(parse(expr)));
  assert.equal(normal(first), normal(parse(expr)));
  assert.equal(typeof (second.expr as any).id, 'bigint');
  assert.notEqual(first, second, 'each call returns its own tree');
});

test('syntax errors are thrown, not cached', () => {
  assert.throws(() => parseCached('object.'));
  assert.throws(() => parseCached('object.'));
});
