/**
 * doctor: read an app's source, Dockerfile, dependency files and .env files,
 * and report what will break or leak on the platform, each with a fix.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { appNameFor } from '../contract/app-name.js';
import type { Finding } from '../report/finding.js';
import { notFound, UserError } from '../report/errors.js';
import { checkPackageJson, checkPyproject, checkRequirements } from './deps.js';
import { readDockerfile, type DockerfileFacts } from './dockerfile.js';
import { checkDotenv } from './dotenv.js';
import type { SourceFacts, Val } from './facts.js';
import { listAppFiles } from './files.js';
import { jsConstants, prepareJavaScript, readJavaScript, type JsModule } from './javascript.js';
import { loadGrammars, parse } from './parse.js';
import { preparePython, pythonConstants, readPython, type ConstTable, type PythonModule } from './python.js';
import { runRules } from './rules.js';
import { readStart, type PackageScripts, type StartCommand } from './start.js';
import { loadAppValues, type AppValues } from './values.js';

export { daprUses, effectiveListens } from './rules.js';

export const RULES = [
  'hardcoded-secret',
  'secret-from-env',
  'dotenv-file',
  'direct-infra-client',
  'hardcoded-endpoint',
  'missing-health-endpoint',
  'binds-localhost',
  'port-mismatch',
  'writes-outside-tmp',
  'debug-server',
  'unpinned-dependencies',
  'dockerfile-root-user',
  'dockerfile-unpinned-base',
  'unknown-component',
  'undeclared-invocation',
  'bare-app-id',
] as const;

export interface DoctorOptions {
  /** Values file; default DIR/values.yaml. When given explicitly it must exist. */
  values?: string;
  name?: string;
}

export interface DoctorResult {
  name: string;
  findings: Finding[];
  sources: SourceFacts[];
  docker?: DockerfileFacts;
  start?: StartCommand;
  values?: AppValues;
}

/** The app's name: --name, else the folder of a file named values.yaml, else the values file's base name, else the folder. */
function appName(dir: string, valuesFile: string | undefined, name?: string): string {
  if (valuesFile) return appNameFor(valuesFile, name);
  return name ?? basename(resolve(dir));
}

