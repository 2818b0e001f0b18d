// go-yaml v2's readings, as Helm and the API server see them; test/cli/yaml-readers.test.ts checks
// the same against the real engine with thousands of generated scalars.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFloatKey, goPlain, goTagged } from './go-yaml.js';

const read = (s: string): unknown => {
  const r = goPlain(s);
  return r.t === 'str' || r.t === 'merge' ? s : r.t === 'null' ? null : r.t === 'bool' ? r.v : r.t === 'int' ? Number(r.v) : r.v;
};

test('numbers the YAML 1.2 core schema does not know, or reads otherwise', () => {
  const cases: [string, unknown][] = [
    ['06654', 3500],
    ['010', 8],
    ['0o17', 15],
    ['0x1F', 31],
    ['0b101', 5],
    ['-0b101', -5],
    ['0b+1', 1],
    ['0b-1', -1],
    ['1_0', 10],
    ['1_000.5', 1000.5],
    ['.5_0', 0.5],
    ['+1', 1],
    ['09', 9],
    ['1e3', 1000],
    ['1.', 1],
    ['+.5', 0.5],
    ['18446744073709551615', 18446744073709551615],
    ['9223372036854775808', 9223372036854775808],
  ];
  for (const [s, want] of cases) assert.equal(read(s), want, s);
});

test('booleans and nulls of YAML 1.1, and what stays text', () => {
  for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']) assert.equal(read(s), true, s);
  for (const s of ['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']) assert.equal(read(s), false, s);
  for (const s of ['', '~', 'null', 'Null', 'NULL']) assert.equal(read(s), null, JSON.stringify(s));
  // Base-60 numbers and timestamps stay text in go-yaml (the latter when read into an untyped value); so do odd spellings.
  for (const s of [
    '1:20',
    '2024-01-01',
    '2001-12-14 21:59:43.10',
    'tRUE',
    'nULL',
    'yES',
    '0x',
    '0b2',
    '1e400',
    '._5',
    '.5_',
    '+',
    '-',
    '<<',
    '0x1_0000_0000_0000_0000',
  ]) {
    assert.equal(read(s), s, s);
  }
  assert.ok(Number.isNaN(read('.nan') as number));
  assert.equal(read('-.inf'), -Infinity);
});

test('explicit tags read as go-yaml does, or are refused', () => {
  assert.deepEqual(goTagged('tag:yaml.org,2002:int', '12'), { t: 'int', v: 12n });
  assert.deepEqual(goTagged('tag:yaml.org,2002:float', '1'), { t: 'float', v: 1 });
  assert.deepEqual(goTagged('tag:yaml.org,2002:str', '06654'), { t: 'str' });
  assert.deepEqual(goTagged('!custom', '12'), { t: 'str' });
  assert.match(goTagged('tag:yaml.org,2002:int', 'abc') as string, /cannot decode !!str `abc` as a !!int/);
  assert.match(goTagged('tag:yaml.org,2002:binary', 'aGk=') as string, /not supported/);
});

test('float keys are written as sigs.k8s.io/yaml writes them (float32, shortest)', () => {
  const cases: [number, string][] = [
    [1.5, '1.5'],
    [0.1, '0.1'],
    [100000, '100000'],
    [1e6, '1e+06'],
    [123456789, '1.2345679e+08'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5, '-2.5'],
    [1e39, '.inf'],
  ];
  for (const [v, want] of cases) assert.equal(formatFloatKey(v), want, String(v));
});
