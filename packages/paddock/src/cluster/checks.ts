import { setTimeout as sleep } from 'node:timers/promises';

/** One promise of the platform, checked on the live cluster. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** Could not be checked here (the detail says why): neither a pass nor a finding. */
  skipped?: boolean;
}

/** A check resolves with what it saw, throws with what broke, or skips. */
export type Check = () => Promise<string>;
export type NamedCheck = [name: string, check: Check];

export class Skip extends Error {}

/** Fail the check with one line of what was seen. */
export function expect(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, 300);

/** Run the checks one by one (they share the cluster); each outcome in one line. */
export async function runChecks(list: NamedCheck[], onResult?: (r: CheckResult) => void): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const [name, check] of list) {
    let r: CheckResult;
    try {
      r = { name, ok: true, detail: oneLine(await check()) };
    } catch (err) {
      r = err instanceof Skip ? { name, ok: true, skipped: true, detail: oneLine(err.message) } : { name, ok: false, detail: oneLine((err as Error).message) };
    }
    out.push(r);
    onResult?.(r);
  }
  return out;
}

/** Poll until `probe` returns a value (or the time is up: undefined). */
export async function poll<T>(ms: number, every: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined || Date.now() > deadline) return v;
    await sleep(every);
  }
}
