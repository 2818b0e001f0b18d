import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { appNameProblem } from '../contract/app-name.js';
import { paths } from '../paths.js';

/** charts/app/files/reserved-names.yaml: names no app may take. */
export interface ReservedNames {
  exact: string[];
  prefixes: string[];
  maxLength: number;
}

export function reservedNames(chartDir: string = paths.chart): ReservedNames {
  const raw = parse(readFileSync(join(chartDir, 'files', 'reserved-names.yaml'), 'utf8')) as Partial<ReservedNames> | null;
  const list = (x: unknown): string[] => (Array.isArray(x) ? x.map(String) : []);
  return { exact: list(raw?.exact), prefixes: list(raw?.prefixes), maxLength: typeof raw?.maxLength === 'number' ? raw.maxLength : 53 };
}

/**
 * Why `name` cannot be onboarded, or undefined when it can: the contract's
 * rule, the platform's reserved names and prefixes, and Helm's release-name
 * limit. Checked before anything is written.
 */
export function onboardNameProblem(name: string, reserved: ReservedNames = reservedNames()): string | undefined {
  const contract = appNameProblem(name);
  if (contract) return contract;
  if (reserved.exact.includes(name)) return `the app name "${name}" is reserved for the platform`;
  const prefix = reserved.prefixes.find((p) => name.startsWith(p));
  if (prefix) return `the app name "${name}" starts with "${prefix}", which is reserved for the platform`;
  if (name.length > reserved.maxLength) return `the app name "${name}" is ${name.length} characters long; at most ${reserved.maxLength} fit (Helm's limit for a release name)`;
  return undefined;
}
