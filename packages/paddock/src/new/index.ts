/**
 * `paddock new`: write an app's values.yaml from a short interview (or flags),
 * pre-filled from what doctor sees in the app's source.
 */
import { access, mkdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { confirm } from '@inquirer/prompts';
import { parseValuesText, validateValues } from '../contract/index.js';
import { runDoctor } from '../doctor/index.js';
import { UserError } from '../report/errors.js';
import {
  appListProblem,
  defaults,
  keyListProblem,
  nameProblem,
  parseAppList,
  parseKeyList,
  parsePort,
  portProblem,
  suggestFromSource,
  type Answers,
  type Size,
  type Suggestions,
} from './answers.js';
import { interview, validTag, type Given } from './interview.js';
import { schemaRefFor } from './schema-ref.js';
import { renderValues } from './values-file.js';
import { writeAtomic } from './write.js';

export interface NewOptions {
  name?: string;
  port?: string;
  healthPath?: string;
  state?: boolean;
  secrets?: boolean;
  secretKeys?: string;
  pubsub?: boolean;
  callers?: string;
  calls?: string;
  image?: string;
  tag?: string;
  owner?: string;
  size?: string;
  yes?: boolean;
  force?: boolean;
  json?: boolean;
  /** Ask questions (default: when stdin and stdout are terminals and neither --yes nor --json is given). */
  interactive?: boolean;
}

export interface NewResult {
  /** False when the author chose to keep an existing file. */
  written: boolean;
  file: string;
  answers?: Answers;
  suggestions: Suggestions;
  /** Set when the editor's $schema reference does not resolve yet (schema-ref.ts). */
  schemaNote?: string;
}

/** Flags → partial answers, refusing bad values with a plain message (exit 2). */
function fromFlags(o: NewOptions): { answers: Partial<Answers>; given: Given } {
  const a: Partial<Answers> = {};
  const fail = (flag: string, why: string): never => {
    throw new UserError(`${flag}: ${why}`);
  };
  if (o.name !== undefined) a.name = o.name.trim();
  if (a.name !== undefined) {
    const p = nameProblem(a.name);
    if (p) fail('--name', p);
  }
  if (o.port !== undefined) {
    a.port = parsePort(o.port);
    const p = portProblem(a.port);
    if (p) fail('--port', `${p} Or write --port none for an app that answers no web requests.`);
  }
  if (o.healthPath !== undefined) {
    if (!/^\/[A-Za-z0-9._~/-]*$/.test(o.healthPath)) fail('--health-path', 'use a path such as /health');
    a.healthPath = o.healthPath;
  }
  if (a.port === 'none' && a.healthPath !== undefined)
    fail('--health-path', 'an app with --port none answers no web requests, so it has no health path; leave one of them out');
  if (a.port === 'none' && o.callers) fail('--callers', 'an app with --port none answers no calls; leave --callers out');
  if (o.state !== undefined) a.state = o.state;
  if (o.secrets !== undefined) a.secrets = o.secrets;
  if (o.secretKeys !== undefined) {
    a.secretKeys = parseKeyList(o.secretKeys);
    const p = keyListProblem(a.secretKeys);
    if (p) fail('--secret-keys', p);
    if (a.secretKeys.length && a.secrets === undefined) a.secrets = true;
  }
  if (o.pubsub !== undefined) a.pubsub = o.pubsub;
  if (o.callers !== undefined) {
    a.callers = parseAppList(o.callers);
    const p = appListProblem(a.callers);
    if (p) fail('--callers', p);
  }
  if (o.calls !== undefined) {
    a.calls = parseAppList(o.calls);
    const p = appListProblem(a.calls);
    if (p) fail('--calls', p);
  }
  if (o.image !== undefined) a.image = o.image.replace(/:[^/:]+$/, '');
  if (o.tag !== undefined) {
    const p = validTag(o.tag);
    if (p) fail('--tag', p);
    a.tag = o.tag;
  }
  if (o.owner !== undefined) a.owner = o.owner.trim();
  if (o.size !== undefined) {
    if (!['small', 'medium', 'large'].includes(o.size)) fail('--size', 'use small, medium or large');
    a.size = o.size as Size;
  }
  const given: Given = {};
  for (const k of Object.keys(a) as (keyof Answers)[]) given[k] = true;
  return { answers: a, given };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

export async function runNew(dirArg: string, opts: NewOptions): Promise<NewResult> {
  const dir = resolve(dirArg);
  const st = await stat(dir).catch(() => undefined);
  if (st && !st.isDirectory()) throw new UserError(`${dirArg} is not a folder.`, 'Give the folder of your app: npx paddock new apps/myapp');
  const file = join(dir, 'values.yaml');
  const shown = join(dirArg, 'values.yaml');
  const interactive = opts.interactive ?? (Boolean(process.stdin.isTTY && process.stdout.isTTY) && !opts.yes && !opts.json);
  const { answers: flags, given } = fromFlags(opts);

  const name =
    flags.name ??
    (basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^[^a-z]+|-+$/g, '') ||
      'app');
  let suggestions: Suggestions = { reasons: [] };
  if (st) {
    try {
      suggestions = suggestFromSource(await runDoctor(dir, { name, values: undefined }));
    } catch {
      /* a folder doctor cannot read simply gives no suggestions */
    }
  }
  // Asked after the source is read, so no prompt waits on the scan.
  if (await exists(file)) {
    if (!interactive && !opts.force) {
      throw new UserError(`${shown} already exists; nothing was changed.`, 'Run again with --force to replace it, or edit the file.');
    }
    if (interactive && !opts.force) {
      const replace = await confirm({ message: `${shown} already exists. Replace it?`, default: false });
      if (!replace) return { written: false, file: shown, suggestions: { reasons: [] } };
    }
  }

  // A folder name that is no app name (app-name.ts: reserved, too long) is asked again in the interview; without one it is an error now, before anything is written.
  if (!interactive && flags.name === undefined) {
    const p = nameProblem(name);
    if (p) throw new UserError(`${p.replace(/\.$/, '')} (from the folder name ${basename(dir)})`, 'Pass --name with another name, or rename the folder.');
  }
  const { reasons, ...suggested } = suggestions;
  let answers: Answers = { ...defaults(name), ...suggested, ...flags };
  // A worker's answers carry nothing only a web app has, whatever the code suggested.
  if (answers.port === 'none') {
    delete answers.healthPath;
    answers.callers = [];
  }
  if (!flags.image) answers.image = `localhost:30000/platform/${answers.name}`;

  if (interactive) {
    if (reasons.length) process.stdout.write(`From the code in ${dirArg}:\n${reasons.map((r) => `  • ${r}`).join('\n')}\n`);
    answers = await interview(answers, given);
  }

  const schema = schemaRefFor(dir);
  const text = renderValues(answers, schema.ref);
  const { vf, findings } = parseValuesText(shown, text);
  const problems = vf ? await validateValues(vf, answers.name) : findings;
  const errors = problems.filter((f) => f.severity === 'error');
  if (errors.length) throw new UserError(`the answers do not make a valid values file: ${errors.map((e) => `${e.path ?? ''} ${e.message}`).join('; ')}`);

  await mkdir(dir, { recursive: true });
  await writeAtomic(file, text);
  return { written: true, file: shown, answers, suggestions, ...(schema.note ? { schemaNote: schema.note } : {}) };
}
