/** What both source readers (Python, JavaScript/TypeScript) share: their context and small tree helpers. */
import type { Node } from 'web-tree-sitter';
import type { Loc, SourceFacts, Val } from './facts.js';
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
  /** Names bound to a web-app object, with its framework (`app` → `flask`, `express`). */
  apps: Map<string, string>;
  usesDaprSdk: boolean;
}

export const field = (n: Node, name: string): Node | undefined => n.childForFieldName(name) ?? undefined;
export const named = (n: Node | undefined): Node[] => (n ? (n.namedChildren.filter(Boolean) as Node[]) : []);
export const loc = (ctx: ReaderContext, n: Node): Loc => ({ file: ctx.facts.file, line: n.startPosition.row + 1 });
