// Stage 3 of the live cluster (issue 12): Dapr's control plane, installed by
// Flux from the platform's own registry where no chart repository answers,
// every image built here from dapr/dapr at the pin. Skipped unless
// PADDOCK_E2E=1 (make e2e).
//
// What it proves: the chart dapr publishes (made from its module by dapr's
// own release step) is installed; operator, placement, scheduler, sentry and
// injector run the images built here, on the system pool; the scheduler's
// volumes are bound by kind's storage provisioner (built here too); and the injector
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

// per run: a namespace a previous run left Terminating cannot get in the way
const NS = `paddock-e2e-dapr-${Date.now().toString(36)}`;
const namespace = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } },
};

/**
 * A Deployment whose app container is hardened for "restricted", with Dapr
 * enabled: an app's pods come from a controller, as the injector requires (it
 * refuses to inject a pod a user applies directly).
 */
function deployment(name: string, annotations: Record<string, string>, podSecurity: object = {}): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: { 'dapr.io/enabled': 'true', 'dapr.io/app-id': `e2e-${name}`, ...annotations } },
        spec: {
          nodeSelector: { 'paddock.dev/nodepool': 'system' },
          securityContext: podSecurity,
          containers: [
            {
              name: 'app',
              image: pause.ref,
              resources: { limits: { cpu: '50m', memory: '16Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                runAsNonRoot: true,
                runAsUser: 65535,
                seccompProfile: { type: 'RuntimeDefault' },
              },
            },
          ],
        },
      },
    },
  };
}

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

  it("the scheduler's jobs are on volumes bound by kind's local-path provisioner (the default storage class)", async () => {
    const claims = await getJson<{ items: { metadata: { name: string }; spec: { storageClassName?: string }; status: { phase: string } }[] }>([
      '-n',
      'dapr-system',
      'get',
      'pvc',
    ]);
    const scheduler = claims.items.filter((c) => c.metadata.name.includes('dapr-scheduler'));
    assert.ok(scheduler.length >= 1, 'the scheduler claims a volume per replica');
    for (const c of scheduler) {
      assert.equal(c.status.phase, 'Bound', `${c.metadata.name}: ${c.status.phase}`);
      assert.equal(c.spec.storageClassName, 'standard', `${c.metadata.name}: kind's default class`);
    }
  });

  it('the injector answers the API server: a pod the ReplicaSet controller would create gets daprd (server-side dry run)', async () => {
    // The webhook fails open (failurePolicy Ignore, as Dapr ships it): until
    // the injector serves, pods start without a sidecar. Ask the API server
    // what it would admit, as the controller that creates an app's pods.
    await apply([namespace]);
    const template = (
      deployment('probe', { 'dapr.io/sidecar-seccomp-profile-type': 'RuntimeDefault' }, { seccompProfile: { type: 'RuntimeDefault' } }) as {
        spec: { template: { metadata: object; spec: object } };
      }
    ).spec.template;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name: 'probe', namespace: NS }, spec: template.spec };
    // the injector checks the requester's name and UID against the controllers' service accounts
    const uid = (await getJson<{ metadata: { uid: string } }>(['-n', 'kube-system', 'get', 'serviceaccount', 'replicaset-controller'])).metadata.uid;
    const started = Date.now();
    const admitted = await eventually(
      'the injector to add daprd to a dry-run pod',
      async () => {
        const r = await kubectl(
          ['create', '--dry-run=server', '--as=system:serviceaccount:kube-system:replicaset-controller', `--as-uid=${uid}`, '-o', 'json', '-f', '-'],
          JSON.stringify(pod),
        );
        if (r.code !== 0) throw new Error(r.stderr.trim());
        const p = JSON.parse(r.stdout) as Pod;
        return p.spec.containers.some((c) => c.name === 'daprd') ? p : undefined;
      },
      180_000,
      2000,
    );
    assert.equal(admitted.spec.containers.find((c) => c.name === 'daprd')!.image, sidecar.ref);
    console.log(`# dapr: the injector patched pods ${((Date.now() - started) / 1000).toFixed(1)} s after the HelmRelease was Ready`);
  });

  it('the API server judges the pod with the injected daprd in it: unhardened, Pod Security "restricted" refuses it, naming daprd', async () => {
    await apply([namespace, deployment('unhardened', {})]);
    const refused = await eventually(
      'the ReplicaSet of "unhardened" to be refused a pod',
      async () => {
        const events = await getJson<{ items: { reason: string; message: string; involvedObject: { kind: string; name: string } }[] }>([
          '-n',
          NS,
          'get',
          'events',
          '--field-selector',
          'reason=FailedCreate',
        ]);
        const pods = await getJson<{ items: Pod[] }>(['-n', NS, 'get', 'pods', '-l', 'app=unhardened']);
        if (pods.items.length)
          return { message: `admitted: pod ${pods.items[0]!.metadata.name} with ${pods.items[0]!.spec.containers.map((c) => c.name).join(', ')}` };
        return events.items.find((e) => e.involvedObject.name.startsWith('unhardened-'));
      },
      120_000,
      2000,
    );
    assert.match(refused.message, /violates PodSecurity "restricted:latest"/);
    assert.match(refused.message, /"daprd" must set securityContext\.seccompProfile\.type/, 'the sidecar, not the app, is what restricted refuses');
  });

  it('as the shared chart asks for it (seccomp for the sidecar too), the pod is admitted with the full daprd, and the sidecar gets Ready', async () => {
    // charts/app: the pod's seccomp profile, and the injector's own annotation for the sidecar
    await apply([
      namespace,
      deployment('injected', { 'dapr.io/sidecar-seccomp-profile-type': 'RuntimeDefault' }, { seccompProfile: { type: 'RuntimeDefault' } }),
    ]);
    const started = Date.now();
    const pod = await eventually(
      "the Deployment's pod to be Running with the app and daprd ready",
      async () => {
        const [p] = (await getJson<{ items: Pod[] }>(['-n', NS, 'get', 'pods', '-l', 'app=injected'])).items;
        if (!p) return undefined;
        const statuses = p.status.containerStatuses ?? [];
        return p.status.phase === 'Running' && statuses.length === 2 && statuses.every((s) => s.ready) ? p : undefined;
      },
      300_000,
      2000,
    ).catch(async (err: Error) => {
      const d = await kubectl(['-n', NS, 'describe', 'pods', '-l', 'app=injected']);
      const logs = await kubectl(['-n', NS, 'logs', 'deploy/injected', '-c', 'daprd', '--tail', '20']);
      assert.fail(`${err.message}\n${d.stdout.split('\n').slice(-15).join('\n')}\n${logs.stdout}`);
    });
    assert.deepEqual(
      pod.spec.containers.map((c) => c.name),
      ['app', 'daprd'],
    );
    assert.equal(pod.spec.containers[1]!.image, sidecar.ref, 'the sidecar is the full daprd built here, as the platform registry names it');
    console.log(`# dapr: injected sidecar Ready ${((Date.now() - started) / 1000).toFixed(1)} s after the Deployment was applied`);
    // a figure, idle: what the sidecar's requests are later sized against (under load, with the apps)
    const usage = await eventually(
      "metrics-server to report daprd's usage",
      async () => {
        const r = await kubectl(['-n', NS, 'top', 'pod', pod.metadata.name, '--containers', '--no-headers']);
        return r.code === 0 ? r.stdout.split('\n').find((l) => /\sdaprd\s/.test(l)) : undefined;
      },
      120_000,
      5000,
    );
    const [, , cpu, memory] = usage.trim().split(/\s+/);
    console.log(`# dapr: the full daprd idle uses ${cpu} CPU and ${memory} of memory`);
  });
});
