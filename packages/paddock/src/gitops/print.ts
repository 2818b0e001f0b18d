import pc from 'picocolors';
import { relative } from 'node:path';
import { actionOf, unifiedDiff, type Plan } from './changes.js';
import type { Finding } from '../report/finding.js';

/** onboard/offboard output: what changes (with the diff on --dry-run) and the notes. */
export function printPlan(plan: Plan, opts: { base: string; dryRun: boolean; json: boolean; findings?: Finding[] }): void {
  if (opts.json) {
    const out = {
      ok: true,
      dryRun: opts.dryRun,
      findings: opts.findings ?? [],
      changes: plan.changes.map((c) => ({ path: relative(opts.base, c.path), action: actionOf(c), ...(opts.dryRun ? { diff: unifiedDiff(c, opts.base) } : {}) })),
      notes: plan.notes,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const lines: string[] = [];
  for (const c of plan.changes) {
    const action = actionOf(c);
    const colour = action === 'create' ? pc.green : action === 'delete' ? pc.red : pc.yellow;
    lines.push(`${colour(action.padEnd(6))} ${relative(opts.base, c.path)}`);
    if (opts.dryRun) lines.push(pc.dim(unifiedDiff(c, opts.base).split('\n').map((l) => `    ${l}`).join('\n')));
  }
  for (const n of plan.notes) lines.push(`${pc.cyan('i')} ${n}`);
  if (opts.dryRun) lines.push(pc.dim('(dry run: nothing was written)'));
  else if (plan.changes.length) lines.push(`${pc.green('✔')} ${plan.changes.length} file${plan.changes.length > 1 ? 's' : ''} written; commit ${plan.changes.length > 1 ? 'them' : 'it'}, and Flux applies the change (on the local kind cluster: npx paddock cluster sync).`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
