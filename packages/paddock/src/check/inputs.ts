import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../report/errors.js';

/** What `paddock check` was given: app values files, and Kubernetes YAML to judge as it is. */
export interface CheckInputs {
  valuesFiles: string[];
  manifestFiles: string[];
}

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.paddock', '.venv', 'charts', 'templates']);
const SKIP_FILES = /^(paddock\.dev\.ya?ml|secrets\.local.*|Chart\.ya?ml|\.?.*lock.*\.ya?ml|kustomization\.ya?ml)$/;
const KUBE_DOC = /^(apiVersion|kind):/m;

async function walk(dir: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) await walk(join(dir, entry.name), out);
    } else if (/\.ya?ml$/.test(entry.name) && !SKIP_FILES.test(entry.name)) {
      out.push(join(dir, entry.name));
    }
  }
}

/** Expand folders and sort files into values files and manifests (by content: Kubernetes objects have apiVersion and kind). */
export async function collectInputs(args: string[]): Promise<CheckInputs> {
  const files: string[] = [];
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (!info) throw new UserError(`${arg}: no such file or folder`);
    if (info.isDirectory()) await walk(arg, files);
    else files.push(arg);
  }
  const inputs: CheckInputs = { valuesFiles: [], manifestFiles: [] };
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => {
      throw new UserError(`${file}: cannot read it`);
    });
    if (/^values\.ya?ml$/.test(basename(file)) || !KUBE_DOC.test(text)) inputs.valuesFiles.push(file);
    else inputs.manifestFiles.push(file);
  }
  if (inputs.valuesFiles.length + inputs.manifestFiles.length === 0) throw new UserError(`no YAML files found in ${args.join(', ')}`);
  return inputs;
}
