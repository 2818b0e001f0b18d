import pc from 'picocolors';
import { EXIT, type Finding, type Report } from './finding.js';
import { printJson } from './json.js';

const mark = { error: pc.red('✖'), warning: pc.yellow('!'), info: pc.cyan('i') } as const;

function where(f: Finding): string {
  const file = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : '';
  const path = f.path ? pc.bold(f.path) : '';
  return [file, path].filter(Boolean).join(' ');
}

/** Human output: one block per finding, then a one-line summary. */
export function formatReport(report: Report, okMessage: string): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    const head = [mark[f.severity], where(f), pc.dim(`[${f.rule}]`)].filter(Boolean).join(' ');
    lines.push(head);
    lines.push(`  ${f.message}`);
    if (f.fix) lines.push(`  ${pc.green('fix:')} ${f.fix}`);
  }
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.filter((f) => f.severity === 'warning').length;
  if (report.ok) {
    lines.push(`${pc.green('✔')} ${okMessage}${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}`);
  } else {
    lines.push(`${pc.red('✖')} ${errors} problem${errors > 1 ? 's' : ''} to fix${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}`);
  }
  return lines.join('\n');
}

/** Print a report as JSON or text and return the exit code it calls for. */
export function emitReport(report: Report, opts: { json?: boolean }, okMessage: string): number {
  if (opts.json) printJson(report);
  else process.stdout.write(`${formatReport(report, okMessage)}\n`);
  return report.ok ? EXIT.ok : EXIT.findings;
}
