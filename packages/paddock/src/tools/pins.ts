import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** tools/versions.env as a map: its plain KEY=value lines (comments and anything else ignored); empty when the file is missing. */
export function readPins(toolsDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const file = join(toolsDir, 'versions.env');
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(\S*)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
