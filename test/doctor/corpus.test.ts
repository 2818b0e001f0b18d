/**
 * doctor on a corpus of real public apps nobody here wrote (test/fixtures/doctor-corpus/,
 * each with a SOURCE note and the findings a reviewer expects): no false finding at
 * error severity, the recall bar below, and the table in docs/doctor.md is the measured one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { renderTable, scoreCorpus, type CorpusScore } from 'paddock/doctor/corpus.js';
import { paths } from 'paddock/paths.js';

const corpus = join(paths.root, 'test', 'fixtures', 'doctor-corpus');
/** The bar: of all expected findings, at least this share is made; per rule at least RULE_BAR. */
const RECALL_BAR = 0.95;
const RULE_BAR = 0.8;

let score: CorpusScore;
before(async () => {
  score = await scoreCorpus(corpus);
});

test('the corpus has several apps per framework, each with a SOURCE note', () => {
  assert.ok(score.apps.length >= 20, `${score.apps.length} apps`);
  for (const app of score.apps)
    assert.match(readFileSync(join(corpus, app, 'SOURCE'), 'utf8'), /^repository: https:\/\/github\.com\/.+\n(.|\n)*license: /m, app);
  const count = (re: RegExp): number => score.apps.filter((a) => re.test(a)).length;
  assert.ok(count(/flask/) >= 4 && count(/fastapi/) >= 3 && count(/node|express|-js$/) >= 6 && count(/^(qs|ds)-/) >= 8);
});

test('no false finding at error severity, for any rule', () => {
  const falseErrors = [...score.rules.values()].flatMap((r) => r.falseFindings.filter((f) => / error /.test(` ${f.split(': ')[1]}`)));
  assert.deepEqual(falseErrors, []);
});

test(`recall: at least ${RECALL_BAR * 100} % of all expected findings, ${RULE_BAR * 100} % per rule`, () => {
  const rows = [...score.rules.values()];
  const expected = rows.reduce((n, r) => n + r.expected, 0);
  const caught = rows.reduce((n, r) => n + r.caught, 0);
  assert.ok(caught / expected >= RECALL_BAR, `${caught} of ${expected}; missed: ${rows.flatMap((r) => r.missed).join('; ')}`);
  for (const r of rows) if (r.expected) assert.ok(r.caught / r.expected >= RULE_BAR, `${r.rule}: ${r.caught} of ${r.expected}; missed: ${r.missed.join('; ')}`);
});

test('docs/doctor.md shows the measured table (regenerate: node bench/dist/doctor-corpus.js --write)', () => {
  const doc = readFileSync(join(paths.root, 'docs', 'doctor.md'), 'utf8');
  const m = /<!-- corpus-table -->\n([\s\S]*?)\n<!-- \/corpus-table -->/.exec(doc);
  assert.ok(m, 'docs/doctor.md has the corpus-table markers');
  assert.equal(m[1], renderTable(score));
});
