/**
 * Starts the real `paddock dev` (the CLI, as a user would) on throw-away state
 * folders and free ports, so test files can run side by side, and stops it
 * again, checking that nothing it started is left running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'packages', 'paddock', 'bin', 'paddock.js');

interface AppStatus {
  name: string;
  /** null for an app with `port: none` */
  url: string;
  daprHttpPort: number;
  healthy: boolean;
  waitingFor?: string;
  pid: number;
  daprdPid: number;
  restarts: number;
}

export interface Dev {
  proc: ChildProcess;
  stateDir: string;
  apps: Record<string, AppStatus>;
  /** Everything paddock dev printed so far (stdout and stderr). */
  output(): string;
  /** The current .paddock/dev/status.json. */
  status(): Record<string, AppStatus>;
  /** SIGTERM paddock dev and wait for it to exit; resolves to its exit code. */
  stop(): Promise<number | null>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `paddock-${prefix}-`));
}

/** Run `paddock dev` until it reports every app healthy (or exits). */
export function startDev(targets: string[], opts: { stateDir?: string; args?: string[]; env?: NodeJS.ProcessEnv; fixedPorts?: boolean } = {}): Promise<Dev> {
  const stateDir = opts.stateDir ?? tempDir('state');
  const args = [cli, 'dev', ...targets, '--json', ...(opts.fixedPorts ? [] : ['--free-ports']), '--state-dir', stateDir, ...(opts.args ?? [])];
  const proc = spawn(process.execPath, args, { cwd: root, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stdout = '';
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const readStatus = (): Record<string, AppStatus> => {
    const doc = JSON.parse(readFileSync(join(stateDir, 'dev', 'status.json'), 'utf8')) as { apps: AppStatus[] };
    return Object.fromEntries(doc.apps.map((a) => [a.name, a]));
  };
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return new Promise((resolveDev, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGTERM');
      reject(new Error(`paddock dev did not become ready:\n${out}`));
    }, 300_000);
    proc.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      out += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line || !stdout.includes('\n')) return;
      clearTimeout(timer);
      const doc = JSON.parse(line) as { apps: AppStatus[] };
      resolveDev({
        proc,
        stateDir,
        apps: Object.fromEntries(doc.apps.map((a) => [a.name, a])),
        output: () => out,
        status: readStatus,
        stop: async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`paddock dev exited with code ${code} before it was ready:\n${out}`));
    });
  });
}

/** Whether a process (or, for a group leader, anything in its group) is still alive. */
export function alive(pid: number): boolean {
  for (const target of [pid, -pid]) {
    try {
      process.kill(target, 0);
      return true;
    } catch {
      /* gone */
    }
  }
  return false;
}

export async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}

export function postJson(url: string, payload: unknown): Promise<{ status: number; body: any }> {
  return json(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
}

/**
 * A copy of an example app's folder (values.yaml changed by `patch`,
 * paddock.dev.yaml pointing at the real source) under `base`, with its own
 * secrets.local.yaml: tests never touch the author's files.
 */
export function fixtureApp(
  base: string,
  name: string,
  opts: { from?: string; patch?: Record<string, unknown>; secrets?: Record<string, string>; env?: Record<string, string> } = {},
): string {
  // An example app (apps/<name>), or one of the test's own (test/fixtures/apps/<name>).
  const from = [join(root, 'apps', opts.from ?? name), join(root, 'test', 'fixtures', 'apps', opts.from ?? name)].find((d) =>
    existsSync(join(d, 'values.yaml')),
  )!;
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  const values = parse(readFileSync(join(from, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  for (const [k, v] of Object.entries(opts.patch ?? {})) values[k] = v;
  if (opts.from && opts.from !== name) {
    const image = values.image as { repository: string };
    image.repository = image.repository.replace(opts.from, name);
    values.nodepool = name;
  }
  writeFileSync(join(dir, 'values.yaml'), stringify(values));
  const dev = parse(readFileSync(join(from, 'paddock.dev.yaml'), 'utf8')) as Record<string, unknown>;
  dev.cwd = from;
  if (opts.env) dev.env = { ...(dev.env as Record<string, string> | undefined), ...opts.env };
  writeFileSync(join(dir, 'paddock.dev.yaml'), stringify(dev));
  if (opts.secrets) writeFileSync(join(dir, 'secrets.local.yaml'), stringify(opts.secrets));
  return dir;
}
