// The contract (charts/app/values.schema.json) is enforced twice: by the CLI
// (ajv, with hints) and by Helm itself at install (so Flux fails with a reason).
// Every bad fixture must be refused by both, naming the field.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { checkValuesFile } from 'paddock/contract/index.js';
import { listFixtures, renderWithHelm } from '../lib/chart.js';

/** Refused only by the CLI (and, in a cluster, by the API server or the platform's override rules), not by the chart. */
const CLI_ONLY = new Set(['platform-override.yaml', 'request-over-limit.yaml']);

describe('contract: good values are accepted', () => {
  for (const { file } of listFixtures('good')) {
    it(basename(file), async () => {
      const { app, findings } = await checkValuesFile(file, { name: 'app1' });
      assert.deepEqual(findings.filter((f) => f.severity === 'error'), []);
      assert.equal(app?.namespace, 'app1-ns');
      const helm = await renderWithHelm('app1', file);
      assert.equal(helm.code, 0, helm.stderr);
    });
  }
});

describe('contract: bad values are refused, naming the field', () => {
  for (const { file, expect } of listFixtures('bad')) {
    it(`${basename(file)} → ${expect}`, async () => {
      assert.ok(expect, 'fixture must say which field it breaks (# expect: …)');
      const { app, findings } = await checkValuesFile(file, { name: 'app1' });
      assert.equal(app, undefined);
      const named = findings.find((f) => f.path === expect);
      assert.ok(named, `no finding names ${expect}: ${JSON.stringify(findings.map((f) => f.path))}`);
      assert.ok(named.line && named.line > 0, 'the finding gives a line');
      assert.ok(named.message.length > 10 && named.fix, 'the finding says what is wrong and what to do');
      assert.doesNotMatch(named.message, /must match|additionalProperties|NOT be valid/, 'plain English, not validator jargon');

      if (CLI_ONLY.has(basename(file))) return;
      const helm = await renderWithHelm('app1', file);
      assert.notEqual(helm.code, 0, 'helm must refuse it too');
      const leaf = expect.split('.').filter((p) => !/^\d+$/.test(p)).pop() as string;
      assert.match(helm.stderr, new RegExp(leaf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), `helm's error names ${leaf}`);
    });
  }
});

describe('contract: the app name', () => {
  it('comes from the folder of values.yaml, else the file name', async () => {
    const { appNameFor } = await import('paddock/contract/index.js');
    assert.equal(appNameFor('apps/app1/values.yaml'), 'app1');
    assert.equal(appNameFor('/x/billing/values.yml'), 'billing');
    assert.equal(appNameFor('fixtures/reports.yaml'), 'reports');
    assert.equal(appNameFor('apps/app1/values.yaml', 'other'), 'other');
  });

  it('must be a DNS label that leaves room for -ns', async () => {
    const good = listFixtures('good')[0]?.file as string;
    for (const name of ['App1', 'app_1', '1app', 'a'.repeat(61)]) {
      const { findings } = await checkValuesFile(good, { name });
      assert.ok(findings.some((f) => f.rule === 'contract' && /app name/.test(f.message)), name);
      const helm = await renderWithHelm(name, good);
      assert.notEqual(helm.code, 0, `helm refuses ${name}`);
    }
  });
});
