/**
 * Runs hostile values files through the real CLI code: the contract in
 * process, then (only for what it accepts) the real chart through the pinned
 * engine in batches, then the offline admission policies and the independent
 * reading of the guarantees; a sample also through the real `paddock validate
 * FILE --json` process. Shared by test/adversarial/fuzz.test.ts and bench/fuzz.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseValuesText, validateValues } from 'paddock/contract/index.js';
import { paths } from 'paddock/paths.js';
import { admissionPod, hasPodTemplate } from 'paddock/policies/admission-view.js';
import { loadPlatformInjectorSettings } from 'paddock/policies/injector-settings.js';
import { checkManifests, tenantNamespace } from 'paddock/policies/check.js';
import { IDENTITIES } from 'paddock/policies/identities.js';
import type { KubeObject } from 'paddock/policies/types.js';
import { runEngine } from 'paddock/render/engine.js';
import { helmFailure } from 'paddock/render/helm.js';
import { UserError } from 'paddock/report/errors.js';
import type { Finding } from 'paddock/report/finding.js';
import { guaranteeViolations } from './guarantees.js';
import { hostileCase, type HostileCase } from './hostile-values.js';

export type Outcome =
  | 'refused-by-contract'
  | 'accepted'
  | 'refused-by-chart-plainly'
  | 'refused-by-chart' // validate accepted, the chart refused without a plain message: validate and chart disagree
  | 'crash'
  | 'hang'
  | 'unsafe-policies'
  | 'unsafe-guarantees'
  | 'bad-exit';

export interface CaseResult {
  index: number;
  case: HostileCase;
  outcome: Outcome;
  /** What broke, for failures; the chart's message for refusals. */
  detail: string[];
  ms: number;
  /** The exit code of the real `paddock validate --json`, for sampled cases. */
  exit?: number | null;
}

export interface FuzzOptions {
  seed: number;
  runs: number;
  /** Spawn the real CLI for every Nth case (0: never). */
  cliEvery?: number;
  /** Time budget of one case's validation, and per case of a render batch. */
  budgetMs?: number;
  batch?: number;
  /** Progress after each batch. */
  onBatch?: (done: number) => void;
}

export const FAILURES: ReadonlySet<Outcome> = new Set(['crash', 'hang', 'unsafe-policies', 'unsafe-guarantees', 'bad-exit', 'refused-by-chart']);

/** The cases of a seed, in order: case i of seed s is always the same file. */
function casesOf(seed: number, runs: number): HostileCase[] {
  return fc.sample(hostileCase, { seed, numRuns: runs });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]).finally(() => clearTimeout(timer));
}

/** The chart's own `fail` message (plain English) rather than a template or YAML error from Helm's plumbing. */
function plainRefusal(error: string): boolean {
  return (
    /execution error at \([^)]*\): /.test(error) &&
    !/(runtime error|nil pointer|invalid memory|<\.Values|wrong type|can't evaluate|error calling|interface \{\})/i.test(helmFailure(error))
  );
}

async function validateInProcess(
  c: HostileCase,
  file: string,
  budgetMs: number,
): Promise<{ accepted?: Record<string, unknown>; failed?: { outcome: Outcome; detail: string[] } }> {
  try {
    const r = await withTimeout(
      (async () => {
        const { vf, findings } = parseValuesText(file, c.text);
        if (!vf) return { findings };
        return { vf, findings: await validateValues(vf, c.name) };
      })(),
      budgetMs,
    );
    if (r === 'timeout') return { failed: { outcome: 'hang', detail: [`validation took more than ${budgetMs} ms`] } };
    if (r.findings.some((f) => f.severity === 'error') || !('vf' in r) || !r.vf) return {};
    return { accepted: r.vf.values };
  } catch (err) {
    if (err instanceof UserError) return {};
    return { failed: { outcome: 'crash', detail: [`${(err as Error).name}: ${(err as Error).message}`.slice(0, 500)] } };
  }
}

