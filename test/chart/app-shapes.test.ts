// Apps as people really write them (issue 13): a web app with no health route,
// one whose readiness and liveness differ, and a worker with no port. Each is
// rendered by the real chart (helm), passes `paddock check` (contract, strict
// schemas, every admission policy with the sidecar injected, connectivity) and
// is explained in plain words; the contract refuses what cannot hold for a
// worker.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { K8sObject } from 'paddock/render/index.js';
import { find, one, paths, renderWithHelm } from '../lib/chart.js';
import { paddock, STACK } from '../lib/cli.js';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const fixtureApps = join(paths.root, 'test', 'fixtures', 'apps');
const worker = join(fixtureApps, 'worker', 'values.yaml');
const plainWeb = join(fixtureApps, 'plain-web', 'values.yaml');

function values(name: string, text: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'paddock-shapes-')), name);
  writeFileSync(`${dir}.yaml`, text);
  return `${dir}.yaml`;
}

const appContainer = (objects: K8sObject[], name: string): Any => (one(objects, 'Deployment', name) as Any).spec.template.spec.containers[0];
const annotations = (objects: K8sObject[], name: string): Record<string, string> =>
  (one(objects, 'Deployment', name) as Any).spec.template.metadata.annotations;
/** Namespaces a NetworkPolicy lets in on a port. */
const ingressOn = (objects: K8sObject[], port: number): string[] =>
  (find(objects, 'NetworkPolicy') as Any[]).flatMap((p) =>
    (p.spec.ingress ?? [])
      .filter((r: Any) => (r.ports ?? []).some((pt: Any) => pt.port === port))
      .flatMap((r: Any) => (r.from ?? []).map((peer: Any) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'])),
  );

describe('a web app with no health route', () => {
  let objects: K8sObject[] = [];
  before(async () => {
    const r = await renderWithHelm('plain-web', plainWeb);
    assert.equal(r.code, 0, r.stderr);
    objects = r.objects;
  });

  it("is checked on its port: TCP readiness, liveness and start-up, and Dapr's app health check off", () => {
    const ctr = appContainer(objects, 'plain-web');
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      assert.deepEqual(ctr[probe].tcpSocket, { port: 'http' }, probe);
      assert.equal(ctr[probe].httpGet, undefined, probe);
    }
    assert.equal(ctr.ports[0].containerPort, 8091);
    const a = annotations(objects, 'plain-web');
    assert.equal(a['dapr.io/app-port'], '8091');
    assert.equal(a['dapr.io/enable-app-health-check'], 'false');
    assert.equal(a['dapr.io/app-health-check-path'], undefined);
    assert.equal(find(objects, 'Service').length, 1);
  });

  it('passes paddock check and is explained in plain words', async () => {
    const check = await paddock(['check', plainWeb]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const e = await paddock(['explain', plainWeb]);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /It gets requests once the app accepts connections on port 8091 \(it has no health path/);
  });
});

describe('readiness and liveness on different paths', () => {
  let objects: K8sObject[] = [];
  let file = '';
  before(async () => {
    file = values('split', 'image: { repository: localhost:30000/platform/split, tag: "1.0.0" }\nport: 8080\nhealthPath: /ready\nlivenessPath: /livez\n');
    const r = await renderWithHelm('split', file);
    assert.equal(r.code, 0, r.stderr);
    objects = r.objects;
  });

  it('readiness and Dapr ask healthPath; liveness and start-up ask livenessPath', () => {
    const ctr = appContainer(objects, 'split');
    assert.equal(ctr.readinessProbe.httpGet.path, '/ready');
    assert.equal(ctr.livenessProbe.httpGet.path, '/livez');
    assert.equal(ctr.startupProbe.httpGet.path, '/livez');
    const a = annotations(objects, 'split');
    assert.equal(a['dapr.io/enable-app-health-check'], 'true');
    assert.equal(a['dapr.io/app-health-check-path'], '/ready');
    // Dapr's rhythm is the readiness probe's: every 5 s, 1 s to answer, 3 misses.
    assert.deepEqual([a['dapr.io/app-health-probe-interval'], a['dapr.io/app-health-probe-timeout'], a['dapr.io/app-health-threshold']], ['5', '1000', '3']);
    assert.equal(ctr.readinessProbe.periodSeconds, 5);
    assert.equal(ctr.readinessProbe.timeoutSeconds, 1);
    assert.equal(ctr.readinessProbe.failureThreshold, 3);
  });

  it('explain tells the two apart', async () => {
    const e = await paddock(['explain', file]);
    assert.match(
      e.stdout,
      /It gets requests only while GET \/ready on port 8080 answers 2xx; it is restarted only if GET \/livez on port 8080 answers 2xx no longer holds/,
    );
  });
});

describe('a worker with no port (port: none)', () => {
  let objects: K8sObject[] = [];
  before(async () => {
    const r = await renderWithHelm('worker', worker);
    assert.equal(r.code, 0, r.stderr);
    objects = r.objects;
  });

  it('gets no Service, no container port, no PORT, no probes', () => {
    assert.equal(find(objects, 'Service').length, 0);
    const ctr = appContainer(objects, 'worker');
    assert.equal(ctr.ports, undefined);
    assert.equal(
      ctr.env.find((e: Any) => e.name === 'PORT'),
      undefined,
    );
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) assert.equal(ctr[probe], undefined, probe);
    const quota = one(objects, 'ResourceQuota') as Any;
    assert.equal(quota.spec.hard.services, '1', "only the Service Dapr's operator adds");
  });

  it('its sidecar runs without an app port or app health check', () => {
    const a = annotations(objects, 'worker');
    assert.equal(a['dapr.io/app-port'], undefined);
    assert.equal(a['dapr.io/app-health-check-path'], undefined);
    assert.equal(a['dapr.io/enable-app-health-check'], 'false');
  });

  it("nothing may call it: no NetworkPolicy opens Dapr's port to it, access control admits no one", () => {
    assert.deepEqual(ingressOn(objects, 50002), []);
    const config = one(objects, 'Configuration') as Any;
    assert.equal(config.spec.accessControl.defaultAction, 'deny');
    assert.equal(config.spec.accessControl.policies, undefined);
  });

  it('it may open a streaming subscription for its topics, and only the pub/sub component scopes them', () => {
    const config = one(objects, 'Configuration') as Any;
    assert.ok(config.spec.api.allowed.some((x: Any) => x.name === 'subscribe' && x.version === 'v1alpha1' && x.protocol === 'grpc'));
    const pubsub = (find(objects, 'Component') as Any[]).find((c) => c.metadata.name === 'pubsub')!;
    const meta = Object.fromEntries(pubsub.spec.metadata.map((m: Any) => [m.name, m.value]));
    assert.equal(meta.subscriptionScopes, 'worker=orders');
  });

  it('passes paddock check and is explained in plain words', async () => {
    const check = await paddock(['check', worker]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const e = await paddock(['explain', worker]);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /It answers no web requests \(port: none\)/);
    assert.match(e.stdout, /no other app can call it/);
    assert.match(e.stdout, /streaming subscriptions/);
  });

  it('the contract refuses a health path or callers for it, naming the line and the fix', async () => {
    const bad = values(
      'bad-worker',
      'image: { repository: localhost:30000/platform/w, tag: "1.0.0" }\nport: none\nhealthPath: /health\nnetworkPolicy: { allowIngressFrom: [app2-ns] }\n',
    );
    const r = await paddock(['validate', bad, '--json']);
    assert.equal(r.code, 1);
    const findings = (JSON.parse(r.stdout) as { findings: { path: string; line: number; message: string; fix: string }[] }).findings;
    const health = findings.find((f) => f.path === 'healthPath')!;
    assert.equal(health.line, 3);
    assert.match(health.message, /port: none/);
    assert.match(health.fix, /Remove healthPath/);
    const callers = findings.find((f) => f.path === 'networkPolicy.allowIngressFrom')!;
    assert.match(callers.message, /answers no calls/);
    assert.doesNotMatch(r.stdout + r.stderr, STACK);
    // Helm refuses it too (the same schema), so Flux would say why.
    const helm = await renderWithHelm('bad-worker', bad);
    assert.notEqual(helm.code, 0);
  });

  it('a port that is neither a number nor none is explained', async () => {
    const bad = values('bad-port', 'image: { repository: localhost:30000/platform/w, tag: "1.0.0" }\nport: nine\n');
    const r = await paddock(['validate', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, /port: none for a worker/);
  });
});

describe('node disk for every container', () => {
  it("the app container, the LimitRange (the sidecar's default) and the quota bound ephemeral storage", async () => {
    const r = await renderWithHelm('app1', join(paths.root, 'apps', 'app1', 'values.yaml'));
    assert.equal(r.code, 0, r.stderr);
    const ctr = appContainer(r.objects, 'app1');
    assert.equal(ctr.resources.requests['ephemeral-storage'], '64Mi');
    assert.equal(ctr.resources.limits['ephemeral-storage'], '256Mi');
    const limits = (one(r.objects, 'LimitRange') as Any).spec.limits.find((l: Any) => l.type === 'Container');
    assert.equal(limits.default['ephemeral-storage'], '128Mi');
    assert.equal(limits.defaultRequest['ephemeral-storage'], '32Mi');
    assert.equal(limits.max['ephemeral-storage'], '1Gi');
    const hard = (one(r.objects, 'ResourceQuota') as Any).spec.hard;
    // (app 64Mi + sidecar 32Mi) and (256Mi + 128Mi), for one replica plus one surge pod.
    assert.equal(hard['requests.ephemeral-storage'], '192Mi');
    assert.equal(hard['limits.ephemeral-storage'], '768Mi');
  });
});
