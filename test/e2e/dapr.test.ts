// Stage 3 of the live cluster (issue 12): Dapr's control plane, installed by
// Flux from the platform's own registry where no chart repository answers,
// every image built here from dapr/dapr at the pin. Skipped unless
// PADDOCK_E2E=1 (make e2e).
//
// What it proves: the chart dapr publishes (made from its module by dapr's
// own release step) is installed; operator, placement, scheduler, sentry and
// injector run the images built here, on the system pool; and the injector
// adds the full daprd to a pod in a namespace that enforces Pod Security
// "restricted", the API server admits the mutated pod, and the sidecar gets
// its mTLS identity from sentry and turns Ready.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { clusterCharts, clusterImages } from 'paddock/cluster/index.js';
import { paths } from 'paddock/paths.js';
import { eventually } from '../lib/eventually.js';
import { apply, getJson, kubectl, readyEventually, SKIP } from './kubectl.js';

const chart = clusterCharts(paths.root).find((c) => c.name === 'dapr')!;
const images = clusterImages(paths.root);
const sidecar = images.find((i) => i.recipe === 'dapr-daprd')!;
const pause = images.find((i) => i.recipe === 'pause')!;

interface Workload {
  spec: { template: { spec: { containers: { image: string }[] } } };
  status: { readyReplicas?: number; replicas?: number };
}
interface Pod {
  metadata: { name: string };
  spec: { nodeName: string; containers: { name: string; image: string }[] };
  status: { phase: string; containerStatuses?: { name: string; ready: boolean; restartCount: number }[] };
}

const CONTROL_PLANE = [
  ['deployment', 'dapr-operator', 'operator'],
  ['statefulset', 'dapr-placement-server', 'placement'],
  ['statefulset', 'dapr-scheduler-server', 'scheduler'],
  ['deployment', 'dapr-sentry', 'sentry'],
  ['deployment', 'dapr-sidecar-injector', 'injector'],
] as const;

const NS = 'paddock-e2e-dapr';

describe('live cluster, stage 3: Dapr’s control plane from the platform registry', { skip: SKIP }, () => {
  after(async () => {
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
  });

  it('Flux installs the chart pushed from dapr/dapr at the pin', async () => {
    const started = Date.now();
    const helmChart = await readyEventually('helmchart', 'flux-system', 'dapr-system-dapr', 300_000);
    assert.equal(helmChart.status?.artifact?.revision, chart.version, 'the chart version cluster up pushed');
    await readyEventually('helmrelease', 'dapr-system', 'dapr', 900_000);
    console.log(`# dapr: HelmRelease Ready ${((Date.now() - started) / 1000).toFixed(1)} s after this test started`);
  });

  it('operator, placement, scheduler, sentry and injector run the images built here, ready, on the system pool', async () => {
    const nodes = await getJson<{ items: { metadata: { name: string; labels: Record<string, string> } }[] }>(['get', 'nodes']);
    for (const [kind, name, component] of CONTROL_PLANE) {
      const w = await getJson<Workload>(['-n', 'dapr-system', 'get', kind, name]);
      const built = images.find((i) => i.recipe === `dapr-${component}`)!;
      assert.equal(w.spec.template.spec.containers[0]!.image, built.ref, `${name} runs ${built.ref}`);
      assert.ok(
        (w.status.readyReplicas ?? 0) >= 1 && w.status.readyReplicas === w.status.replicas,
        `${name}: ${w.status.readyReplicas ?? 0} of ${w.status.replicas} ready`,
      );
    }
    const pods = await getJson<{ items: Pod[] }>(['-n', 'dapr-system', 'get', 'pods']);
    assert.ok(pods.items.length >= CONTROL_PLANE.length);
    for (const p of pods.items) {
      const node = nodes.items.find((n) => n.metadata.name === p.spec.nodeName);
      assert.equal(node?.metadata.labels['paddock.dev/nodepool'], 'system', `${p.metadata.name} runs on ${p.spec.nodeName}, not the system pool`);
    }
  });

  it('the injector adds the full daprd to a pod under Pod Security "restricted"; it is admitted and the sidecar gets Ready', async () => {
    const restricted = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      runAsUser: 65535,
      seccompProfile: { type: 'RuntimeDefault' },
    };
    await apply([
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'injected',
          namespace: NS,
          annotations: { 'dapr.io/enabled': 'true', 'dapr.io/app-id': 'e2e-injected' },
        },
        spec: {
          nodeSelector: { 'paddock.dev/nodepool': 'system' },
          containers: [{ name: 'app', image: pause.ref, securityContext: restricted, resources: { limits: { cpu: '50m', memory: '16Mi' } } }],
        },
      },
    ]);
    const started = Date.now();
    const pod = await eventually(
      'the injected pod to be Running with every container ready',
      async () => {
        const p = await getJson<Pod>(['-n', NS, 'get', 'pod', 'injected']);
        const statuses = p.status.containerStatuses ?? [];
        return p.status.phase === 'Running' && statuses.length === 2 && statuses.every((s) => s.ready) ? p : undefined;
      },
      300_000,
      2000,
    ).catch(async (err: Error) => {
      const d = await kubectl(['-n', NS, 'describe', 'pod', 'injected']);
      const logs = await kubectl(['-n', NS, 'logs', 'injected', '-c', 'daprd', '--tail', '20']);
      assert.fail(`${err.message}\n${d.stdout.split('\n').slice(-15).join('\n')}\n${logs.stdout}`);
    });
    assert.deepEqual(
      pod.spec.containers.map((c) => c.name),
      ['app', 'daprd'],
    );
    assert.equal(pod.spec.containers[1]!.image, sidecar.ref, 'the sidecar is the full daprd built here, as the platform registry names it');
    console.log(`# dapr: injected sidecar Ready ${((Date.now() - started) / 1000).toFixed(1)} s after the pod was created`);
  });
});
