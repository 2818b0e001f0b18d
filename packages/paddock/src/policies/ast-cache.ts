/**
 * Parsed CEL expressions kept on disk between runs. Parsing the policies'
 * ~170 expressions is most of a cold `paddock check` (the planner and the
 * evaluation are fast), so the parsed syntax trees are cached in
 * `.paddock/cache/cel-ast.json`, keyed by expression text and the
 * @bufbuild/cel version. A missing, stale or unreadable cache only costs a parse.
 */
import { parse } from '@bufbuild/cel';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { paths } from '../paths.js';

type Parsed = ReturnType<typeof parse>;

const celVersion: string = (() => {
  try {
    const require = createRequire(import.meta.url);
    return (require('@bufbuild/cel/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

export const astCacheFile = join(paths.state, 'cache', 'cel-ast.json');

let entries: Map<string, string> | undefined;
let dirty = false;

function disabled(): boolean {
  return process.env.PADDOCK_NO_CACHE === '1';
}

function load(): Map<string, string> {
  if (entries) return entries;
  entries = new Map();
  if (disabled()) return entries;
  try {
    const data = JSON.parse(readFileSync(astCacheFile, 'utf8')) as { version: string; entries: Record<string, string> };
    if (data.version === celVersion) entries = new Map(Object.entries(data.entries));
  } catch {
    /* no cache yet */
  }
  return entries;
}

function save(): void {
  if (!dirty || !entries || disabled()) return;
  try {
    mkdirSync(dirname(astCacheFile), { recursive: true });
    const tmp = `${astCacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: celVersion, entries: Object.fromEntries(entries) }));
    renameSync(tmp, astCacheFile);
    dirty = false;
  } catch {
    /* a read-only checkout: no cache */
  }
}

// bigint ids and int constants, and bytes constants, do not survive plain JSON.
function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
  return v;
}

function reviver(_key: string, v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.$bigint === 'string' && Object.keys(o).length === 1) return BigInt(o.$bigint);
    if (typeof o.$bytes === 'string' && Object.keys(o).length === 1) return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
  }
  return v;
}

/** parse(), through the cache. Every call returns a fresh tree (callers may rewrite it). */
export function parseCached(expression: string): Parsed {
  const cache = load();
  const hit = cache.get(expression);
  if (hit !== undefined) {
    try {
      return JSON.parse(hit, reviver) as Parsed;
    } catch {
      /* fall through to a parse */
    }
  }
  const parsed = parse(expression); // throws on a syntax error: not cached
  cache.set(expression, JSON.stringify(parsed, replacer));
  if (!dirty) {
    dirty = true;
    process.once('exit', save);
  }
  return parsed;
}
