// A worker (port: none) serves nothing: the pod exposes no app port, no app
// can reach it on Dapr's port, and a caller that lists it is told to stop.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { callBetween, checkConnectivity, reaches, type AppInput } from 'paddock/connectivity/index.js';
import { paths } from '../lib/chart.js';
import { extraApp, renderApp } from './render.js';

describe('a worker with no port', () => {
  let worker: AppInput;
  before(async () => {
    worker = await renderApp('worker', join(paths.root, 'test', 'fixtures', 'apps', 'worker', 'values.yaml'));
  });

  it("has no ingress: no app reaches it, on Dapr's port or any other", async () => {
    const caller = await renderApp('caller', extraApp('caller', {}));
    const r = checkConnectivity([worker, caller]);
    assert.deepEqual(
      r.findings.filter((f) => f.severity === 'error'),
      [],
    );
    const endpoint = r.matrix.endpoints.find((e) => e.app === 'worker' && e.kind === 'app')!;
    assert.ok(endpoint, 'the worker is in the matrix');
    assert.ok(!endpoint.ports.some((p) => p.port === 8080), 'no made-up app port');
    assert.equal(callBetween(r.matrix, 'caller', 'worker').effective, false);
    assert.equal(reaches(r.matrix, 'caller', 'worker'), false);
  });

  it('a caller that lists it is told it answers no calls, and what to do instead', async () => {
    const caller = await renderApp('caller', extraApp('caller', { allowEgressTo: ['worker-ns'] }));
    const r = checkConnectivity([worker, caller]);
    const w = r.findings.find((f) => f.severity === 'warning' && /has no port/.test(f.message))!;
    assert.ok(w, JSON.stringify(r.findings));
    assert.equal(w.file, caller.file);
    assert.equal(w.path, 'networkPolicy.allowEgressTo');
    assert.match(w.message, /worker has no port \(port: none\): it answers no calls/);
    assert.match(w.fix!, /Remove worker-ns from networkPolicy.allowEgressTo/);
  });
});
