import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { chartReadme } from 'paddock/docs/chart-readme.js';
import { paths } from 'paddock/paths.js';

it('charts/app/README.md lists every value as values.yaml has it (regenerate with make chart-readme)', () => {
  assert.equal(readFileSync(join(paths.chart, 'README.md'), 'utf8'), chartReadme());
});

it('every values file paddock ships starts with the schema line editors read', () => {
  for (const app of ['app1', 'app2']) {
    const first = readFileSync(join(paths.root, 'apps', app, 'values.yaml'), 'utf8').split('\n')[0];
    assert.equal(first, '# yaml-language-server: $schema=../../charts/app/values.schema.json');
  }
  assert.match(readFileSync(join(paths.chart, 'values.yaml'), 'utf8').split('\n')[0] ?? '', /^# yaml-language-server: \$schema=values\.schema\.json$/);
});
