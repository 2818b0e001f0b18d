/** Line numbers of fields in a values file, for findings. */
import { isMap, LineCounter, parseDocument } from 'yaml';

/** 1-based line of the deepest existing node along `path` (e.g. ['networkPolicy', 'allowIngressFrom']). */
export function lineOf(text: string | undefined, path: string[]): number | undefined {
  if (!text) return undefined;
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const key of path) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
    if (!pair) break;
    const range = (pair.key as { range?: [number, number, number] }).range;
    if (range) line = counter.linePos(range[0]).line;
    node = pair.value;
  }
  return line;
}
