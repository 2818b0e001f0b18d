import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { readYamlStream } from './yaml-read.js';
import { disagreements, readingsOf, stringifyUnambiguous } from './yaml-readings.js';
import { goPlain } from './go-yaml.js';

const values = (text: string) => readYamlStream(text, { mode: 'values' }).docs[0]!;

test('a values file reads as Helm reads it', () => {
  assert.deepEqual(values('port: 06654\ntag: 1_0\ne: on\nnothing: ~\nq: "06654"\nb: |\n  x\n1: one\ntrue: t\n').value, {
    port: 3500,
    tag: 10,
    e: true,
    true: 't',
    nothing: null,
    q: '06654',
    b: 'x\n',
    1: 'one',
  });
});

test('a values file refuses what Helm would read silently or not at all', () => {
  const refused: [string, RegExp][] = [
    ['port: !!int "8080"\n', /tag !!int is not allowed/],
    ['a: &x {b: 1}\nc:\n  <<: *x\n', /merge keys/],
    ['a: 1\na: 2\n', /appears twice/],
    ['yes: 1\ntrue: 2\n', /key "true" appears twice/],
    ['a: .inf\n', /no JSON form/],
    ['~: 1\n', /cannot be a key/],
    ['%YAML 1.2\n---\na: 1\n', /%YAML 1.2/],
    ['a: [1\n', /.+/],
  ];
  for (const [text, why] of refused) {
    const d = values(text);
    assert.equal(d.value, undefined, text);
    assert.match(d.problems.map((p) => p.message).join(' | '), why, text);
    assert.ok(d.problems[0]?.line, `${text}: a line`);
  }
});

test('a manifest reads as the API server reads it: the last of two keys wins, common tags work', () => {
  const docs = readYamlStream('a: 1\na: 2\n---\nb: !!str 0440\nc: 0440\n---\n# only a comment\n', { mode: 'manifest' }).docs;
  assert.deepEqual(
    docs.map((d) => d.value),
    [{ a: 2 }, { b: '0440', c: 288 }, null],
  );
});

test('aliases expand, but not without end', () => {
  assert.deepEqual(values('a: &x [1, 2]\nb: *x\n').value, { a: [1, 2], b: [1, 2] });
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 8; i++)
    bomb.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(', ')}]`,
    );
  const d = values(`${bomb.join('\n')}\n`);
  assert.equal(d.value, undefined);
  assert.match(d.problems[0]!.message, /too large|expand/);
});

test('disagreements name the field and line, and say how each reader sees it', () => {
  const d = values('image:\n  tag: 1_0\nport: 06654\nstatestore: { enabled: yes }\nowner: 1:20\nok: "06654"\nfine: 8080\n').doc;
  const found = disagreements(d).map((x) => [x.path.join('.'), x.node.range?.[0]]);
  assert.deepEqual(
    found.map((f) => f[0]),
    ['image.tag', 'port', 'statestore.enabled', 'owner'],
  );
  const port = disagreements(d).find((x) => x.path[0] === 'port')!;
  assert.match(port.message, /Helm .* the number 3500.*editors \(YAML 1\.2\) read the number 6654/);
  assert.match(port.fix, /6654/);
  assert.equal(readingsOf('8080').agree, true);
  assert.equal(readingsOf('0x1F').agree, true, 'every reader reads hex the same');
  assert.equal(readingsOf('y').agree, false);
});

test('stringifyUnambiguous: every reader reads each string back as that string', () => {
  const strings = [
    'yes',
    'no',
    'on',
    'y',
    'N',
    '~',
    'null',
    '',
    '06654',
    '1_0',
    '0b1',
    '0o17',
    '0x1F',
    '1:20',
    '2024-01-01',
    '1e3',
    '.inf',
    '.nan',
    '+1',
    '<<',
    '-',
    '1.',
    'true',
    'plain',
    'with space',
    'a: b',
    '- x',
    '#x',
    "it's",
    'ünïcode',
  ];
  const text = stringifyUnambiguous({
    values: Object.fromEntries(strings.map((s, i) => [`k${i}`, s])),
    keys: Object.fromEntries(strings.filter(Boolean).map((s) => [s, s])),
    n: 3500,
    f: 0.5,
    b: true,
    z: null,
  });
  const helm = readYamlStream(text, { mode: 'values' }).docs[0]!.value as Record<string, Record<string, unknown>>;
  for (const version of ['1.1', '1.2'] as const) {
    const other = parse(text, { version }) as typeof helm;
    assert.deepEqual(other, helm, `YAML ${version} reads what Helm reads`);
  }
  strings.forEach((s, i) => {
    assert.equal(helm.values![`k${i}`], s);
  });
  for (const s of strings.filter(Boolean)) assert.equal(helm.keys![s], s);
  assert.deepEqual([helm.n, helm.f, helm.b, helm.z], [3500, 0.5, true, null]);
  assert.equal(goPlain('plain').t, 'str');
  assert.match(text, /^ {2}k0: "yes"$/m);
  assert.match(text, /^ {2}k23: plain$/m, 'text that needs no quotes is left plain');
  assert.throws(() => stringifyUnambiguous({ x: Infinity }));
});
