import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { kindOf, readRegularFile } from '../contract/regular-file.js';
import { notFound, UserError } from '../report/errors.js';

/** What `paddock check` was given: app values files, and Kubernetes YAML to judge as it is. */
export interface CheckInputs {
  valuesFiles: string[];
  manifestFiles: string[];
  /** Entries of the folders walked that are not regular files (named pipes, sockets, devices): never read. */
  skipped?: { path: string; kind: string }[];
}

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.paddock', '.venv', 'charts', 'templates']);
const SKIP_FILES = /^(paddock\.dev\.ya?ml|secrets\.local.*|Chart\.ya?ml|\.?.*lock.*\.ya?ml|kustomization\.ya?ml)$/;
const KUBE_DOC = /^(apiVersion|kind):/m;

/** The YAML files under `dir`. Only regular files are taken (a symbolic link counts as what it points to); anything else is noted in `skipped`. */
async function walk(dir: string, out: string[], skipped: { path: string; kind: string }[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) await walk(path, out, skipped);
      continue;
    }
    if (!/\.ya?ml$/.test(entry.name) || SKIP_FILES.test(entry.name)) continue;
    const info = entry.isFile() ? entry : await stat(path).catch(() => undefined);
    if (info?.isFile()) out.push(path);
    else skipped.push({ path, kind: info ? kindOf(info) : 'a broken link' });
  }
}

/**
 * Expand folders and sort files into values files and manifests (by content:
 * Kubernetes objects have apiVersion and kind). A path named on the command
 * line that is not a regular file or a folder is a usage error.
 */
export async function collectInputs(args: string[]): Promise<CheckInputs> {
  const files: string[] = [];
  const skipped: { path: string; kind: string }[] = [];
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (!info) throw notFound(arg, 'Give the path of a values file, a manifest or a folder holding them.');
    if (info.isDirectory()) await walk(arg, files, skipped);
    else if (info.isFile()) files.push(arg);
    else
      throw new UserError(
        `${arg} is ${kindOf(info)}, not a file or a folder; paddock reads only regular files`,
        'Give the path of a YAML file or of a folder holding them.',
      );
  }
  const inputs = { valuesFiles: [] as string[], manifestFiles: [] as string[], skipped };
  for (const file of files) {
    const text = await readRegularFile(file);
    if (/^values\.ya?ml$/.test(basename(file)) || !KUBE_DOC.test(text)) inputs.valuesFiles.push(file);
    else inputs.manifestFiles.push(file);
  }
  if (inputs.valuesFiles.length + inputs.manifestFiles.length === 0) throw new UserError(`no YAML files found in ${args.join(', ')}`);
  return inputs;
}