/** `paddock validate FILE --name NAME --json`, as a user runs it. */
function cliValidate(c: HostileCase, dir: string, index: number, budgetMs: number): Promise<{ exit: number | null; problem?: string }> {
  const file = join(dir, `case-${index}.yaml`);
  writeFileSync(file, c.text);
  const args = [join(paths.root, 'packages/paddock/bin/paddock.js'), 'validate', file, '--json', ...(c.name ? ['--name', c.name] : [])];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), budgetMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) return resolve({ exit: null, problem: `killed after ${budgetMs} ms (${signal})` });
      if (code !== 0 && code !== 1 && code !== 2) return resolve({ exit: code, problem: `exit ${code}: ${err.slice(0, 300)}` });
      if (/\n\s+at .+:\d+:\d+\)?\n/.test(err + out)) return resolve({ exit: code, problem: `a stack trace reached the user: ${err.slice(0, 300)}` });
      if (code !== 2) {
        try {
          JSON.parse(out);
        } catch {
          return resolve({ exit: code, problem: `--json printed something that is not JSON: ${out.slice(0, 200)}` });
        }
      }
      resolve({ exit: code });
    });
  });
}

/**
 * The policies' error findings for several rendered cases in one engine call
 * (what the API server judges costs a process and a compile per call). Cases
 * that share an app name, and so a namespace, go to separate calls: one's
 * objects must not be the other's cluster.
 */
async function policyErrors(items: Array<{ name: string; objects: Record<string, unknown>[] }>): Promise<Finding[][]> {
  const out: Finding[][] = items.map(() => []);
  let pending = items.map((_, i) => i);
  while (pending.length) {
    const names = new Set<string>();
    const now: number[] = [];
    const later: number[] = [];
    for (const i of pending) (names.has(items[i]!.name) ? later : now).push(i);
    for (const i of now) names.add(items[i]!.name);
    const owner = new Map<unknown, number>();
    for (const i of now) for (const o of items[i]!.objects) owner.set(o, i);
    const findings = await checkManifests(now.flatMap((i) => items[i]!.objects) as unknown as KubeObject[], {
      namespaces: now.map((i) => tenantNamespace(items[i]!.name)),
      identity: () => IDENTITIES.chartDelivery,
      locate: (o) => ({ file: String(owner.get(o)) }),
    });
    for (const f of findings) if (f.severity === 'error' && f.file !== undefined) out[Number(f.file)]?.push(f);
    pending = later;
  }
  return out;
}

/** Judge what the chart rendered for an accepted case, given the policies' findings on it. */
function judge(
  c: HostileCase,
  values: Record<string, unknown>,
  objects: Record<string, unknown>[],
  policyFindings: Finding[],
): { outcome: Outcome; detail: string[] } {
  const kube = objects as unknown as KubeObject[];
  // Named after their workload: the injector's Pod has no name of its own yet.
  const admittedPods = kube.filter(hasPodTemplate).flatMap((w) => {
    const pod = admissionPod(w, loadPlatformInjectorSettings());
    return pod ? [{ ...pod, metadata: { ...pod.metadata, name: `${w.kind}/${w.metadata?.name}` } }] : [];
  });
  const broken = guaranteeViolations({ name: c.name, values, objects: objects as Record<string, any>[], admittedPods: admittedPods as Record<string, any>[] });
  if (policyFindings.length)
    return {
      outcome: 'unsafe-policies',
      detail: [...policyFindings.map((f) => `policy ${f.rule}: ${f.path ?? ''} ${f.message}`), ...broken.map((b) => `guarantee: ${b}`)],
    };
  if (broken.length) return { outcome: 'unsafe-guarantees', detail: broken };
  return { outcome: 'accepted', detail: [] };
}

