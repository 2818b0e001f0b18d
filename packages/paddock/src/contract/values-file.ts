import { isMap, type Document, type LineCounter } from 'yaml';
import type { Finding } from '../report/finding.js';
import { readRegularFile } from './regular-file.js';
import { readYamlStream, type ReadProblem } from './yaml-read.js';

/** A values file as read from disk: the values as Helm reads them, and a way back to lines. */
export interface ValuesFile {
  file: string;
  text: string;
  values: Record<string, unknown>;
  doc: Document.Parsed;
  lines: LineCounter;
}

/**
 * Read and parse a values file. YAML problems come back as findings with their
 * line; a missing file, a folder, or anything that is not a regular file (a
 * named pipe, a socket, a device) is a UserError.
 */
export async function readValuesFile(file: string): Promise<{ vf?: ValuesFile; findings: Finding[] }> {
  return parseValuesText(file, await readRegularFile(file));
}

function yamlFinding(file: string, p: ReadProblem): Finding {
  return {
    rule: 'yaml',
    severity: 'error',
    file,
    line: p.line,
    message: p.syntax ? `This is not valid YAML: ${p.message}` : `${p.message.charAt(0).toUpperCase()}${p.message.slice(1)}.`,
    fix: p.fix ?? 'Check the indentation (spaces, not tabs) and that every "key: value" pair is on its own line.',
  };
}

/** Parse a values file's text the way Helm reads it (contract/yaml-read.ts). */
export function parseValuesText(file: string, text: string): { vf?: ValuesFile; findings: Finding[] } {
  const { docs, lines } = readYamlStream(text, { mode: 'values' });
  const problems = docs.flatMap((d) => d.problems);
  if (problems.length) return { findings: problems.map((p) => yamlFinding(file, p)) };
  // Helm merges the documents of a multi-document values file; the platform keeps one, so what is checked is what runs.
  const filled = docs.filter((d) => d.value !== null && d.value !== undefined);
  if (filled.length > 1) {
    return {
      findings: [
        {
          rule: 'yaml',
          severity: 'error',
          file,
          line: filled[1]?.line,
          message: 'This file holds more than one YAML document (a line "---" starts another); a values file is one document.',
          fix: 'Put every setting in one document and remove the extra "---" line.',
        },
      ],
    };
  }
  const main = filled[0] ?? docs[0];
  if (main && main.value !== null && main.value !== undefined && !isMap(main.doc.contents)) {
    return {
      findings: [
        {
          rule: 'yaml',
          severity: 'error',
          file,
          line: main.line ?? 1,
          message: 'A values file must be a list of "key: value" settings, starting with image:.',
          fix: 'See apps/app1/values.yaml for an example.',
        },
      ],
    };
  }
  if (!main) {
    // An empty file: no document at all.
    const empty = readYamlStream('{}', { mode: 'values' }).docs[0]!;
    return { vf: { file, text, values: {}, doc: empty.doc, lines }, findings: [] };
  }
  return { vf: { file, text, values: (main.value ?? {}) as Record<string, unknown>, doc: main.doc, lines }, findings: [] };
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
