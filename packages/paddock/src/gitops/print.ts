import pc from 'picocolors';
import { relative } from 'node:path';
import { actionOf, unifiedDiff, type Plan, type Proposal } from './changes.js';
import type { Finding } from '../report/finding.js';
import { printJson } from '../report/json.js';

/** A proposal in words: what stays refused, and the exact change that would allow it. */
function proposalText(p: Proposal): string {
  const what = p.field === 'networkPolicy.allowIngressFrom' ? 'the call stays refused' : `${p.add.replace(/-ns$/, '')} receives nothing`;
  return (
    `${p.reason}, but ${p.app} does not accept ${p.add}: ${what} until ${p.app}'s owner${p.owner ? ` (${p.owner})` : ''} adds ${p.add} to ${p.field} in ${p.file}\n` +
    `      ${p.line}\n` +
    `    and onboards ${p.app} again (npx paddock onboard ${p.file}).`
  );
}

/** onboard/offboard output: what changes (with the diff on --dry-run), warnings, what others must change, and the notes. */
export function printPlan(plan: Plan, opts: { base: string; dryRun: boolean; json: boolean; findings?: Finding[] }): void {
  const proposals = plan.proposals ?? [];
  const warnings = plan.warnings ?? [];
  if (opts.json) {
    const out = {
      ok: true,
      dryRun: opts.dryRun,
      findings: opts.findings ?? [],
      warnings,
      changes: plan.changes.map((c) => ({
        path: relative(opts.base, c.path),
        action: actionOf(c),
        ...(opts.dryRun ? { diff: unifiedDiff(c, opts.base) } : {}),
      })),
      proposals: proposals.map((p) => ({ ...p, message: proposalText(p).replace(/\n\s+/g, ' ') })),
      notes: plan.notes,
    };
    printJson(out);
    return;
  }
  const lines: string[] = [];
  for (const w of warnings) lines.push(`${pc.yellow('!')} ${w}`);
  for (const c of plan.changes) {
    const action = actionOf(c);
    const colour = action === 'create' ? pc.green : action === 'delete' ? pc.red : pc.yellow;
    lines.push(`${colour(action.padEnd(6))} ${relative(opts.base, c.path)}`);
    if (opts.dryRun)
      lines.push(
        pc.dim(
          unifiedDiff(c, opts.base)
            .split('\n')
            .map((l) => `    ${l}`)
            .join('\n'),
        ),
      );
  }
  for (const p of proposals) lines.push(`${pc.yellow('!')} ${proposalText(p)}`);
  for (const n of plan.notes) lines.push(`${pc.cyan('i')} ${n}`);
  if (opts.dryRun) lines.push(pc.dim('(dry run: nothing was written)'));
  else if (plan.changes.length)
    lines.push(
      `${pc.green('✔')} ${plan.changes.length} file${plan.changes.length > 1 ? 's' : ''} written; commit ${plan.changes.length > 1 ? 'them' : 'it'}, and Flux applies the change (on the local kind cluster: npx paddock cluster sync).`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
}
