// One reading of YAML, the cluster's: the CLI's reader (contract/yaml-read.ts)
// must read every scalar exactly as paddock-engine does — helm's own values
// loading and sigs.k8s.io/yaml over go-yaml v2, the reader of Helm, Flux and
// the API server. Thousands of generated scalars (seeded and replayable:
// PADDOCK_YAML_SEED=<n>) and hand-picked ones go through both; the JSON must
// be identical. And YAML written by stringifyUnambiguous must read back as
// written, in the engine and in YAML 1.1 and 1.2 readers.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { readYamlStream } from 'paddock/contract/yaml-read.js';
import { stringifyUnambiguous } from 'paddock/contract/yaml-readings.js';
import { runEngine } from 'paddock/render/engine.js';

const SEED = Number(process.env.PADDOCK_YAML_SEED ?? 20251201);
const GENERATED = Number(process.env.PADDOCK_YAML_CASES ?? 3000);

/** mulberry32: a small seeded generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HAND_PICKED = [
  '06654',
  '0644',
  '010',
  '08',
  '09',
  '0',
  '00',
  '-0',
  '+0',
  '1_0',
  '1__0',
  '_1',
  '1_',
  '0b1',
  '0b101',
  '-0b101',
  '0b+1',
  '0b-1',
  '0B11',
  '0b2',
  '0b',
  '0x1F',
  '0X1f',
  '-0x1F',
  '+0x10',
  '0x',
  '0x_1F',
  '0o17',
  '0O7',
  '+0o7',
  '0o8',
  '1:20',
  '1:20:30',
  '-1:20',
  '190:20:30.15',
  '1e3',
  '1E3',
  '1e+3',
  '1e-3',
  '1.e3',
  '.5e3',
  '1e',
  '1e400',
  '1e-400',
  '5e-324',
  '1.7976931348623157e308',
  '1.7976931348623159e308',
  '+1',
  '-1',
  '+',
  '-',
  '.',
  '..',
  '1.',
  '.5',
  '+.5',
  '-.5',
  '.5_0',
  '._5',
  '.5_',
  '1_000.5',
  '0_8',
  '1.5e3_0',
  '.5e1_0',
  '18446744073709551615',
  '18446744073709551616',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775808',
  '-9223372036854775809',
  '0x8000000000000000',
  '0xFFFFFFFFFFFFFFFF',
  '0x10000000000000000',
  `0b${'1'.repeat(64)}`,
  `0b${'1'.repeat(65)}`,
  '99999999999999999999',
  '12345678901234567890123',
  'y',
  'Y',
  'n',
  'N',
  'yes',
  'Yes',
  'YES',
  'yEs',
  'no',
  'No',
  'NO',
  'on',
  'On',
  'ON',
  'oN',
  'off',
  'Off',
  'OFF',
  'true',
  'True',
  'TRUE',
  'tRUE',
  'false',
  'False',
  'FALSE',
  '~',
  'null',
  'Null',
  'NULL',
  'nULL',
  '',
  '.inf',
  '.Inf',
  '.INF',
  '+.inf',
  '-.inf',
  '-.Inf',
  '.iNf',
  'inf',
  '+inf',
  'infinity',
  '.nan',
  '.NaN',
  '.NAN',
  'nan',
  'NaN',
  '2024-01-01',
  '2024-1-1',
  '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10',
  '1234-',
  '12345-1',
  '<<',
  '=',
  'latest',
  '1.0.0',
  'v1',
  '1.0',
  '3500m',
  '256Mi',
];

function generated(n: number, seed: number): string[] {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const atoms = [
    '0',
    '1',
    '7',
    '8',
    '9',
    '_',
    '.',
    'e',
    'E',
    '+',
    '-',
    'x',
    'X',
    'o',
    'O',
    'b',
    'B',
    ':',
    'f',
    'F',
    'a',
    'n',
    'N',
    'y',
    'Y',
    'i',
    't',
    'r',
    'u',
    's',
    'l',
    '~',
  ];
  const starts = ['', '', '', '0', '0x', '0o', '0b', '-', '+', '.', '-0', '+0', 'y', 'n', 'o', 't', 'f', '2024-'];
  const words = ['yes', 'no', 'on', 'off', 'true', 'false', 'null', 'inf', 'nan', 'Yes', 'NO', 'Off', 'True', 'NULL'];
  const out: string[] = [];
  while (out.length < n) {
    const r = next();
    let s: string;
    if (r < 0.1) s = pick(words) + (next() < 0.5 ? '' : pick(atoms));
    else if (r < 0.2) s = `${Math.floor(next() * 1e6)}${pick(['', '_', '.', 'e', ':'])}${Math.floor(next() * 100)}`;
    else {
      s = pick(starts);
      const len = Math.floor(next() * 8);
      for (let i = 0; i < len; i++) s += next() < 0.55 ? String(Math.floor(next() * 10)) : pick(atoms);
    }
    // Keep to plain scalars that YAML's own syntax allows after "v: " (no indicator starts, no ": " or " #").
    if (/^[-?:][\s]?$|^[-?:] |^[,[\]{}#&*!|>'"%@`]|: |:$| #/.test(s)) continue;
    out.push(s);
  }
  return out;
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );

/**
 * Each document through the engine's reader (sigs.k8s.io/yaml) and the CLI's;
 * where they differ, the scalar and both readings. The CLI may refuse what the
 * engine takes (a clear error, never a different value): those are collected
 * in `stricter` and must be YAML syntax errors the author is told about.
 */
