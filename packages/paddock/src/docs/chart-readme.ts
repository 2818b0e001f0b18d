import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isPair, isScalar, parseDocument, type Pair, type YAMLMap } from 'yaml';
import { paths } from '../paths.js';

interface Row {
  key: string;
  value: string;
  description: string;
}

/** `# -- text` comments (helm-docs style) describe the value below them. */
function describe(comment: string | null | undefined): string | undefined {
  if (!comment) return undefined;
  const lines = comment.split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => l.startsWith('-- '));
  if (start < 0) return undefined;
  return lines
    .slice(start)
    .filter((l) => !l.startsWith('@'))
    .map((l) => l.replace(/^-- /, ''))
    .join(' ')
    .trim();
}

function rows(map: YAMLMap, prefix: string, out: Row[]): void {
  map.items.forEach((item, index) => {
    if (!isPair(item)) return;
    const pair = item as Pair;
    const key = `${prefix}${String((pair.key as { value?: unknown }).value)}`;
    // The yaml parser hangs the comment above a map's first key on the map itself.
    const comment = (pair.key as { commentBefore?: string }).commentBefore ?? (index === 0 ? map.commentBefore : undefined);
    const text = describe(comment);
    if (isMap(pair.value) && (pair.value as YAMLMap).items.length > 0) {
      if (text) out.push({ key, value: '', description: text });
      rows(pair.value as YAMLMap, `${key}.`, out);
    } else {
      const value = isScalar(pair.value) ? JSON.stringify(pair.value.value) : JSON.stringify((pair.value as { toJSON(): unknown }).toJSON());
      out.push({ key, value, description: text ?? '' });
    }
  });
}

/** The chart README: intro from README.md.gotmpl, then a table of every value. */
export function chartReadme(): string {
  const doc = parseDocument(readFileSync(join(paths.chart, 'values.yaml'), 'utf8'));
  const out: Row[] = [];
  rows(doc.contents as YAMLMap, '', out);
  const table = [
    '| key | default | what it does |',
    '|---|---|---|',
    ...out.map((r) => `| \`${r.key}\` | ${r.value ? `\`${r.value.replace(/\|/g, '\\|')}\`` : ''} | ${r.description.replace(/\|/g, '\\|')} |`),
  ];
  const intro = readFileSync(join(paths.chart, 'README.md.gotmpl'), 'utf8');
  return intro.replace('{{ values-table }}', table.join('\n'));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  writeFileSync(join(paths.chart, 'README.md'), chartReadme());
}
