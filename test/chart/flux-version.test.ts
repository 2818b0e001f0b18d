// Flux's helm-controller installs a chart taken through an OCIRepository
// (the apps' chartRef) with its version as <version>+<first 12 of the
// digest>. The first live run (issue 12) refused every object of both apps:
// the chart label carried the "+". Rendered here with that version, every
// label value must be one the API server accepts.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { helmTemplateArgs, parseManifests } from 'paddock/render/index.js';
import { paths, tool } from 'paddock/paths.js';
import { run } from 'paddock/run.js';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('the chart as Flux versions it (<version>+<digest>)', () => {
  const copy = mkdtempSync(join(tmpdir(), 'paddock-chart-'));
  after(() => rmSync(copy, { recursive: true, force: true }));

  it('renders label values the API server accepts, the version kept as far as a label can hold it', async () => {
    cpSync(paths.chart, copy, { recursive: true });
    const chartYaml = join(copy, 'Chart.yaml');
    const version = /^version: (\S+)$/m.exec(readFileSync(chartYaml, 'utf8'))![1]!;
    writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace(/^version: .*$/m, `version: ${version}+22d5d08295f5`));
    for (const app of ['app1', 'app2']) {
      const r = await run(tool('helm'), helmTemplateArgs({ name: app, namespace: `${app}-ns`, file: join(paths.root, 'apps', app, 'values.yaml') }, copy));
      assert.equal(r.code, 0, r.stderr);
      const objects = parseManifests(r.stdout, app).objects.map((o) => o.object);
      const bad: string[] = [];
      const labelsOf = (o: { metadata?: { labels?: Record<string, string> }; spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }) => ({
        ...o.metadata?.labels,
        ...o.spec?.template?.metadata?.labels,
      });
      for (const o of objects)
        for (const [k, v] of Object.entries(labelsOf(o as never)))
          if (!LABEL_VALUE.test(String(v)) || String(v).length > 63) bad.push(`${o.kind}/${o.metadata.name} ${k}=${v}`);
      assert.deepEqual(bad, [], app);
      const chart = objects.map((o) => labelsOf(o as never)['helm.sh/chart']).find(Boolean);
      assert.equal(chart, `app-${version}_22d5d08295f5`);
    }
  });
});
