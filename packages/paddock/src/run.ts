import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UserError } from './report/errors.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a program to completion; never throws for a non-zero exit, only when it cannot start. */
export function run(file: string, args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  if (file.includes('/') && !existsSync(file)) {
    return Promise.reject(new UserError(`${file} is not installed`, 'Run `make setup` in the repository root; it builds the pinned tools.'));
  }
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
        reject(new UserError(`cannot run ${file}: ${(err as NodeJS.ErrnoException).code}`));
        return;
      }
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
