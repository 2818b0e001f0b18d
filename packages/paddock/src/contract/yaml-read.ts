/**
 * One reading of YAML, the cluster's: values files as Helm reads them and
 * manifests as the API server does (both sigs.k8s.io/yaml over go-yaml v2).
 * The `yaml` package parses the text with every scalar kept as written (its
 * failsafe schema); the values are then made here by go-yaml's rules
 * (go-yaml.ts) and sigs.k8s.io/yaml's conversion to JSON (non-string keys
 * become strings, NaN and infinities are refused). Every reader of values files
 * and manifests in the CLI goes through this module.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node, type Scalar } from 'yaml';
import { formatFloatKey, goPlain, goTagged, type GoScalar } from './go-yaml.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Something a reader refuses, with its 1-based line where known. */
export interface ReadProblem {
  line?: number;
  message: string;
  fix?: string;
  /** The text is not YAML at all (rather than YAML these readers refuse). */
  syntax?: boolean;
}

export interface ReadOptions {
  /**
   * `values`: a values file, which the platform keeps simpler than YAML allows:
   * no tags, no merge keys (`<<`), no key twice (Helm would keep the last one
   * silently). `manifest`: as the API server reads it (the last of two equal
   * keys wins; the common tags are read as go-yaml reads them).
   */
  mode: 'values' | 'manifest';
}

/** One document as read. `value` is undefined when the document cannot be read (then `problems`). */
interface ReadDocument {
  doc: Document.Parsed;
  value?: Json;
  problems: ReadProblem[];
  /** 1-based line of the document's content. */
  line?: number;
}

export interface ReadStream {
  docs: ReadDocument[];
  lines: LineCounter;
}

class ReadError extends Error {
  constructor(
    message: string,
    readonly node?: Node | null,
    readonly fix?: string,
  ) {
    super(message);
  }
}

const MAX_NODES = 100_000;

function goToJson(r: GoScalar, source: string, node: Node): Json {
  switch (r.t) {
    case 'str':
    case 'merge':
      return source;
    case 'null':
      return null;
    case 'bool':
      return r.v;
    case 'int':
      return Number(r.v);
    case 'float':
      if (!Number.isFinite(r.v)) {
        throw new ReadError(
          `${source} is not a number Helm or Kubernetes can use (it has no JSON form)`,
          node,
          `Write a plain number, or put "${source}" in quotes if it is text.`,
        );
      }
      return r.v;
  }
}

/** go-yaml's reading of one scalar node. */
function scalarReading(node: Scalar, mode: ReadOptions['mode']): GoScalar {
  const source = String(node.value);
  if (node.tag) {
    if (mode === 'values') {
      throw new ReadError(
        `the tag ${node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed in a values file`,
        node,
        'Remove the tag; put the value in quotes if it is text.',
      );
    }
    const r = goTagged(node.tag, source);
    if (typeof r === 'string') throw new ReadError(r, node, 'Remove the tag.');
    return r;
  }
  return node.type === 'PLAIN' ? goPlain(source) : { t: 'str' };
}

class Converter {
  private count = 0;
  constructor(
    private readonly doc: Document.Parsed,
    private readonly mode: ReadOptions['mode'],
  ) {}

