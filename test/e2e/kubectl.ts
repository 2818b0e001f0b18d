// kubectl against the live kind cluster of `make e2e`, for the test/e2e/ suites.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { CLUSTER } from 'paddock/cluster/index.js';

export const LIVE = process.env.PADDOCK_E2E === '1';
export const SKIP = LIVE ? false : 'run by make e2e (PADDOCK_E2E=1), needs the live cluster';

export interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command's outcome, never a throw (a test asserts on it). */
export function run(argv: string[], input?: string): Promise<Out> {
  return new Promise((resolve) => {
    const child = execFile(argv[0]!, argv.slice(1), { maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

export const kubectl = (args: string[], input?: string): Promise<Out> => run(['kubectl', '--context', CLUSTER.context, ...args], input);

/** kubectl that must succeed: its stdout. */
export async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

export const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '-o', 'json'])) as T;

export const apply = (objects: object[]): Promise<string> => ok(['apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n---\n'));
