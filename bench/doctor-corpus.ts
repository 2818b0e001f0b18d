/**
 * The corpus figures of `paddock doctor` (not a test: it prints them): per rule,
 * the expected findings made (recall) and the findings made that were not expected
 * (false findings), on the real public apps in test/fixtures/doctor-corpus/.
 *
 * Run: npx tsc -b bench && node bench/dist/doctor-corpus.js [--write]
 * --write puts the table into docs/doctor.md (between the corpus-table markers),
 * which test/doctor/corpus.test.ts checks.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTable, scoreCorpus } from 'paddock/doctor/corpus.js';
import { paths } from 'paddock/paths.js';

const score = await scoreCorpus(join(paths.root, 'test', 'fixtures', 'doctor-corpus'));
const table = renderTable(score);
console.log(table);
for (const r of score.rules.values()) {
  for (const m of r.missed) console.log(`missed: ${m}`);
  for (const f of r.falseFindings) console.log(`false:  ${f}`);
}
if (process.argv.includes('--write')) {
  const file = join(paths.root, 'docs', 'doctor.md');
  const doc = readFileSync(file, 'utf8');
  const re = /<!-- corpus-table -->\n[\s\S]*?<!-- \/corpus-table -->/;
  if (!re.test(doc)) throw new Error('docs/doctor.md has no corpus-table markers');
  writeFileSync(file, doc.replace(re, `<!-- corpus-table -->\n${table}\n<!-- /corpus-table -->`));
  console.log(`wrote the table into ${file}`);
}
