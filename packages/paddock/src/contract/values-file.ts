import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, type Document } from 'yaml';
import type { Finding } from '../report/finding.js';
import { UserError } from '../report/errors.js';

/** A values file as read from disk: the parsed values and a way back to lines. */
export interface ValuesFile {
  file: string;
  text: string;
  values: Record<string, unknown>;
  doc: Document;
  lines: LineCounter;
}

/** Read and parse a values file. YAML errors come back as findings with their line; a missing file is a UserError. */
export async function readValuesFile(file: string): Promise<{ vf?: ValuesFile; findings: Finding[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${file}: no such file`, 'Check the path; a values file is usually apps/<name>/values.yaml.');
    if (code === 'EISDIR') throw new UserError(`${file} is a folder, not a values file`, `Did you mean ${file.replace(/\/$/, '')}/values.yaml?`);
    throw new UserError(`${file}: cannot read it (${code ?? 'unknown error'})`);
  }
  return parseValuesText(file, text);
}

export function parseValuesText(file: string, text: string): { vf?: ValuesFile; findings: Finding[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const findings: Finding[] = doc.errors.map((e) => ({
    rule: 'yaml',
    severity: 'error' as const,
    file,
    line: e.linePos?.[0]?.line,
    message: `This is not valid YAML: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
    fix: 'Check the indentation (spaces, not tabs) and that every "key: value" pair is on its own line.',
  }));
  if (findings.length) return { findings };
  const values = doc.toJS() ?? {};
  if (!isMap(doc.contents) && doc.contents !== null) {
    return {
      findings: [{ rule: 'yaml', severity: 'error', file, line: 1, message: 'A values file must be a list of "key: value" settings, starting with image:.', fix: 'See apps/app1/values.yaml for an example.' }],
    };
  }
  return { vf: { file, text, values: values as Record<string, unknown>, doc, lines }, findings: [] };
}

/** The 1-based line of a field (or of its closest existing parent). */
export function lineOf(vf: ValuesFile, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? vf.doc.contents : vf.doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return vf.lines.linePos(range[0]).line;
    // A key whose value is null has no node; find the pair's key instead.
    if (n > 0) {
      const parent = n === 1 ? vf.doc.contents : vf.doc.getIn(path.slice(0, n - 1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path[n - 1]);
        const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (keyRange) return vf.lines.linePos(keyRange[0]).line;
      }
    }
  }
  return undefined;
}
