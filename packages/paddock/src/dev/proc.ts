import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Where a child's output lines go (already prefixed by the caller's choice). */
export type LineSink = (line: string, stream: 'stdout' | 'stderr') => void;

/**
 * A child process in its own process group, so that stopping it stops
 * everything it started too (a WSGI server's workers, npm's node).
 */
export class GroupProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private done = false;

  constructor(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; sink: LineSink }) {
    this.child = spawn(file, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this);
    for (const stream of ['stdout', 'stderr'] as const) {
      const rl = createInterface({ input: this.child[stream]! });
      rl.on('line', (line) => opts.sink(line, stream));
    }
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        opts.sink(`cannot start ${file}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, 'stderr');
        this.done = true;
        live.delete(this);
        resolve({ code: 127, signal: null });
      });
      this.child.once('exit', (code, signal) => {
        this.done = true;
        live.delete(this);
        resolve({ code, signal });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /** Signal the whole group (ignores a group that is already gone). */
  signal(sig: NodeJS.Signals): void {
    if (!this.child.pid) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      /* already gone */
    }
  }

  /** SIGTERM the group; SIGKILL it if it is still there after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.child.pid) {
      this.signal('SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
      // The leader is gone; make sure nothing it started outlives it.
      this.signal('SIGKILL');
    }
  }
}

const live = new Set<GroupProcess>();

/** Last resort when paddock itself exits: kill every group still running (synchronous). */
export function killAllSync(): void {
  for (const p of live) p.signal('SIGKILL');
}

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000, 30000];
/** A process that ran this long before exiting was healthy: its next restart is quick again. */
const STABLE_MS = 10_000;

/** Keeps one process running: restarts it with backoff when it exits, until stopped. */
export class Supervised {
  proc?: GroupProcess;
  restarts = 0;
  private attempt = 0;
  private stopping = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly label: string,
    private readonly spawn: () => GroupProcess,
    private readonly say: (line: string) => void,
  ) {}

  start(): void {
    const started = Date.now();
    const proc = this.spawn();
    this.proc = proc;
    void proc.exited.then(({ code, signal }) => {
      if (this.stopping || this.proc !== proc) return;
      if (Date.now() - started > STABLE_MS) this.attempt = 0;
      const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!;
      this.attempt++;
      this.restarts++;
      this.say(`${this.label} ${signal ? `was killed (${signal})` : `exited with code ${code}`}; restarting in ${delay / 1000} s`);
      this.timer = setTimeout(() => {
        if (!this.stopping) this.start();
      }, delay);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.proc?.stop();
  }
}
