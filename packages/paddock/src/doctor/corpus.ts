/**
 * Scores doctor against a corpus of real apps: each app folder holds the
 * app's files, a SOURCE note, and `expected.txt`, the findings a careful
 * reviewer expects (`severity rule file:line`, `#` comments; a finding doctor
 * does not make yet is listed all the same, so it counts against recall).
 * Per rule: how many expected findings were made (recall) and how many
 * findings were made that are not expected (false findings).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDoctor } from './index.js';

interface RuleScore {
  rule: string;
  /** The severities the rule reported or was expected at. */
  severities: Set<string>;
  expected: number;
  caught: number;
  falseFindings: string[];
  missed: string[];
}

export interface CorpusScore {
  apps: string[];
  rules: Map<string, RuleScore>;
}

const key = (severity: string, rule: string, where: string): string => `${severity} ${rule} ${where}`;

/** The expected findings of one app: `severity rule file:line` lines. */
function readExpected(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(error|warning)\s+([a-z-]+)\s+(\S+:\d+)$/.exec(l);
      if (!m) throw new Error(`expected.txt: cannot read "${l}" (want: severity rule file:line)`);
      return key(m[1]!, m[2]!, m[3]!);
    });
}

export async function scoreCorpus(dir: string): Promise<CorpusScore> {
  const apps = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'expected.txt')))
    .map((d) => d.name)
    .sort();
  const rules = new Map<string, RuleScore>();
  const score = (rule: string): RuleScore => {
    let r = rules.get(rule);
    if (!r) rules.set(rule, (r = { rule, severities: new Set(), expected: 0, caught: 0, falseFindings: [], missed: [] }));
    return r;
  };
  for (const app of apps) {
    const expected = new Set(readExpected(readFileSync(join(dir, app, 'expected.txt'), 'utf8')));
    const result = await runDoctor(join(dir, app));
    const found = new Set(result.findings.filter((f) => f.severity !== 'info').map((f) => key(f.severity, f.rule, `${f.file}:${f.line}`)));
    for (const e of expected) {
      const [severity, rule] = e.split(' ') as [string, string];
      const r = score(rule);
      r.severities.add(severity);
      r.expected++;
      if (found.has(e)) r.caught++;
      else r.missed.push(`${app}: ${e}`);
    }
    for (const f of found) {
      if (expected.has(f)) continue;
      const [severity, rule] = f.split(' ') as [string, string];
      const r = score(rule);
      r.severities.add(severity);
      r.falseFindings.push(`${app}: ${f}`);
    }
  }
  return { apps, rules };
}

const pct = (a: number, b: number): string => (b ? `${Math.round((100 * a) / b)} %` : '–');

/** The table docs/doctor.md shows. */
export function renderTable(s: CorpusScore): string {
  const rows = [...s.rules.values()].sort((a, b) => a.rule.localeCompare(b.rule));
  const total = rows.reduce(
    (t, r) => ({ expected: t.expected + r.expected, caught: t.caught + r.caught, falseFindings: t.falseFindings + r.falseFindings.length }),
    { expected: 0, caught: 0, falseFindings: 0 },
  );
  return [
    `| rule | severity | expected | caught | recall | false findings |`,
    `|---|---|---:|---:|---:|---:|`,
    ...rows.map(
      (r) => `| ${r.rule} | ${[...r.severities].sort().join(', ')} | ${r.expected} | ${r.caught} | ${pct(r.caught, r.expected)} | ${r.falseFindings.length} |`,
    ),
    `| **all** | | ${total.expected} | ${total.caught} | ${pct(total.caught, total.expected)} | ${total.falseFindings} |`,
    '',
    `${s.apps.length} apps.`,
  ].join('\n');
}
