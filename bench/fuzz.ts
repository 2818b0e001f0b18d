/**
 * The hostile-values fuzzer at scale: `node bench/dist/fuzz.js --runs 10000 --seed N`
 * (or FUZZ_RUNS / FUZZ_SEED). Prints the figures; exits 1 when a case crashed,
 * hung, rendered something unsafe or the CLI exited with another code than 0/1/2.
 */
// The fuzzer lives with the tests (test/adversarial); bench/dist/fuzz.js loads their build.
type Run = typeof import('../test/dist/adversarial/fuzz-run.js');
type Values = typeof import('../test/dist/adversarial/hostile-values.js');
const { describe, FAILURES, fuzz, tally } = (await import(new URL('../../test/dist/adversarial/fuzz-run.js', import.meta.url).href)) as Run;
const { DEFAULT_SEED } = (await import(new URL('../../test/dist/adversarial/hostile-values.js', import.meta.url).href)) as Values;

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(arg('--runs') ?? process.env.FUZZ_RUNS ?? 10000);
const seed = Number(arg('--seed') ?? process.env.FUZZ_SEED ?? DEFAULT_SEED);
const cliEvery = Number(arg('--cli-every') ?? 20);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error('usage: node bench/dist/fuzz.js [--runs N] [--seed N] [--cli-every N]');
  process.exit(2);
}

const t0 = performance.now();
const results = await fuzz({ seed, runs, cliEvery, onBatch: (n) => process.stderr.write(`\r${n}/${runs}`) });
const total = performance.now() - t0;
process.stderr.write('\n');
const t = tally(results);
const failures = results.filter((r) => FAILURES.has(r.outcome));
const times = results.map((r) => r.ms).sort((a, b) => a - b);
const pct = (p: number): string => (times[Math.min(times.length - 1, Math.floor(times.length * p))] ?? 0).toFixed(1);
const sampled = results.filter((r) => r.exit !== undefined);
console.log(
  `fuzz: seed ${seed}, ${runs} cases, ${(total / 1000).toFixed(1)} s (${(total / runs).toFixed(2)} ms per case overall; in-process per case p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms)`,
);
console.log(`  accepted and safe:          ${t.accepted}`);
console.log(`  refused by the contract:    ${t['refused-by-contract']}`);
console.log(
  `  refused by the chart:       ${t['refused-by-chart-plainly']} with a plain message, ${t['refused-by-chart']} without (validate and chart disagree)`,
);
console.log(`  crashes:                    ${t.crash}`);
console.log(`  hangs:                      ${t.hang}`);
console.log(`  unsafe renders:             ${t['unsafe-policies']} the policies refuse, ${t['unsafe-guarantees']} only the independent reading refuses`);
console.log(
  `  CLI spawned:                ${sampled.length} (every ${cliEvery}th case); exit codes ${JSON.stringify(Object.fromEntries([...new Set(sampled.map((r) => r.exit))].map((c) => [String(c), sampled.filter((r) => r.exit === c).length])))}; bad: ${t['bad-exit']}`,
);
if (failures.length) {
  const byKind = new Map<string, typeof failures>();
  for (const f of failures) {
    const key = `${f.outcome}: ${(f.detail[0] ?? '')
      .replace(/"[^"]*"/g, '"…"')
      .replace(/\d+/g, 'N')
      .slice(0, 120)}`;
    byKind.set(key, [...(byKind.get(key) ?? []), f]);
  }
  console.log(`\n${failures.length} failing cases in ${byKind.size} kinds; the first of each:`);
  for (const [key, fs] of byKind) console.log(`\n[${fs.length}×] ${key}\n${describe(fs[0]!, seed)}`);
  process.exitCode = 1;
}
