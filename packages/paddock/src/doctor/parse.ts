/**
 * tree-sitter grammars for Python and JavaScript/TypeScript, loaded once per
 * process. All grammars a scan needs are loaded before the first parse:
 * web-tree-sitter loads a grammar in ~10 ms on a fresh heap but can take a
 * second once parsing has grown the WebAssembly memory.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { layout, paths } from '../paths.js';

export type Grammar = 'python' | 'javascript' | 'typescript' | 'tsx';

/** Every grammar, as a list (a Grammar missing here fails to compile): `npm pack` ships exactly these (package/stage.ts). */
export const GRAMMARS = Object.keys({ python: true, javascript: true, typescript: true, tsx: true } satisfies Record<Grammar, true>) as Grammar[];

const require = createRequire(import.meta.url);
let ready: Promise<void> | undefined;
const languages = new Map<Grammar, Language>();
let parser: Parser | undefined;

function wasmPath(g: Grammar): string {
  // An installed paddock carries only these grammars (share/grammars), not all of tree-sitter-wasms (50 MB).
  if (layout === 'installed') return join(paths.root, 'grammars', `tree-sitter-${g}.wasm`);
  return join(dirname(require.resolve('tree-sitter-wasms/package.json')), 'out', `tree-sitter-${g}.wasm`);
}

/** Load the given grammars (each at most once per process). */
export async function loadGrammars(grammars: Iterable<Grammar>): Promise<void> {
  if (!ready) {
    // A CLI run is short: V8's optimising WebAssembly compiler (TurboFan) spends about
    // a second of CPU on the grammars and pays back only in long runs. Baseline code only.
    setFlagsFromString('--liftoff-only');
    ready = Parser.init();
  }
  await ready;
  for (const g of grammars) {
    if (languages.has(g)) continue;
    languages.set(g, await Language.load(await readFile(wasmPath(g))));
  }
  parser ??= new Parser();
}

/** Parse source text; the grammar must have been loaded. */
export function parse(g: Grammar, text: string): Tree {
  const lang = languages.get(g);
  if (!lang || !parser) throw new Error(`grammar ${g} is not loaded`);
  parser.setLanguage(lang);
  const tree = parser.parse(text);
  if (!tree) throw new Error(`could not parse as ${g}`);
  return tree;
}

export function grammarFor(file: string): Grammar | undefined {
  if (/\.pyw?$/.test(file)) return 'python';
  if (/\.tsx$/.test(file)) return 'tsx';
  if (/\.[mc]?ts$/.test(file) && !file.endsWith('.d.ts')) return 'typescript';
  if (/\.(?:[mc]?js|jsx)$/.test(file)) return 'javascript';
  return undefined;
}
