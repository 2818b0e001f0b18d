// The contract (charts/app/values.schema.json) is enforced twice: by the CLI
// (ajv, with hints) and by Helm itself at install (so Flux fails with a reason).
// Every bad fixture must be refused by both, naming the field.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { checkValuesFile } from 'paddock/contract/index.js';
import { listFixtures, renderWithHelm } from '../lib/chart.js';

/**
 * Refused only by the CLI, not by the chart: platform settings (the platform's
 * override rules keep them out), and plain values that Helm reads one way and
 * editors another (Helm's own reading is valid; the CLI refuses the doubt).
 */
const CLI_ONLY = new Set(['platform-override.yaml', 'yaml-yes-enabled.yaml', 'yaml-binary-replicas.yaml', 'yaml-sexagesimal-owner.yaml']);

describe('contract: good values are accepted', () => {
  for (const { file } of listFixtures('good')) {
    it(basename(file), async () => {
      const { app, findings } = await checkValuesFile(file, { name: 'app1' });
      assert.deepEqual(
        findings.filter((f) => f.severity === 'error'),
        [],
      );
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
      const leaf = expect
        .split('.')
        .filter((p) => !/^\d+$/.test(p))
        .pop() as string;
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

  it('must be a DNS label of at most 53 characters that is not reserved, for the CLI and the chart alike', async () => {
    const good = listFixtures('good')[0]?.file as string;
    const refused = [
      'App1',
      'app_1',
      '1app',
      'Default',
      'a'.repeat(54),
      'system',
      'platform',
      'paddock',
      'control-plane',
      'admin',
      'default',
      'root',
      'kube',
      'dapr',
      'vault',
      'redis',
      'monitoring',
      'y',
      'n',
      'yes',
      'no',
      'on',
      'off',
      'true',
      'false',
      'null',
      'kube-foo',
      'dapr-x',
      'flux-apps',
      'paddock-demo',
      'cilium-agent',
      'system-app',
    ];
    for (const name of refused) {
      const { findings } = await checkValuesFile(good, { name });
      const f = findings.find((x) => x.rule === 'contract' && /app name/.test(x.message));
      assert.ok(f, name);
      assert.match(f.fix ?? '', /Rename the app folder, or pass --name/);
      const helm = await renderWithHelm(name, good);
      assert.notEqual(helm.code, 0, `helm refuses ${name}`);
      // Where the chart's own helper speaks (not Helm's release-name check first), it says the CLI's sentence.
      const chart = /execution error at \([^)]*\): (.*)$/m.exec(helm.stderr)?.[1];
      if (chart) assert.equal(`${chart.charAt(0).toUpperCase()}${chart.slice(1)}.`, f.message, name);
    }
    for (const name of ['a'.repeat(53), 'app1', 'kubeapp', 'yes-please', 'my-admin', 'nully']) {
      const { findings } = await checkValuesFile(good, { name });
      assert.deepEqual(
        findings.filter((x) => x.severity === 'error'),
        [],
        name,
      );
      assert.equal((await renderWithHelm(name, good)).code, 0, `helm renders ${name}`);
    }
  });
});
