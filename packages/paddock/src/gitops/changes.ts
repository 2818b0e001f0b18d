import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';

/** One file a plan creates, changes or deletes. `before`/`after` null = absent. */
export interface FileChange {
  path: string;
  before: string | null;
  after: string | null;
}

/**
 * A change another app's owner must make (in their own values file) for a
 * call or a subscription to work: onboarding proposes it, never writes it.
 */
export interface Proposal {
  /** The app whose values must change, and its recorded owner. */
  app: string;
  owner?: string;
  /** Its values file (as its entry records it), the field, and the entry to add. */
  file: string;
  field: 'networkPolicy.allowIngressFrom' | 'pubsub.allowSubscribersFrom';
  add: string;
  /** The field's line once changed, e.g. `allowIngressFrom: [app2-ns, app3-ns]`. */
  line: string;
  reason: string;
}

/** What onboard/offboard would do: file changes, and sentences for the user. */
export interface Plan {
  changes: FileChange[];
  notes: string[];
  /** What the user must know before the change lands (a takeover). */
  warnings?: string[];
  proposals?: Proposal[];
}

export function readText(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** A change from the current file content to `after`, or nothing when they are equal. */
export function change(path: string, after: string | null): FileChange[] {
  const before = readText(path);
  return before === after ? [] : [{ path, before, after }];
}

export function actionOf(c: FileChange): 'create' | 'update' | 'delete' {
  return c.before === null ? 'create' : c.after === null ? 'delete' : 'update';
}

/** Write every change; folders left empty by deletions are removed. */
export function applyChanges(changes: FileChange[]): void {
  for (const c of changes) {
    if (c.after === null) {
      rmSync(c.path, { force: true });
      const dir = dirname(c.path);
      if (existsSync(dir) && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
    } else {
      mkdirSync(dirname(c.path), { recursive: true });
      writeFileSync(c.path, c.after);
    }
  }
}

/** A unified-style line diff (small files: an LCS table is fine). */
export function unifiedDiff(c: FileChange, base: string): string {
  const name = relative(base, c.path);
  const a = c.before === null ? [] : c.before.replace(/\n$/, '').split('\n');
  const b = c.after === null ? [] : c.after.replace(/\n$/, '').split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out = [`--- ${c.before === null ? '/dev/null' : `a/${name}`}`, `+++ ${c.after === null ? '/dev/null' : `b/${name}`}`];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push(`+ ${b[j]}`);
      j++;
    } else {
      out.push(`- ${a[i]}`);
      i++;
    }
  }
  return [...out.slice(0, 2), ...withContext(out.slice(2), 2)].join('\n');
}

/** Only the changed lines and `context` lines around them; `…` marks what was left out. */
function withContext(lines: string[], context: number): string[] {
  const changed = lines.map((l) => !l.startsWith('  '));
  const keep = lines.map((_, k) => changed.slice(Math.max(0, k - context), k + context + 1).some(Boolean));
  const out: string[] = [];
  lines.forEach((l, k) => {
    if (keep[k]) out.push(l);
    else if (k === 0 || keep[k - 1]) out.push('  …');
  });
  return out;
}
