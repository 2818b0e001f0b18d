// The seed's demo, rendered through the real chart with the pinned helm, must come out as
// designed: app2 → app1 allowed on Dapr's port, app1 → app2 denied, Redis only for app1, Vault for nobody.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { callBetween, checkConnectivity, explainApp, formatMatrix, reaches, type ConnectivityResult } from 'paddock/connectivity/index.js';
import { demo } from './render.js';

describe('connectivity of the demo apps (app1, app2)', () => {
  let r: ConnectivityResult;
  before(async () => {
    r = checkConnectivity(await demo());
  });

  it('app2 → app1 is allowed on 50002: network open and Dapr access control allows it', () => {
    const c = callBetween(r.matrix, 'app2', 'app1');
    assert.deepEqual(c, { from: 'app2', to: 'app1', network: true, acl: 'allow', effective: true, callerDeclares: true, calleeDeclares: true });
    assert.equal(reaches(r.matrix, 'app2', 'app1', 50002), true);
  });

  it('app1 → app2 is denied on every layer', () => {
    const c = callBetween(r.matrix, 'app1', 'app2');
    assert.equal(c.effective, false);
    assert.equal(c.network, false);
    assert.equal(c.acl, 'deny');
    assert.equal(reaches(r.matrix, 'app1', 'app2'), false);
  });

  it('apps cannot reach each other on any port but Dapr’s', () => {
    assert.equal(reaches(r.matrix, 'app2', 'app1', 8080), false);
    assert.equal(reaches(r.matrix, 'app2', 'app1', 9090), false);
  });

  it('app1 (statestore) reaches Redis on 6379; app2 (no statestore, no pubsub) does not', () => {
    assert.equal(reaches(r.matrix, 'app1', 'redis-system/redis', 6379), true);
    assert.equal(reaches(r.matrix, 'app2', 'redis-system/redis'), false);
  });

  it('neither app reaches Vault, even app1 which reads secrets', () => {
    assert.equal(reaches(r.matrix, 'app1', 'vault-system/vault'), false);
    assert.equal(reaches(r.matrix, 'app2', 'vault-system/vault'), false);
  });

  it('both reach DNS and the Dapr control plane, and Prometheus reaches their metrics', () => {
    for (const a of ['app1', 'app2']) {
      assert.equal(reaches(r.matrix, a, 'kube-system/coredns', 53), true);
      assert.equal(reaches(r.matrix, a, 'dapr-system/dapr-sentry', 50001), true);
      assert.equal(reaches(r.matrix, 'monitoring/prometheus', a, 9090), true);
      assert.equal(reaches(r.matrix, a, 'internet'), false);
    }
  });

  it('every pod of both namespaces is isolated both ways', () => {
    for (const id of ['app1-ns/app1', 'app1-ns/*', 'app2-ns/app2', 'app2-ns/*']) assert.deepEqual(r.matrix.isolation[id], { ingress: true, egress: true }, id);
  });

  it('reports no finding', () => {
    assert.deepEqual(r.findings, []);
  });

  it('prints a table and plain-English lines', () => {
    const table = formatMatrix(r.matrix);
    assert.match(table, /app2\s+app1\s+open\s+allow\s+both\s+allowed/);
    assert.match(table, /app1\s+redis-system\/redis\s+6379\/TCP\s+app1-allow-redis/);
    assert.ok(explainApp(r, 'app1').includes('Other apps that can call app1 (through Dapr): app2.'));
    assert.ok(explainApp(r, 'app2').includes('app2 can call (through Dapr): app1.'));
  });
});
