import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../report/errors.js';
import type { DevApp } from './app.js';
import { shown } from './app.js';

const HOW_TO_INSTALL: Record<string, string> = {
  python3: 'Install Python 3.11 or newer (Debian: apt-get install python3 python3-venv).',
  python: 'Install Python 3.11 or newer (Debian: apt-get install python3 python3-venv).',
  node: 'Install Node.js 20 or newer.',
  npm: 'Install Node.js 20 or newer (it brings npm).',
};

/** The program's full path: a bare name is looked up on PATH, a relative path from `cwd`. */
export function findProgram(file: string, cwd: string): string | undefined {
  if (file.includes('/')) {
    const p = isAbsolute(file) ? file : resolve(cwd, file);
    return existsSync(p) ? p : undefined;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, file);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** The program's path, or one clear line saying what is missing. */
export function requireProgram(file: string, app: DevApp, cwd: string): string {
  const found = findProgram(file, cwd);
  if (found) return found;
  if (!file.includes('/')) {
    throw new UserError(
      `${file} is not installed, and ${app.name} needs it (${shown(app.devFile)})`,
      HOW_TO_INSTALL[file] ?? `Install ${file} and make sure it is on PATH.`,
    );
  }
  throw new UserError(
    `${app.name} cannot start: ${shown(resolve(cwd, file))} does not exist (${shown(app.devFile)} command)`,
    app.run.install
      ? `Its install step should create it; delete ${shown(app.run.install.stamp)} to run the install again.`
      : 'Check the command in paddock.dev.yaml.',
  );
}
