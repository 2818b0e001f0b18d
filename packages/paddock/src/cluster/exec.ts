import { spawn } from 'node:child_process';
import pc from 'picocolors';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command; output is captured (and streamed when `stream`); `input` goes to its stdin (a secret never on a command line). */
export function exec(argv: string[], opts: { cwd?: string; env?: Record<string, string>; stream?: boolean; input?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (opts.stream) process.stderr.write(pc.dim(d.toString()));
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.stream) process.stderr.write(pc.dim(d.toString()));
    });
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: err.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
