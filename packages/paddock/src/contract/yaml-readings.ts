/**
 * The same plain scalar means different things to different YAML readers:
 * Helm and Kubernetes (go-yaml v2, YAML 1.1 with Go's number syntax), editors
 * and their language servers (YAML 1.2), and YAML 1.1 readers such as
 * Python's. This module finds the scalars of a values file that they disagree
 * on, and writes YAML that every one of them reads back the same.
 */
import { Document, isMap, isScalar, isSeq, Schema, visit, type Scalar, type ScalarTag, type ToStringOptions } from 'yaml';
import { goPlain, type GoScalar } from './go-yaml.js';

type Reading = { kind: 'text' } | { kind: 'null' } | { kind: 'boolean'; value: boolean } | { kind: 'number'; value: number };

function scalarTags(schema: 'core' | 'yaml-1.1'): ScalarTag[] {
  return new Schema({ schema }).tags.filter(
    (t): t is ScalarTag => !('collection' in t && t.collection) && t.default === true && t.tag !== 'tag:yaml.org,2002:merge',
  );
}
const YAML12 = scalarTags('core');
// Dates are left out: a YAML 1.1 reader's date is not a disagreement anyone reported, and every reader keeps such text as written otherwise.
const YAML11_ALL = scalarTags('yaml-1.1');
const YAML11 = YAML11_ALL.filter((t) => t.tag !== 'tag:yaml.org,2002:timestamp');

function byTags(tags: ScalarTag[], s: string): Reading {
  const tag = tags.find((t) => t.test?.test(s));
  if (!tag) return { kind: 'text' };
  const v = tag.resolve(s, () => undefined, { intAsBigInt: false } as never) as unknown;
  const value = isScalar(v) ? v.value : v;
  if (value === null) return { kind: 'null' };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (typeof value === 'number' || typeof value === 'bigint') return { kind: 'number', value: Number(value) };
  return { kind: 'text' };
}

function byHelm(s: string): Reading {
  const r: GoScalar = goPlain(s);
  switch (r.t) {
    case 'null':
      return { kind: 'null' };
    case 'bool':
      return { kind: 'boolean', value: r.v };
    case 'int':
      return { kind: 'number', value: Number(r.v) };
    case 'float':
      return { kind: 'number', value: r.v };
    default:
      return { kind: 'text' };
  }
}

function same(a: Reading, b: Reading): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'number' && b.kind === 'number') return Object.is(a.value, b.value) || a.value === b.value || (Number.isNaN(a.value) && Number.isNaN(b.value));
  if (a.kind === 'boolean' && b.kind === 'boolean') return a.value === b.value;
  return true;
}

function describe(r: Reading, s: string): string {
  switch (r.kind) {
    case 'text':
      return `the text "${s}"`;
    case 'null':
      return 'empty (null)';
    case 'boolean':
      return String(r.value);
    case 'number':
      return `the number ${r.value}`;
  }
}

/** How the readers see a plain scalar: Helm's reading, and whether any reader sees it differently. */
export function readingsOf(s: string): { helm: Reading; yaml12: Reading; yaml11: Reading; agree: boolean } {
  const helm = byHelm(s);
  const yaml12 = byTags(YAML12, s);
  const yaml11 = byTags(YAML11, s);
  return { helm, yaml12, yaml11, agree: same(helm, yaml12) && same(helm, yaml11) };
}

/** A plain scalar that the readers disagree on, with what to write instead. */
export interface Disagreement {
  /** The field (for a key: the key's own path). */
  path: (string | number)[];
  node: Scalar;
  message: string;
  fix: string;
}

function explain(s: string, where: string): { message: string; fix: string } | undefined {
  const r = readingsOf(s);
  if (r.agree) return undefined;
  const readers: [string, Reading][] = [
    ['Helm (and so the cluster)', r.helm],
    ['editors (YAML 1.2)', r.yaml12],
    ['YAML 1.1 tools such as Python', r.yaml11],
  ];
  const groups: { who: string[]; reading: Reading }[] = [];
  for (const [who, reading] of readers) {
    const g = groups.find((x) => same(x.reading, reading));
    if (g) g.who.push(who);
    else groups.push({ who: [who], reading });
  }
  const [first, ...rest] = groups.map((g) => `${g.who.join(' and ')} read${g === groups[0] ? ' it as' : ''} ${describe(g.reading, s)}`);
  const message = `${where} is written ${s}: ${first}, but ${rest.join(', and ')}.`;
  let fix: string;
  if (r.helm.kind === 'boolean') {
    fix = `Write ${r.helm.value} if that is what you mean, or put it in quotes ("${s}") if it is text.`;
  } else if (r.helm.kind === 'number') {
    const plain = [...new Set([r.helm, r.yaml12, r.yaml11].flatMap((x) => (x.kind === 'number' ? [x.value] : [])))];
    fix = `Write the plain decimal you mean (${plain.join(' or ')}), without leading zeros, underscores or a prefix, or put it in quotes ("${s}") if it is text.`;
  } else {
    fix = `Put it in quotes ("${s}") so that every reader sees the same text.`;
  }
  return { message, fix };
}

/** Every plain scalar (key or value) of a document that the YAML readers read differently. */
export function disagreements(doc: Document.Parsed): Disagreement[] {
  const out: Disagreement[] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key;
        const name = isScalar(key) ? String(key.value) : '?';
        if (isScalar(key) && key.type === 'PLAIN' && !key.tag) {
          const e = explain(name, path.length ? `The key "${name}" under ${path.join('.')}` : `The key "${name}"`);
          if (e) out.push({ path: [...path, name], node: key, ...e });
        }
        walk(pair.value, [...path, name]);
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) walk(item, [...path, i]);
    } else if (isScalar(node) && node.type === 'PLAIN' && !node.tag) {
      const e = explain(String(node.value), path.join('.') || 'The value');
      if (e) out.push({ path, node, ...e });
    }
  };
  walk(doc.contents, []);
  return out;
}

/** True when some YAML reader would not read `s`, written plain, as this very text. */
function plainIsAmbiguous(s: string): boolean {
  return goPlain(s).t !== 'str' || s === '<<' || [...YAML12, ...YAML11_ALL].some((t) => t.test?.test(s));
}

/**
 * YAML for `value` that Helm, Flux, the API server, editors and YAML 1.1 tools
 * all read back as `value`: every string that any of them would read as
 * something else when written plain (`yes`, `06654`, `1_0`, `0b1`, `1:20`,
 * `2024-01-01`, `~`, …) is double-quoted. Numbers must be finite.
 */
export function stringifyUnambiguous(value: unknown, options: ToStringOptions = {}): string {
  const doc = new Document(value, { version: '1.2' });
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value === 'number' && !Number.isFinite(node.value)) throw new Error(`${node.value} has no YAML form that every reader reads as a number`);
      if (typeof node.value === 'string' && plainIsAmbiguous(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString(options);
}