async function compareManifests(docs: string[], stricter: string[] = []): Promise<string[]> {
  const text = docs.join('---\n');
  const [r] = await runEngine({ manifests: [{ name: 'scalars.yaml', manifest: text }], objects: true });
  const engine = r!.objects ?? [];
  const cli = readYamlStream(text, { mode: 'manifest' }).docs;
  assert.equal(engine.length, docs.length, 'the engine read one object per document');
  assert.equal(cli.length, docs.length, 'the CLI read one object per document');
  const diffs: string[] = [];
  docs.forEach((doc, i) => {
    const e = engine[i]!.error ? 'refused' : canonical(engine[i]!.object);
    const c = cli[i]!.value === undefined ? 'refused' : canonical(cli[i]!.value);
    if (c === 'refused' && e !== 'refused' && cli[i]!.problems.every((p) => p.syntax)) stricter.push(doc);
    else if (e !== c) diffs.push(`${JSON.stringify(doc)}: engine ${e}${engine[i]!.error ? ` (${engine[i]!.error})` : ''}, CLI ${c}`);
  });
  return diffs;
}

const scalars = [...new Set([...HAND_PICKED, ...generated(GENERATED, SEED)])];

describe(`the CLI reads YAML as the cluster does (seed ${SEED}, ${scalars.length} scalars; replay with PADDOCK_YAML_SEED=${SEED})`, () => {
  it('as values, in block and flow style', async () => {
    const stricter: string[] = [];
    const diffs = await compareManifests(
      scalars.flatMap((s) => [`v: ${s}\n`, `v: [${s}]\n`]),
      stricter,
    );
    assert.deepEqual(diffs.slice(0, 20), [], `${diffs.length} readings differ`);
    // Where the CLI is stricter it is about YAML syntax only ("v: [-]" is a syntax error to it, the text "-" to go-yaml).
    assert.ok(stricter.length < scalars.length / 100, `the CLI refuses ${stricter.length} documents the engine reads: ${stricter.slice(0, 5).join(' ')}`);
  });

  it('as keys (int, float and bool keys become strings; null keys are refused)', async () => {
    const diffs = await compareManifests(scalars.filter((s) => s !== '' && s !== '<<').map((s) => `${s}: 1\n`));
    assert.deepEqual(diffs.slice(0, 20), [], `${diffs.length} readings differ`);
  });

  it('quoted and block scalars are text, and tags read as go-yaml reads them', async () => {
    const docs = HAND_PICKED.flatMap((s) => [`v: "${s}"\n`, `v: '${s}'\n`, `v: |-\n  ${s}\n`, `v: !!str ${s || '""'}\n`]);
    docs.push(
      'v: !!int "12"\n',
      'v: !!float 1\n',
      'v: !!bool yes\n',
      'v: !!null ~\n',
      'v: !custom 12\n',
      'v: ! 12\n',
      'v: !!int abc\n',
      'v: "\\x41\\u00e9\\N\\_"\n',
      'a: 1\na: 2\n',
    );
    const diffs = await compareManifests(docs);
    assert.deepEqual(diffs, []);
  });

  it("as a values file, through helm's own values loading (a chart that prints .Values)", async () => {
    const chart = mkdtempSync(join(tmpdir(), 'paddock-values-echo-'));
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: echo\nversion: 0.1.0\n');
    mkdirSync(join(chart, 'templates'));
    writeFileSync(
      join(chart, 'templates', 'values.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: values }\ndata:\n  values: {{ toJson .Values | quote }}\n',
    );
    const picked = [...HAND_PICKED, ...scalars.slice(HAND_PICKED.length, HAND_PICKED.length + 400)];
    const results = await runEngine({
      chart,
      releases: picked.map((s, i) => ({ name: `r${i}`, namespace: 'x', valuesYaml: `v: ${s}\nlist: [${s}]\n` })),
      objects: true,
    });
    const diffs: string[] = [];
    picked.forEach((s, i) => {
      const r = results[i]!;
      const mine = readYamlStream(`v: ${s}\nlist: [${s}]\n`, { mode: 'values' }).docs[0]!;
      const helm = r.error ? 'refused' : canonical(JSON.parse(String((r.objects?.[0]?.object as { data: { values: string } } | undefined)?.data.values)));
      const expected = mine.value === undefined ? 'refused' : canonical(mine.value);
      if (helm !== expected) diffs.push(`${JSON.stringify(s)}: helm ${helm}${r.error ? ` (${r.error.split('\n')[0]})` : ''}, CLI ${expected}`);
    });
    assert.deepEqual(diffs.slice(0, 20), [], `${diffs.length} readings differ`);
  });

  it('stringifyUnambiguous writes every string so that the engine, YAML 1.1 and YAML 1.2 read it back as written', async () => {
    const strings = scalars.filter((s) => !/\s/.test(s));
    const docs = strings.map((s) => stringifyUnambiguous({ v: s, [s || 'empty']: s }));
    const [r] = await runEngine({ manifests: [{ name: 'written.yaml', manifest: docs.join('---\n') }], objects: true });
    const wrong: string[] = [];
    strings.forEach((s, i) => {
      const want = canonical({ v: s, [s || 'empty']: s });
      const o = r!.objects?.[i];
      if (!o || o.error || canonical(o.object) !== want) wrong.push(`${JSON.stringify(s)} → engine ${o?.error ?? canonical(o?.object)}`);
      for (const version of ['1.1', '1.2'] as const) {
        const other = parse(docs[i]!, { version });
        if (canonical(other) !== want) wrong.push(`${JSON.stringify(s)} → YAML ${version} ${canonical(other)}`);
      }
    });
    assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} strings read back differently`);
  });
});
