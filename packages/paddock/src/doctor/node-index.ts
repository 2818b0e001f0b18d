import type { Node } from 'web-tree-sitter';

/** The nodes of one tree grouped by type, from a single walk (each walk crosses into WebAssembly node by node). */
export class NodeIndex {
  private readonly byType = new Map<string, Node[]>();

  constructor(root: Node, types: string[]) {
    for (const n of root.descendantsOfType(types)) {
      if (!n) continue;
      let list = this.byType.get(n.type);
      if (!list) this.byType.set(n.type, (list = []));
      list.push(n);
    }
  }

  get(...types: string[]): Node[] {
    return types.length === 1 ? (this.byType.get(types[0]!) ?? []) : types.flatMap((t) => this.byType.get(t) ?? []);
  }
}
