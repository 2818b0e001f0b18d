import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { paths } from '../paths.js';
import { readYamlStream } from './yaml-read.js';

/**
 * An app's name: `--name`, else the folder of a file called values.yaml
 * (apps/app1/values.yaml is app1; a values.yaml in the working folder is that
 * folder's name), else the file's base name (app1.yaml is app1).
 */
export function appNameFor(file: string, override?: string): string {
  if (override) return override;
  const base = basename(file);
  if (/^values\.ya?ml$/.test(base)) return basename(dirname(resolve(file))) || 'app';
  return basename(base, extname(base));
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The names no app may have (charts/app/files/reserved-names.yaml, the one source the chart reads too). */
export interface ReservedNames {
  maxLength: number;
  exact: string[];
  prefixes: string[];
}

const reservedNamesFile = join(paths.chart, 'files', 'reserved-names.yaml');

let reserved: ReservedNames | undefined;

export function reservedNames(): ReservedNames {
  if (reserved) return reserved;
  const doc = readYamlStream(readFileSync(reservedNamesFile, 'utf8'), { mode: 'values' }).docs[0];
  const v = doc?.value as Partial<ReservedNames> | undefined;
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (!v || typeof v.maxLength !== 'number' || !strings(v.exact) || !strings(v.prefixes)) {
    throw new Error(`${reservedNamesFile} must hold maxLength (a number) and the string lists exact and prefixes`);
  }
  reserved = { maxLength: v.maxLength, exact: v.exact, prefixes: v.prefixes };
  return reserved;
}

/**
 * Why a name cannot be an app name, or undefined when it can. The chart's
 * "paddock.name" helper says the same sentences.
 */
export function appNameProblem(name: string): string | undefined {
  const r = reservedNames();
  if (!DNS_LABEL.test(name)) {
    return `the app name "${name}" must use only lowercase letters, digits and '-', and start with a letter`;
  }
  if (name.length > r.maxLength) {
    return `the app name "${name}" is ${name.length} characters long; at most ${r.maxLength} fit (Helm's limit for a release name)`;
  }
  if (r.exact.includes(name)) {
    return `the app name "${name}" is reserved: the platform uses it for one of its own parts (a node pool, namespace or component, or a Redis or Vault user), or YAML reads it as true, false or null`;
  }
  const prefix = r.prefixes.find((p) => name.startsWith(p));
  if (prefix) {
    return `the app name "${name}" starts with "${prefix}", which the platform keeps for the namespaces and components of Kubernetes and of the platform itself`;
  }
  return undefined;
}

/** What to do about a name appNameProblem refused. */
export const APP_NAME_FIX = 'Rename the app folder, or pass --name with another name (for example my-app).';
