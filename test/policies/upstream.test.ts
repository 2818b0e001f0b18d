/**
 * The upstream examples offline: each verdict is the one its source documents
 * (the Kubernetes documentation, Kubernetes' own tests). That the API server
 * gives the same verdicts is test/policies/apiserver.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offlineVerdicts } from '../lib/agreement.js';
import { upstreamCases } from './upstream.js';

const cases = upstreamCases();
const verdicts = offlineVerdicts(cases);

test('case ids and names are unique (they share one API server)', () => {
  assert.equal(new Set(cases.map((c) => c.id)).size, cases.length);
  const names = cases.flatMap((c) => c.policies.map((o) => `${o.kind}/${o.metadata.name}`));
  assert.equal(new Set(names).size, names.length);
});

cases.forEach((c, ci) => {
  test(`${c.id} ${c.name} (${c.source})`, async () => {
    const v = (await verdicts)[ci]!;
    for (const o of c.policies) {
      const k = `${o.kind}/${o.metadata.name}`;
      const expected = c.refused?.[k];
      const got = v.creations[k];
      if (expected === undefined) assert.equal(got, undefined, `${k} is accepted`);
      else if (typeof expected === 'string') assert.equal(got, expected, k);
      else assert.match(got ?? '(accepted)', expected, k);
    }
    c.requests.forEach((r, ri) => {
      const got = v.requests[ri]!;
      const what = `${r.name}: ${JSON.stringify(got)}`;
      assert.equal(got.notAdmission, undefined, what);
      assert.equal(got.undecidable, undefined, what);
      assert.equal(got.allowed, r.expect.allowed, what);
      if (!r.expect.allowed && r.expect.message !== undefined) {
        const m = r.expect.message;
        if (typeof m === 'string') assert.deepEqual(got.messages, [m], what);
        else assert.ok(got.messages.length === 1 && m.test(got.messages[0]!), what);
      }
      if (r.expect.allowed) {
        assert.deepEqual(got.warnings, r.expect.warnings ?? [], what);
        if (r.expect.annotations) assert.deepEqual(got.annotations, r.expect.annotations, what);
      }
    });
  });
});
