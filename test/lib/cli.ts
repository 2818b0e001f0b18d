import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { paths } from 'paddock/paths.js';

export interface CliResult {
  code: number;
  /** The signal that ended the CLI (it was killed after `timeoutMs`), else null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the real CLI (`npx paddock …` is the same launcher) with colour off; `bin`: another launcher (an installed package's); `timeoutMs` kills it with SIGKILL. */
export function paddock(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; bin?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [opts.bin ?? join(paths.root, 'packages', 'paddock', 'bin', 'paddock.js'), ...args],
      {
        cwd: opts.cwd ?? paths.root,
        env: { ...process.env, NO_COLOR: '1', ...opts.env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 0,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, signal: child.signalCode, stdout, stderr }),
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** No stack trace, no internal error class names: what a user must never see. */
export const STACK = /\n\s+at .+:\d+:\d+|TypeError|ReferenceError|SyntaxError: |ENOENT:|node:internal/;
