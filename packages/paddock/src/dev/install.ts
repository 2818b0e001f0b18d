import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { UserError } from '../report/errors.js';
import type { DevApp, InstallSpec } from './app.js';
import { shown } from './app.js';
import { GroupProcess, type LineSink } from './proc.js';
import { requireProgram } from './runtime.js';

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => filesUnder(join(path, e.name)));
}

/**
 * The inputs' hash. One file: the sha256 of its content (what
 * scripts/setup-runtime.sh writes for app1's requirements.txt); otherwise a
 * sha256 over every file's relative path and content hash.
 */
export function inputsHash(spec: InstallSpec): string {
  const files = spec.inputs.flatMap(filesUnder);
  const sha = (buf: Buffer | string): string => createHash('sha256').update(buf).digest('hex');
  if (spec.inputs.length === 1 && files.length === 1 && files[0] === spec.inputs[0]) return sha(readFileSync(files[0]!));
  return sha(files.map((f) => `${relative(spec.cwd, f)}\0${sha(readFileSync(f))}\n`).join(''));
}

export async function needsInstall(spec: InstallSpec): Promise<boolean> {
  const want = inputsHash(spec);
  const have = await readFile(spec.stamp, 'utf8').catch(() => '');
  return have.trim() !== want;
}

/** Run the app's install commands if its inputs changed since the last install; output goes to `sink`. */
export async function installIfNeeded(app: DevApp, sink: LineSink, say: (line: string) => void): Promise<boolean> {
  const spec = app.run.install;
  if (!spec || !(await needsInstall(spec))) return false;
  // Two runs starting at once (parallel tests, two terminals) must not install into the same folder together.
  const release = await lock(`${spec.stamp}.lock`, () => say(`${app.name}: waiting for another paddock dev to finish installing…`));
  try {
    if (!(await needsInstall(spec))) return false;
    await install(app, spec, sink, say);
    return true;
  } finally {
    await release();
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock between processes: a folder created atomically, holding its owner's pid; a dead owner's lock is taken over. */
async function lock(path: string, onWait: () => void): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true });
  let told = false;
  for (;;) {
    try {
      await mkdir(path);
      await writeFile(join(path, 'pid'), String(process.pid));
      return () => rm(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await readFile(join(path, 'pid'), 'utf8').catch(() => ''));
      if (owner && !pidAlive(owner)) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      if (!told) onWait();
      told = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function install(app: DevApp, spec: InstallSpec, sink: LineSink, say: (line: string) => void): Promise<void> {
  say(`${app.name}: installing dependencies (${spec.run.map((c) => c.join(' ')).join(', then ')}); the first run takes a minute…`);
  for (const cmd of spec.run) {
    const [file, ...args] = cmd as [string, ...string[]];
    requireProgram(file, app, spec.cwd);
    const p = new GroupProcess(file, args, { cwd: spec.cwd, env: process.env, sink });
    const { code, signal } = await p.exited;
    if (code !== 0) {
      throw new UserError(
        `installing ${app.name}'s dependencies failed: \`${cmd.join(' ')}\` ${signal ? `was stopped by ${signal}` : `exited with code ${code}`}`,
        `See the [${app.name}:install] lines above; the step is in ${shown(app.devFile)}.`,
      );
    }
  }
  await mkdir(dirname(spec.stamp), { recursive: true });
  await writeFile(spec.stamp, `${inputsHash(spec)}\n`);
}
