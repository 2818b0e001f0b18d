/** Finds the files of an app that doctor reads, skipping installed dependencies and build output. */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { grammarFor, type Grammar } from './parse.js';

const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
  '.venv',
  'venv',
  'env',
  '.env',
  'site-packages',
  'dist',
  'build',
  'out',
  '.next',
  '.nuxt',
  'coverage',
  '.paddock',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.tox',
  '.cache',
  '.idea',
  '.vscode',
  'bower_components',
  'vendor',
]);
const MAX_BYTES = 512 * 1024;

export interface AppFiles {
  sources: { rel: string; abs: string; grammar: Grammar; isTest: boolean }[];
  dockerfiles: { rel: string; abs: string }[];
  requirements: { rel: string; abs: string }[];
  pyprojects: { rel: string; abs: string }[];
  packageJsons: { rel: string; abs: string }[];
  lockfiles: { rel: string; abs: string }[];
  dotenvs: { rel: string; abs: string }[];
}

const LOCKFILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock']);

function isTestPath(rel: string): boolean {
  return /(^|\/)(tests?|__tests__|spec)\//.test(rel) || /(^|\/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py|[^/]*\.(test|spec)\.[mc]?[jt]sx?)$/.test(rel);
}

export async function listAppFiles(dir: string): Promise<AppFiles> {
  const out: AppFiles = { sources: [], dockerfiles: [], requirements: [], pyprojects: [], packageJsons: [], lockfiles: [], dotenvs: [] };
  async function walk(abs: string): Promise<void> {
    const entries = await readdir(abs, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(abs, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) await walk(p);
        continue;
      }
      if (!e.isFile()) continue;
      const rel = relative(dir, p).split(sep).join('/');
      const name = e.name;
      const entry = { rel, abs: p };
      if (/^Dockerfile(\..+)?$|\.Dockerfile$|^Containerfile$/i.test(name)) out.dockerfiles.push(entry);
      else if (/^requirements.*\.(txt|in)$/.test(name)) out.requirements.push(entry);
      else if (name === 'pyproject.toml') out.pyprojects.push(entry);
      else if (name === 'package.json') out.packageJsons.push(entry);
      else if (LOCKFILES.has(name)) out.lockfiles.push(entry);
      else if (/^\.env(\..*)?$|\.env$/.test(name)) out.dotenvs.push(entry);
      else {
        const grammar = grammarFor(name);
        if (!grammar || /\.min\.js$/.test(name)) continue;
        if ((await stat(p)).size > MAX_BYTES) continue;
        out.sources.push({ ...entry, grammar, isTest: isTestPath(rel) });
      }
    }
  }
  await walk(dir);
  return out;
}