export async function runDoctor(dir: string, opts: DoctorOptions = {}): Promise<DoctorResult> {
  const root = resolve(dir);
  const st = await stat(root).catch(() => undefined);
  if (!st) throw notFound(dir, "Give the folder that holds the app's source: npx paddock doctor apps/app1");
  if (!st.isDirectory()) throw new UserError(`${dir} is not a folder.`, "Give the folder that holds the app's source: npx paddock doctor apps/app1");

  const valuesPath = opts.values ? resolve(opts.values) : resolve(root, 'values.yaml');
  const valuesShown = opts.values ?? join(dir, 'values.yaml');
  const values = await loadAppValues(valuesPath, valuesShown);
  if (opts.values && !values) throw notFound(opts.values, "Give the app's values file with --values, or leave it out to use values.yaml in the app folder.");
  const name = appName(root, values ? valuesPath : undefined, opts.name);

  let files: Awaited<ReturnType<typeof listAppFiles>>;
  try {
    files = await listAppFiles(root);
  } catch (err) {
    throw new UserError(`cannot read ${dir}: ${(err as Error).message}`);
  }
  const findings: Finding[] = [];
  const texts = await Promise.all(files.sources.map((s) => readFile(s.abs, 'utf8')));

  // Parse everything first (grammars loaded once, up front), then resolve constants project-wide.
  await loadGrammars(new Set(files.sources.map((s) => s.grammar)));
  const trees = files.sources.map((s, i) => parse(s.grammar, texts[i]!));
  const modules = files.sources.map((s, i): { py?: PythonModule; js?: JsModule } =>
    s.grammar === 'python' ? { py: preparePython(trees[i]!, s.rel, s.isTest) } : { js: prepareJavaScript(trees[i]!, s.rel, s.isTest) },
  );
  const project: ConstTable = new Map();
  const clash = new Set<string>();
  files.sources.forEach((_, i) => {
    const m = modules[i]!;
    const table = m.py ? pythonConstants(m.py, trees[i]!) : jsConstants(m.js!, trees[i]!);
    for (const [k, v] of table) {
      const prev = project.get(k);
      if (prev && !sameVal(prev, v)) clash.add(k);
      else project.set(k, v);
    }
  });
  for (const k of clash) project.delete(k);
  const sources = files.sources.map((_, i) => {
    const m = modules[i]!;
    const facts = m.py ? readPython(m.py, project) : readJavaScript(m.js!, project);
    trees[i]!.delete();
    return facts;
  });

  let docker: DockerfileFacts | undefined;
  const otherDockerfiles: DockerfileFacts[] = [];
  const mainDockerfile = files.dockerfiles.find((d) => d.rel === 'Dockerfile') ?? files.dockerfiles[0];
  for (const d of files.dockerfiles) {
    const facts = readDockerfile(await readFile(d.abs, 'utf8'), d.rel);
    if (d === mainDockerfile) docker = facts;
    else otherDockerfiles.push(facts);
  }
  const scripts = await packageScripts(files.packageJsons, mainDockerfile ? dirname(mainDockerfile.rel) : '.');
  let start: StartCommand | undefined;
  if (docker?.start) start = readStart(docker.start.argv, docker.start.env, { file: docker.file, line: docker.start.line }, scripts);
  else if (!docker && scripts && sources.every((s) => s.lang === 'node'))
    start = readStart(['npm', 'start'], new Map(), { file: scripts.file, line: 1 }, scripts);
  for (const r of files.requirements) findings.push(...checkRequirements(await readFile(r.abs, 'utf8'), r.rel));
  for (const p of files.pyprojects) findings.push(...checkPyproject(await readFile(p.abs, 'utf8'), p.rel));
  for (const p of files.packageJsons) {
    const folder = dirname(p.rel);
    const hasLock = files.lockfiles.some((l) => dirname(l.rel) === folder);
    findings.push(...checkPackageJson(await readFile(p.abs, 'utf8'), p.rel, hasLock));
  }
  for (const e of files.dotenvs) findings.push(...checkDotenv(await readFile(e.abs, 'utf8'), e.rel));

  findings.push(...runRules({ name, sources, docker, otherDockerfiles, start, values }));
  if (!values) {
    findings.push({
      rule: 'values',
      severity: 'info',
      file: valuesShown,
      message: `No values file (${valuesShown}), so port-mismatch, missing-health-endpoint, unknown-component and undeclared-invocation were not checked.`,
      fix: 'Create one with `npx paddock new` in the app folder, or point doctor at it with --values FILE.',
    });
  }
  return { name, findings: sortFindings(dedupe(findings)), sources, docker, start, values };
}

/** package.json scripts next to the Dockerfile (else at the top), for `npm start` and `npm run X`. */
async function packageScripts(pkgs: { abs: string; rel: string }[], folder: string): Promise<PackageScripts | undefined> {
  const p = pkgs.find((x) => dirname(x.rel) === folder) ?? pkgs.find((x) => x.rel === 'package.json');
  if (!p) return undefined;
  const text = await readFile(p.abs, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const raw = (data as { scripts?: unknown }).scripts;
  const scripts: Record<string, string> = {};
  if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') scripts[k] = v;
  const lines = text.split(/\r?\n/);
  const from = Math.max(
    0,
    lines.findIndex((l) => l.includes('"scripts"')),
  );
  const lineOf = (name: string): number => {
    const i = lines.findIndex((l, n) => n >= from && l.includes(`"${name}"`));
    return i >= 0 ? i + 1 : from + 1;
  };
  return { file: p.rel, scripts, lineOf };
}

function sameVal(a: Val, b: Val): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.rule}|${f.file}|${f.line}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const RANK = { error: 0, warning: 1, info: 2 } as const;

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => RANK[a.severity] - RANK[b.severity] || (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
}
