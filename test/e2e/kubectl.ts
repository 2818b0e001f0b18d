// kubectl against the live kind cluster of `make e2e`, for the test/e2e/ suites.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { CLUSTER } from 'paddock/cluster/index.js';
import { eventually } from '../lib/eventually.js';

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

/** kubectl apply of the objects, as one List (a JSON stream with `---` between documents is not one every kubectl reads). */
export const apply = (objects: object[]): Promise<string> => ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
/** The fields of a Flux object (source, Kustomization, HelmRelease) the e2e suites read. */
export interface FluxObject {
  metadata: { name: string; uid: string };
  spec: { url?: string; type?: string };
  status?: { conditions?: Condition[]; artifact?: { revision: string; metadata?: Record<string, string> }; lastAppliedRevision?: string };
}
export const ready = (o: FluxObject): Condition | undefined => o.status?.conditions?.find((c) => c.type === 'Ready');

/** Wait until a Flux object is Ready; fail with its last Ready message. */
export async function readyEventually(kind: string, ns: string, name: string, ms: number): Promise<FluxObject> {
  let last = '(not found)';
  try {
    return await eventually(
      `${kind} ${ns}/${name} to be Ready`,
      async () => {
        const r = await kubectl(['-n', ns, 'get', kind, name, '-o', 'json']);
        if (r.code !== 0) return undefined;
        const o = JSON.parse(r.stdout) as FluxObject;
        last = ready(o)?.message ?? '(no Ready condition yet)';
        return ready(o)?.status === 'True' ? o : undefined;
      },
      ms,
      2000,
    );
  } catch {
    assert.fail(`${kind} ${ns}/${name} is not Ready after ${ms / 1000} s: ${last}`);
  }
}
