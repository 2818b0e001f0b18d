/** What both source readers (Python, JavaScript/TypeScript) share: their context and the small syntax helpers. */
import type { Node } from 'web-tree-sitter';
import type { Loc, SourceFacts, Val } from './facts.js';
import type { ServerId } from './frameworks.js';
import type { NodeIndex } from './node-index.js';

/** Module-level constants a module defines, resolved, for other modules that import them. */
export type ConstTable = Map<string, Val>;

/** A reader's state while it walks one module. */
export interface ReaderContext {
  facts: SourceFacts;
  index: NodeIndex;
  /** name → the node assigned to it; null when assigned more than once. */
  locals: Map<string, Node | null>;
  project: ConstTable;
  /** Import aliases: local name → dotted module path (`getenv` → `os.getenv`). */
  aliases: Map<string, string>;
  /** Names bound to a web-app object, with the server its `.run()`/`.listen()` starts (`app` → `flask`, `express`). */
  apps: Map<string, ServerId>;
  usesDaprSdk: boolean;
}

export const field = (n: Node, name: string): Node | undefined => n.childForFieldName(name) ?? undefined;
export const named = (n: Node | undefined): Node[] => (n ? (n.namedChildren.filter(Boolean) as Node[]) : []);
export const loc = (ctx: ReaderContext, n: Node): Loc => ({ file: ctx.facts.file, line: n.startPosition.row + 1 });

/** TypeScript/JavaScript wrappers that do not change a value: `(x)`, `x as T`, `x!`, `await x`. */
const JS_WRAPPERS = new Set(['parenthesized_expression', 'as_expression', 'non_null_expression', 'satisfies_expression', 'type_assertion', 'await_expression']);

export function isWrapper(n: Node): boolean {
  return JS_WRAPPERS.has(n.type);
}

export function unwrap(n: Node | undefined): Node | undefined {
  while (n && JS_WRAPPERS.has(n.type)) n = named(n)[0];
  return n;
}

const DOTTED_TYPES = new Set(['identifier', 'attribute', 'member_expression', 'property_identifier']);

/** The dotted name of a callee or attribute chain (`os.environ.get`, `app.listen`), with import aliases expanded. */
export function dotted(ctx: ReaderContext, node: Node | undefined): string {
  const n = unwrap(node);
  if (!n || !DOTTED_TYPES.has(n.type)) return '';
  const text = n.text.replace(/\s+|\?/g, '');
  const [head, ...rest] = text.split('.');
  const target = ctx.aliases.get(head!);
  return target ? [target, ...rest].join('.') : text;
}

/** Backslash escapes of a string literal; `extra` adds the language's own (JavaScript: `` ` `` and `$`). */
export function unescape(s: string, extra = ''): string {
  const re = new RegExp(`\\\\([nrt\\\\'"${extra.replace(/[$`]/g, (c) => `\\${c}`)}])`, 'g');
  return s.replace(re, (_, c: string) => (({ n: '\n', r: '\r', t: '\t' }) as Record<string, string>)[c] ?? c);
}

/** The prefix letters of a Python string (`f`, `rb`…), lower-cased. */
export function stringPrefix(node: Node): string {
  return (/^[A-Za-z]*/.exec(node.text)?.[0] ?? '').toLowerCase();
}

/** A Python string without interpolations, from its text: prefix and quotes removed. */
export function pythonStringValue(node: Node): string {
  const text = node.text;
  const prefix = /^[A-Za-z]*/.exec(text)?.[0] ?? '';
  const body = text.slice(prefix.length);
  const q = body.startsWith('"""') || body.startsWith("'''") ? 3 : 1;
  const inner = body.slice(q, body.length - q);
  return prefix.toLowerCase().includes('r') ? inner : unescape(inner);
}

/** The text of a plain string literal (Python: not an f-string; JavaScript: a template without `${}`), else undefined. */
export function literalString(node: Node | undefined): string | undefined {
  const n = unwrap(node);
  if (!n) return undefined;
  if (n.type === 'string') return stringPrefix(n).includes('f') ? undefined : pythonStringValue(n);
  if (n.type === 'template_string' && !named(n).some((c) => c.type === 'template_substitution')) return unescape(n.text.slice(1, -1), '`$');
  return undefined;
}

/**
 * Join path parts the way os.path.join / path.join do: an absolute part (or the
 * app folder, `{appdir}`) starts again; `absolute` (path.resolve) anchors a
 * relative result at the app folder.
 */
export function joinPath(parts: string[], absolute = false): string {
  let out = '';
  for (const p of parts) {
    if (p.startsWith('/') || p.startsWith('{appdir}')) out = p;
    else out = out ? `${out.replace(/\/$/, '')}/${p}` : p;
  }
  if (absolute && !out.startsWith('/') && !out.startsWith('{')) out = `{appdir}/${out}`;
  return out.replace(/\/\.\//g, '/');
}
