// Stage 2b of the live cluster (issue 12): the platform's controllers, from
// the platform's own registry. Where no chart repository answers, `cluster up`
// pushes each chart to the bootstrap registry and applies
// clusters/kind-airgapped, whose HelmRepositories point there; Flux installs
// from it with no manifest edited by hand. Skipped unless PADDOCK_E2E=1 (make e2e).
//
// What it proves, for each chart served so far (metrics-server): the
// HelmRepository is the bootstrap registry, source-controller fetched the
// chart from it at the version pushed, helm-controller installed it, its pods
// run the image built here on the system pool, and the API it serves answers
// (the Metrics API: what `kubectl top` and a HorizontalPodAutoscaler read).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiServerAnswer } from 'paddock/cluster/aggregated-api.js';
import { CLUSTER, clusterCharts, clusterImages } from 'paddock/cluster/index.js';
import { paths } from 'paddock/paths.js';
import { eventually } from '../lib/eventually.js';
import { type FluxObject, getJson, kubectl, readyEventually, SKIP } from './kubectl.js';

const metrics = clusterCharts(paths.root).find((c) => c.name === 'metrics-server')!;
const metricsImage = clusterImages(paths.root).find((i) => i.recipe === 'metrics-server')!;

describe('live cluster, stage 2b: the controllers install from the platform registry', { skip: SKIP }, () => {
  it('the HelmRepositories are the bootstrap registry, and Flux fetched each served chart from it at the version pushed', async () => {
    // kustomize-controller applies the layer a few seconds after the entry point
    const repo = await eventually(
      'kustomize-controller to apply the HelmRepository metrics-server',
      () => getJson<FluxObject>(['-n', 'flux-system', 'get', 'helmrepository', 'metrics-server']),
      300_000,
      2000,
    );
    assert.equal(repo.spec.url, `oci://${CLUSTER.registry}:5000/${CLUSTER.chartsRepository}`);
    assert.equal(repo.spec.type, 'oci');
    // helm-controller names the HelmChart <release namespace>-<release name>
    const chart = await readyEventually('helmchart', 'flux-system', 'kube-system-metrics-server', 300_000);
    assert.equal(chart.status?.artifact?.revision, metrics.version, 'the chart version cluster up pushed');
  });

  it('metrics-server is installed, runs the image built here on the system pool, and the Metrics API answers for every node', async () => {
    const started = Date.now();
    await readyEventually('helmrelease', 'kube-system', 'metrics-server', 600_000);
    const d = await getJson<{ spec: { template: { spec: { containers: { image: string }[] } } } }>([
      '-n',
      'kube-system',
      'get',
      'deployment',
      'metrics-server',
    ]);
    assert.equal(d.spec.template.spec.containers[0]!.image, metricsImage.ref);
    const nodes = await getJson<{ items: { metadata: { name: string; labels: Record<string, string> } }[] }>(['get', 'nodes']);
    const pods = await getJson<{ items: { spec: { nodeName: string } }[] }>([
      '-n',
      'kube-system',
      'get',
      'pods',
      '-l',
      'app.kubernetes.io/name=metrics-server',
    ]);
    assert.ok(pods.items.length >= 1, 'a metrics-server pod');
    for (const p of pods.items) {
      const node = nodes.items.find((n) => n.metadata.name === p.spec.nodeName);
      assert.equal(node?.metadata.labels['paddock.dev/nodepool'], 'system', `metrics-server runs on ${p.spec.nodeName}, not the system pool`);
    }
    // the first scrape takes a resolution interval (15 s) after the pod is up
    const usage = await eventually(
      'the Metrics API to report every node',
      async () => {
        const r = await kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes']);
        if (r.code !== 0) return undefined;
        const items = (JSON.parse(r.stdout) as { items: { metadata: { name: string }; usage: { cpu: string; memory: string } }[] }).items;
        return items.length === nodes.items.length ? items : undefined;
      },
      180_000,
      2000,
    ).catch(async (err: Error) => {
      // what answered: the aggregator's own 404 and a delegated one are different faults
      const seen = await apiServerAnswer('/apis/metrics.k8s.io/v1beta1/nodes');
      const service = await kubectl(['get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'jsonpath={.status.conditions}']);
      throw new Error(`${err.message}\nAPIService v1beta1.metrics.k8s.io: ${service.stdout}\n${seen}`);
    });
    for (const n of usage) assert.match(n.usage.memory, /^\d+(Ki|Mi|Gi)?$/, `${n.metadata.name}: memory usage ${n.usage.memory}`);
    console.log(`# metrics-server: installed and serving ${((Date.now() - started) / 1000).toFixed(1)} s after this test started`);
  });
});
