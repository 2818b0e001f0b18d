/**
 * Property-based: a few hundred hostile values files (seeded; replay another
 * seed with FUZZ_SEED, more cases with FUZZ_RUNS, or bench/fuzz.ts for 10,000)
 * through the real contract, chart, engine, policies and CLI. Each failure
 * prints its case (seed, index, name, values text) so it can be replayed.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { familyOf, type Family } from './guarantees.js';
import { describe as show, fuzz, tally, type CaseResult } from './fuzz-run.js';
import { DEFAULT_SEED } from './hostile-values.js';

const seed = Number(process.env.FUZZ_SEED ?? DEFAULT_SEED);
const runs = Number(process.env.FUZZ_RUNS ?? 400);
let results: CaseResult[] = [];

before(async () => {
  results = await fuzz({ seed, runs, cliEvery: 20 });
  console.log(`# fuzz seed ${seed}, ${runs} cases: ${JSON.stringify(tally(results))}`);
});

function noCounterexample(failing: CaseResult[], what: string): void {
  assert.equal(
    failing.length,
    0,
    `${failing.length} of ${results.length} cases ${what}; the first ones:\n${failing
      .slice(0, 3)
      .map((r) => show(r, seed))
      .join('\n\n')}`,
  );
}

const violationsOf = (r: CaseResult, family: Family): string[] =>
  r.outcome === 'unsafe-guarantees' || r.outcome === 'unsafe-policies'
    ? r.detail
        .filter((d) => !d.startsWith('policy ') && !d.startsWith('schema: '))
        .map((d) => d.replace(/^guarantee: /, ''))
        .filter((d) => familyOf(d) === family)
    : [];

/** Helm's reader could not read the file, or read a value as another type than validate did (`on` as a boolean, say). */
const readerDisagreement = (r: CaseResult): boolean =>
  /failed to parse|got (boolean|number|integer|null), want string|got string, want (boolean|integer|number)/.test(r.detail.join(' '));

test('the generator reaches every stage: some cases are accepted and rendered, most are refused', () => {
  const t = tally(results);
  assert.equal(results.length, runs);
  assert.ok(t['refused-by-contract'] > runs / 4, `only ${t['refused-by-contract']} refused by the contract`);
  const rendered = results.filter((r) => !['refused-by-contract', 'crash', 'hang'].includes(r.outcome)).length;
  assert.ok(rendered >= 5, `only ${rendered} cases reached the chart`);
  assert.ok(
    results.some((r) => r.exit !== undefined),
    'no case went through the real CLI',
  );
});

test('(a) no crash: validation throws nothing but a UserError', () => {
  noCounterexample(
    results.filter((r) => r.outcome === 'crash'),
    'crashed validation',
  );
});

test('(b) no hang: every case validates and renders within its time budget', () => {
  noCounterexample(
    results.filter((r) => r.outcome === 'hang'),
    'went over the time budget',
  );
});

test('(c) `paddock validate FILE --json` exits 0, 1 or 2, prints JSON and no stack trace (every 20th case)', () => {
  noCounterexample(
    results.filter((r) => r.outcome === 'bad-exit'),
    'made the CLI misbehave',
  );
});

test('(d) no accepted input renders anything the admission policies or the schema check refuse', () => {
  noCounterexample(
    results.filter((r) => r.outcome === 'unsafe-policies'),
    'rendered objects the policies refuse',
  );
});

test('(e) no accepted input renders anything the independent reading of the guarantees refuses', () => {
  noCounterexample(
    results.filter((r) => violationsOf(r, 'other').length > 0),
    'broke a guarantee',
  );
});

test('(e, names) the app name is a valid, non-platform name', () => {
  noCounterexample(
    results.filter((r) => violationsOf(r, 'name').length > 0),
    'were accepted with a reserved or over-long name',
  );
});

test('(e, quantities) every container has cpu and memory requests and limits > 0 and at most 2 CPU / 2Gi', () => {
  noCounterexample(
    results.filter((r) => violationsOf(r, 'quantity').length > 0),
    'rendered a bad quantity',
  );
});

test('(e, binding URLs) a binding posts only to a public name', () => {
  noCounterexample(
    results.filter((r) => violationsOf(r, 'url').length > 0),
    'rendered a binding into the cluster',
  );
});

test('(e, one reading) the cluster gets the values validate judged (port)', () => {
  noCounterexample(
    results.filter((r) => violationsOf(r, 'reading').length > 0),
    'rendered another value than validate read',
  );
});

test('(f) the chart renders what validate accepts, or refuses it in plain English', () => {
  const t = tally(results);
  console.log(`# ${t['refused-by-chart-plainly']} accepted cases refused by the chart with a plain message`);
  noCounterexample(
    results.filter((r) => r.outcome === 'refused-by-chart' && !readerDisagreement(r)),
    'were accepted by validate but refused by the chart with a raw error',
  );
});

test('(f, one reading) the chart reads every values file validate accepts', () => {
  noCounterexample(
    results.filter((r) => r.outcome === 'refused-by-chart' && readerDisagreement(r)),
    'were read by validate but not by the chart, or read as another type',
  );
});