/** Run `runs` cases of `seed`; results in case order. */
export async function fuzz(opts: FuzzOptions): Promise<CaseResult[]> {
  const budgetMs = opts.budgetMs ?? 5000;
  const batch = opts.batch ?? 100;
  const cases = casesOf(opts.seed, opts.runs);
  const dir = mkdtempSync(join(tmpdir(), 'paddock-fuzz-'));
  const results: CaseResult[] = [];
  try {
    for (let start = 0; start < cases.length; start += batch) {
      const slice = cases.slice(start, start + batch);
      const accepted: { r: CaseResult; values: Record<string, unknown> }[] = [];
      const cli: Promise<void>[] = [];
      for (const [k, c] of slice.entries()) {
        const index = start + k;
        const t0 = performance.now();
        const v = await validateInProcess(c, join(dir, c.name || 'app', 'values.yaml'), budgetMs);
        const r: CaseResult = {
          index,
          case: c,
          outcome: v.failed?.outcome ?? (v.accepted ? 'accepted' : 'refused-by-contract'),
          detail: v.failed?.detail ?? [],
          ms: performance.now() - t0,
        };
        results.push(r);
        if (v.accepted) accepted.push({ r, values: v.accepted });
        if (opts.cliEvery && index % opts.cliEvery === 0) {
          cli.push(
            cliValidate(c, dir, index, Math.max(budgetMs, 20000)).then(({ exit, problem }) => {
              r.exit = exit;
              if (problem && !FAILURES.has(r.outcome)) {
                r.outcome = 'bad-exit';
                r.detail.push(problem);
              }
            }),
          );
        }
      }
      if (accepted.length) {
        const t0 = performance.now();
        const rendered = await withTimeout(
          runEngine({
            releases: accepted.map(({ r }) => ({ name: r.case.name, namespace: `${r.case.name}-ns`, valuesYaml: r.case.text, valuesFile: 'values.yaml' })),
            objects: true,
            schema: true,
          }),
          budgetMs * accepted.length,
        );
        const each = (performance.now() - t0) / accepted.length;
        const objectsOf = (i: number) =>
          rendered === 'timeout' || !rendered[i]?.manifest
            ? []
            : (rendered[i]!.objects ?? []).filter((o) => o.object).map((o) => o.object as Record<string, unknown>);
        const policies = await policyErrors(accepted.map(({ r }, i) => ({ name: r.case.name, objects: objectsOf(i) })));
        accepted.forEach(({ r, values }, i) => {
          r.ms += each;
          if (rendered === 'timeout') {
            r.outcome = 'hang';
            r.detail.push('rendering the batch took longer than its budget');
            return;
          }
          const out = rendered[i];
          if (!out?.manifest) {
            const error = out?.error ?? 'no output';
            r.outcome = plainRefusal(error) ? 'refused-by-chart-plainly' : 'refused-by-chart';
            r.detail.push(`chart: ${helmFailure(error)}`);
            return;
          }
          const judged = judge(r.case, values, objectsOf(i), policies[i]!);
          const schema = (out.schema ?? []).map((p) => `schema: ${p.kind}/${p.name}: ${p.msg}`);
          r.outcome = schema.length ? 'unsafe-policies' : judged.outcome;
          r.detail.push(...schema, ...judged.detail);
        });
      }
      await Promise.all(cli);
      opts.onBatch?.(results.length);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** How a failing case is shown: enough to replay it by hand. */
export function describe(r: CaseResult, seed: number): string {
  return [
    `case ${r.index} of seed ${seed} (replay: FUZZ_SEED=${seed}, or node bench/dist/fuzz.js --seed ${seed} --runs ${r.index + 1}): ${r.outcome}`,
    `  name: ${JSON.stringify(r.case.name)}`,
    `  values.yaml: ${JSON.stringify(r.case.text.length > 1500 ? `${r.case.text.slice(0, 1500)}…` : r.case.text)}`,
    ...r.detail.slice(0, 8).map((d) => `  - ${d}`),
  ].join('\n');
}

/** Counts of each outcome. */
export function tally(results: CaseResult[]): Record<Outcome, number> {
  const t = Object.fromEntries(
    [
      'accepted',
      'refused-by-contract',
      'refused-by-chart-plainly',
      'refused-by-chart',
      'crash',
      'hang',
      'unsafe-policies',
      'unsafe-guarantees',
      'bad-exit',
    ].map((k) => [k, 0]),
  ) as Record<Outcome, number>;
  for (const r of results) t[r.outcome]++;
  return t;
}