  value(node: unknown, inFlow = false): Json {
    if (++this.count > MAX_NODES) throw new ReadError('the document is too large, or its aliases (*name) expand too far', null);
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) throw new ReadError(`the alias *${node.source} refers to no anchor`, node);
      return this.value(target, inFlow);
    }
    if (isScalar(node)) {
      // go-yaml refuses a plain value that starts with ':' inside [ ] or { } ("did not find expected node content").
      if (inFlow && node.type === 'PLAIN' && String(node.value).startsWith(':')) {
        throw new ReadError(
          `a value starting with ':' inside [ ] or { } (${String(node.value)}) cannot be read by Helm or Kubernetes`,
          node,
          `Put it in quotes: "${String(node.value)}".`,
        );
      }
      return goToJson(scalarReading(node, this.mode), String(node.value), node);
    }
    if ((isSeq(node) || isMap(node)) && node.tag && this.mode === 'values') {
      throw new ReadError(`the tag ${node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed in a values file`, node, 'Remove the tag.');
    }
    if (isSeq(node)) return node.items.map((item) => this.value(item, inFlow || Boolean(node.flow)));
    if (isMap(node)) {
      const out: Record<string, Json> = {};
      const seen = new Map<string, Node>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        if (isScalar(keyNode) && keyNode.type === 'PLAIN' && !keyNode.tag && keyNode.value === '<<') {
          throw new ReadError(
            'merge keys (<<) are read differently by the tools that handle this file',
            keyNode,
            'Write the settings out in full instead of merging them in with <<.',
          );
        }
        const flow = inFlow || Boolean(node.flow);
        if (flow && isScalar(keyNode) && keyNode.type === 'PLAIN' && String(keyNode.value).startsWith(':')) this.value(keyNode, true);
        const key = this.key(keyNode);
        if (seen.has(key) && this.mode === 'values') {
          throw new ReadError(`the key "${key}" appears twice in the same place (Helm would silently keep only the last one)`, keyNode, 'Keep one of them.');
        }
        seen.set(key, keyNode as Node);
        out[key] = this.value(pair.value, flow);
      }
      return out;
    }
    if (node === null || node === undefined) return null;
    throw new ReadError('this YAML node cannot be read', null);
  }

  /** sigs.k8s.io/yaml: string, int, float and bool keys become strings; null and other keys are refused. */
  private key(node: Node | null): string {
    const target = isAlias(node) ? node.resolve(this.doc) : node;
    if (!isScalar(target)) throw new ReadError('a key must be a plain name, not a list or a map', node);
    const r = scalarReading(target, this.mode);
    switch (r.t) {
      case 'str':
      case 'merge':
        return String(target.value);
      case 'bool':
        return String(r.v);
      case 'int':
        if (r.unsigned) break;
        return r.v.toString();
      case 'float':
        return formatFloatKey(r.v);
      case 'null':
        break;
    }
    throw new ReadError(
      `the key ${String(target.value) || '(empty)'} cannot be a key here (it reads as ${r.t === 'null' ? 'null' : 'a number too large'})`,
      node,
      'Use a name as the key.',
    );
  }
}

function lineAt(lines: LineCounter, node: Node | null | undefined): number | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : lines.linePos(start).line;
}

/** Parse `text` and read every document the way the cluster does. */
export function readYamlStream(text: string, opts: ReadOptions): ReadStream {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, version: '1.1', schema: 'failsafe', uniqueKeys: false, prettyErrors: true });
  const docs: ReadDocument[] = [];
  for (const doc of Array.isArray(parsed) ? parsed : []) {
    const line = lineAt(lines, doc.contents);
    const problems: ReadProblem[] = doc.errors.map((e) => ({
      line: e.linePos?.[0]?.line,
      message: e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? e.message,
      syntax: true,
    }));
    // Helm's reader (go-yaml v2 through sigs.k8s.io/yaml) refuses a %YAML line whatever its version.
    if (doc.directives?.yaml.explicit) {
      problems.push({
        line: 1,
        message: `the %YAML ${doc.directives.yaml.version} line: Helm cannot read a file that starts with one`,
        fix: 'Remove the %YAML line.',
      });
    }
    if (problems.length) {
      docs.push({ doc, problems, line });
      continue;
    }
    try {
      docs.push({ doc, value: new Converter(doc, opts.mode).value(doc.contents), problems, line });
    } catch (err) {
      if (!(err instanceof ReadError)) throw err;
      docs.push({ doc, problems: [{ line: lineAt(lines, err.node) ?? line, message: err.message, fix: err.fix }], line });
    }
  }
  return { docs, lines };
}
