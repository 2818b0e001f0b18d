import { basename, dirname, extname } from 'node:path';

/**
 * An app's name: `--name`, else the folder of a file called values.yaml
 * (apps/app1/values.yaml is app1), else the file's base name (app1.yaml is app1).
 */
export function appNameFor(file: string, override?: string): string {
  if (override) return override;
  const base = basename(file);
  if (/^values\.ya?ml$/.test(base)) return basename(dirname(file === base ? `./${file}` : file)) || 'app';
  return basename(base, extname(base));
}

export const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Why a name cannot be an app name, or undefined when it can. */
export function appNameProblem(name: string): string | undefined {
  if (!DNS_LABEL.test(name)) {
    return `the app name "${name}" must use only lowercase letters, digits and '-', and start with a letter`;
  }
  if (name.length > 60) return `the app name "${name}" is longer than 60 characters`;
  return undefined;
}
