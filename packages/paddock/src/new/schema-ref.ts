/**
 * The `$schema=` reference `paddock new` writes on the first line of a values
 * file, so that editors (yaml-language-server) complete and check it:
 *
 * - in paddock's own checkout, the relative path to charts/app/values.schema.json;
 * - installed, the relative path to the contract that the paddock installed in
 *   the author's project carries (node_modules/paddock/share/…): it keeps
 *   working in their repository, for everyone who runs `npm install` there.
 *   When no project above the file has paddock installed (npx, a global
 *   install), the path is the one `npm install --save-dev paddock` at the
 *   project root (package.json, else .git, else the working folder) makes
 *   valid, and `note` says so.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { layout, packageInfo, paths } from '../paths.js';

export interface SchemaRef {
  ref: string;
  /** Set when the reference does not resolve yet, saying what makes it work. */
  note?: string;
}

const CONTRACT_IN_PACKAGE = ['share', 'charts', 'app', 'values.schema.json'];

const posix = (p: string): string => p.split(sep).join('/');

function ancestors(dir: string): string[] {
  const out = [dir];
  while (dirname(out[out.length - 1]!) !== out[out.length - 1]) out.push(dirname(out[out.length - 1]!));
  return out;
}

/** The reference for a values file written into `dir` (absolute). */
export function schemaRefFor(dir: string): SchemaRef {
  if (layout === 'checkout') return { ref: posix(relative(dir, paths.contract)) };
  const { name } = packageInfo();
  const contractUnder = (d: string): string => join(d, 'node_modules', ...name.split('/'), ...CONTRACT_IN_PACKAGE);
  const installed = ancestors(dir).find((d) => existsSync(contractUnder(d)));
  if (installed) return { ref: posix(relative(dir, contractUnder(installed))) };
  const cwd = process.cwd();
  const project =
    ancestors(dir).find((d) => existsSync(join(d, 'package.json'))) ??
    ancestors(dir).find((d) => existsSync(join(d, '.git'))) ??
    (ancestors(dir).includes(cwd) ? cwd : dir);
  return {
    ref: posix(relative(dir, contractUnder(project))),
    note: `Editor support: the $schema line points at ${posix(relative(dir, contractUnder(project)))}, which exists once paddock is installed in ${project} (npm install --save-dev paddock, or its packed .tgz, there).`,
  };
}
