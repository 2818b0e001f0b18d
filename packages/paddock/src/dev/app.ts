import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { checkValuesFile, healthOf, type Health } from '../contract/index.js';
import { notFound, UserError } from '../report/errors.js';

/** How to start an app from source, from its paddock.dev.yaml (paths already absolute). */
export interface RunSpec {
  /** The program and its arguments; a relative program path is resolved against `cwd`. */
  command: string[];
  cwd: string;
  env: Record<string, string>;
  install?: InstallSpec;
}

/** First-run set-up: run `run` (in `cwd`) whenever the inputs' hash differs from the one in `stamp`. */
export interface InstallSpec {
  inputs: string[];
  stamp: string;
  cwd: string;
  run: string[][];
}

/** The part of the values file `paddock dev` acts on (the contract validated the rest). */
export interface DevValues {
  /** The port it answers web requests on; undefined for `port: none` (a worker or a client). */
  port?: number;
  /** What readiness and liveness check, as in the cluster (contract/health.ts). */
  health: Health;
  networkPolicy: { allowIngressFrom: string[]; allowEgressTo: string[] };
  statestore: { enabled: boolean };
  secretstore: { enabled: boolean; keys?: string[] };
  /** Topics it sends, topics it receives, and who may receive its topics (see connectivity/topics.ts). */
  pubsub: { enabled: boolean; publishes: string[]; subscribes: string[]; allowSubscribersFrom: string[] };
  binding: { enabled: boolean; name?: string; url?: string };
}

/** One app to run locally. */
export interface DevApp {
  name: string;
  namespace: string;
  /** The app's folder (where values.yaml, paddock.dev.yaml and secrets.local.yaml live). */
  dir: string;
  valuesFile: string;
  devFile: string;
  /** The author's local secrets (git-ignored), if present. */
  secretsFile: string;
  values: DevValues;
  run: RunSpec;
}

const DEV_FILE = 'paddock.dev.yaml';
const SECRETS_FILE = 'secrets.local.yaml';

/** How a path is shown to the user: relative to the working directory when that is shorter. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Read and check an app folder (or its values file) for `paddock dev`. Any problem is one UserError line. */
export async function loadDevApp(target: string): Promise<DevApp> {
  const abs = resolve(target);
  if (!existsSync(abs)) throw notFound(target, 'Give the folder of an app, for example apps/app1.');
  const valuesFile = statSync(abs).isDirectory() ? join(abs, 'values.yaml') : abs;
  const dir = dirname(valuesFile);
  if (!existsSync(valuesFile)) {
    throw new UserError(`${shown(dir)} has no values.yaml`, "An app folder holds the app's values.yaml; create one with `npx paddock new`.");
  }

  const { app, findings } = await checkValuesFile(valuesFile);
  const firstError = findings.find((f) => f.severity === 'error');
  if (!app || firstError) {
    const f = firstError;
    const where = `${shown(valuesFile)}${f?.line ? `:${f.line}` : ''}`;
    throw new UserError(
      `${where}: ${f?.path && !f.message.startsWith(f.path) ? `${f.path}: ` : ''}${f?.message ?? 'the values file does not pass the contract'}`,
      f?.fix ? `fix: ${f.fix} (npx paddock validate ${shown(valuesFile)} lists every problem)` : `Run npx paddock validate ${shown(valuesFile)} for details.`,
    );
  }

  const devFile = join(dir, DEV_FILE);
  return {
    name: app.name,
    namespace: app.namespace,
    dir,
    valuesFile,
    devFile,
    secretsFile: join(dir, SECRETS_FILE),
    values: devValues(app.values),
    run: await readRunSpec(devFile),
  };
}

/** The values with the contract's defaults applied. */
export function devValues(v: Record<string, unknown>): DevValues {
  const obj = (x: unknown): Record<string, unknown> => (x && typeof x === 'object' ? (x as Record<string, unknown>) : {});
  const list = (x: unknown): string[] => (Array.isArray(x) ? x.map(String) : []);
  const np = obj(v.networkPolicy);
  const ss = obj(v.secretstore);
  const b = obj(v.binding);
  const ps = obj(v.pubsub);
  const health = healthOf(v);
  return {
    ...(health.port !== undefined ? { port: health.port } : {}),
    health,
    networkPolicy: { allowIngressFrom: list(np.allowIngressFrom), allowEgressTo: list(np.allowEgressTo) },
    statestore: { enabled: obj(v.statestore).enabled === true },
    secretstore: { enabled: ss.enabled === true, ...(Array.isArray(ss.keys) ? { keys: list(ss.keys) } : {}) },
    pubsub: {
      enabled: ps.enabled === true,
      publishes: list(ps.publishes),
      subscribes: list(ps.subscribes),
      allowSubscribersFrom: list(ps.allowSubscribersFrom),
    },
    binding: {
      enabled: b.enabled === true,
      ...(typeof b.name === 'string' ? { name: b.name } : {}),
      ...(typeof b.url === 'string' ? { url: b.url } : {}),
    },
  };
}

function isStringList(x: unknown): x is string[] {
  return Array.isArray(x) && x.length > 0 && x.every((s) => typeof s === 'string' && s.length > 0);
}

/** Parse paddock.dev.yaml: command, cwd, env, install. */
export async function readRunSpec(devFile: string): Promise<RunSpec> {
  const where = shown(devFile);
  const example = 'For example:\n  command: [.venv/bin/python, app.py]\n  cwd: .';
  let text: string;
  try {
    text = await readFile(devFile, 'utf8');
  } catch {
    throw new UserError(`${where} is missing: paddock dev needs it to know how to start the app from source`, example);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new UserError(`${where} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const spec = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const known = new Set(['command', 'cwd', 'env', 'install']);
  const unknown = Object.keys(spec).find((k) => !known.has(k));
  if (unknown) throw new UserError(`${where}: "${unknown}" is not a setting of ${DEV_FILE} (command, cwd, env, install)`);
  if (!isStringList(spec.command)) throw new UserError(`${where}: command must be a list: the program and its arguments`, example);
  if (spec.cwd !== undefined && typeof spec.cwd !== 'string') throw new UserError(`${where}: cwd must be a folder path`);
  const cwd = resolve(dirname(devFile), (spec.cwd as string | undefined) ?? '.');

  const env: Record<string, string> = {};
  if (spec.env !== undefined) {
    if (!spec.env || typeof spec.env !== 'object' || Array.isArray(spec.env)) throw new UserError(`${where}: env must be a map of NAME: value`);
    for (const [k, val] of Object.entries(spec.env)) env[k] = String(val);
  }

  let install: InstallSpec | undefined;
  if (spec.install !== undefined) {
    const i = (spec.install ?? {}) as Record<string, unknown>;
    if (!Array.isArray(i.run) || !i.run.every(isStringList))
      throw new UserError(`${where}: install.run must be a list of commands, each a list like [npm, install]`);
    if (!isStringList(i.inputs))
      throw new UserError(`${where}: install.inputs must list the files whose change calls for a new install (e.g. [requirements.txt])`);
    if (typeof i.stamp !== 'string' || !i.stamp) throw new UserError(`${where}: install.stamp must name the file that records the last install`);
    install = {
      inputs: i.inputs.map((p) => resolve(cwd, p)),
      stamp: resolve(cwd, i.stamp),
      cwd: resolve(cwd, typeof i.cwd === 'string' ? i.cwd : '.'),
      run: i.run as string[][],
    };
  }
  return { command: spec.command, cwd, env, ...(install ? { install } : {}) };
}
