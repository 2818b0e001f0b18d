// Stage 4 of the live cluster (issue 12): the whole controllers layer
// converges where nothing can be pulled. External Secrets Operator from the
// module the proxy serves, Prometheus Operator and Prometheus in place of
// kube-prometheus-stack, CNCF distribution in Harbor's place at Harbor's
// address; then Flux reports infrastructure-controllers Ready, the layer
// every later one waits for. Skipped unless PADDOCK_E2E=1 (make e2e).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLUSTER, clusterImages } from 'paddock/cluster/index.js';
import { paths } from 'paddock/paths.js';
import { eventually } from '../lib/eventually.js';
import { getJson, kubectl, ok, readyEventually, run, SKIP } from './kubectl.js';

const built = new Map(clusterImages(paths.root).map((i) => [i.recipe, i.ref]));

interface Pod {
  metadata: { name: string };
  spec: { nodeName: string; containers: { image: string }[] };
  status: { containerStatuses?: { ready: boolean; imageID: string }[] };
}

/** The pods of a namespace matching a selector, and the pool of the node each runs on. */
async function podsWithPool(ns: string, selector: string): Promise<{ pod: Pod; pool: string | undefined }[]> {
  const nodes = await getJson<{ items: { metadata: { name: string; labels: Record<string, string> } }[] }>(['get', 'nodes']);
  const pods = await getJson<{ items: Pod[] }>(['-n', ns, 'get', 'pods', '-l', selector]);
  return pods.items.map((pod) => ({ pod, pool: nodes.items.find((n) => n.metadata.name === pod.spec.nodeName)?.metadata.labels['paddock.dev/nodepool'] }));
}

describe('live cluster, stage 4: the controllers layer converges from what is built here', { skip: SKIP }, () => {
  it('External Secrets Operator is installed from the served chart, its three pods on the system pool with the built image, its webhook answering', async () => {
    const started = Date.now();
    await readyEventually('helmrelease', 'external-secrets', 'external-secrets', 900_000);
    for (const name of ['external-secrets', 'external-secrets-webhook', 'external-secrets-cert-controller']) {
      const pods = await podsWithPool('external-secrets', `app.kubernetes.io/name=${name}`);
      assert.ok(pods.length >= 1, `a ${name} pod`);
      for (const { pod, pool } of pods) {
        assert.deepEqual(
          pod.spec.containers.map((c) => c.image),
          [built.get('external-secrets')],
          `${pod.metadata.name}`,
        );
        assert.equal(pool, 'system', `${pod.metadata.name} runs on the system pool`);
      }
    }
    // its webhook judges every ExternalSecret: one that names no data is refused by it, by its own message
    // (right after install the webhook may not serve yet: wait until the refusal is the webhook's)
    const refused = await eventually(
      "ESO's webhook to judge an ExternalSecret",
      async () => {
        const r = await kubectl(
          ['apply', '--dry-run=server', '-f', '-'],
          JSON.stringify({
            apiVersion: 'external-secrets.io/v1',
            kind: 'ExternalSecret',
            metadata: { name: 'e2e-no-data', namespace: 'external-secrets' },
            spec: { secretStoreRef: { name: 'none', kind: 'SecretStore' }, target: { name: 'none' } },
          }),
        );
        return r.code !== 0 && /denied the request/.test(r.stderr) ? r.stderr : undefined;
      },
      180_000,
      3000,
    );
    assert.match(
      refused,
      /admission webhook "validate\.externalsecret\.external-secrets\.io" denied the request: .*either data or dataFrom should be specified/,
    );
    console.log(`# external-secrets: Ready and its webhook judging ${((Date.now() - started) / 1000).toFixed(1)} s after this test started`);
  });

  it('Prometheus Operator runs from its own bundle, and the Prometheus it deploys runs the images built here on the system pool', async () => {
    const started = Date.now();
    await readyEventually('kustomization', 'flux-system', 'prometheus-operator', 600_000);
    await readyEventually('kustomization', 'flux-system', 'prometheus', 600_000);
    const operator = await podsWithPool('monitoring', 'app.kubernetes.io/name=prometheus-operator');
    assert.equal(operator.length, 1);
    assert.equal(operator[0]!.pod.spec.containers[0]!.image, built.get('prometheus-operator'));
    assert.equal(operator[0]!.pool, 'system');
    const prometheus = await podsWithPool('monitoring', 'app.kubernetes.io/name=prometheus');
    assert.equal(prometheus.length, 1, 'one Prometheus replica');
    const images = prometheus[0]!.pod.spec.containers.map((c) => c.image).sort();
    assert.deepEqual(images, [built.get('prometheus'), built.get('prometheus-config-reloader')].sort());
    assert.equal(prometheus[0]!.pool, 'system');
    console.log(`# prometheus: operator and Prometheus running ${((Date.now() - started) / 1000).toFixed(1)} s after this test started`);
  });

  it("distribution answers at Harbor's address, from the host and from every node, and a chart pushed there can be pulled back", async () => {
    await eventually(
      'the registry in harbor-system to be ready',
      async () => {
        const d = await getJson<{ status: { readyReplicas?: number } }>(['-n', 'harbor-system', 'get', 'deployment', 'registry']);
        return (d.status.readyReplicas ?? 0) >= 1 ? true : undefined;
      },
      300_000,
      2000,
    );
    const registry = await podsWithPool('harbor-system', 'app.kubernetes.io/name=registry');
    assert.equal(registry[0]!.pool, 'system');
    assert.equal(registry[0]!.pod.spec.containers[0]!.image, built.get('registry'));
    const nodes = await getJson<{ items: { metadata: { name: string } }[] }>(['get', 'nodes']);
    for (const n of nodes.items) {
      const r = await run(['docker', 'exec', n.metadata.name, 'curl', '-fsS', '-o', '/dev/null', '-w', '%{http_code}', `http://${CLUSTER.harborHost}/v2/`]);
      assert.equal(r.stdout, '200', `${n.metadata.name}: ${CLUSTER.harborHost}/v2/ answers (${r.stderr.trim()})`);
    }
    // the round trip the publish phase makes: the shared chart, pushed from the host and pulled back
    const work = mkdtempSync(join(tmpdir(), 'paddock-e2e-registry-'));
    try {
      const pkg = await run(['helm', 'package', join(paths.root, 'charts', 'app'), '--destination', work]);
      assert.equal(pkg.code, 0, pkg.stderr);
      const tgz = pkg.stdout.trim().split(' ').at(-1)!;
      const push = await run(['helm', 'push', tgz, `oci://${CLUSTER.harborHost}/e2e`, '--plain-http']);
      assert.equal(push.code, 0, push.stderr);
      const show = await run(['helm', 'show', 'chart', `oci://${CLUSTER.harborHost}/e2e/app`, '--plain-http']);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /^name: app$/m);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('Flux reports the whole controllers layer Ready', async () => {
    const started = Date.now();
    await readyEventually('kustomization', 'flux-system', 'infrastructure-controllers', 900_000);
    console.log(`# infrastructure-controllers: Ready ${((Date.now() - started) / 1000).toFixed(1)} s after this test started`);
  });

  it("Prometheus scrapes the Dapr control plane through the platform's PodMonitor (infrastructure-configs applies it)", async () => {
    const started = Date.now();
    await eventually(
      'infrastructure-configs to apply PodMonitor dapr-system/dapr-control-plane',
      async () => ((await kubectl(['-n', 'dapr-system', 'get', 'podmonitor', 'dapr-control-plane'])).code === 0 ? true : undefined),
      600_000,
      3000,
    );
    const pod = (await podsWithPool('monitoring', 'app.kubernetes.io/name=prometheus'))[0]!.pod.metadata.name;
    // the targets come up a scrape interval (30 s) after the operator writes them into the config
    const targets = await eventually(
      'Prometheus to scrape the Dapr control plane (PodMonitor dapr-system/dapr-control-plane)',
      async () => {
        const r = await kubectl(['-n', 'monitoring', 'get', '--raw', `/api/v1/namespaces/monitoring/pods/${pod}:9090/proxy/api/v1/targets?state=active`]);
        if (r.code !== 0) return undefined;
        const active = (JSON.parse(r.stdout) as { data: { activeTargets: { scrapePool: string; health: string; labels: Record<string, string> }[] } }).data
          .activeTargets;
        const dapr = active.filter((t) => t.scrapePool.startsWith('podMonitor/dapr-system/dapr-control-plane/'));
        return dapr.length >= 5 && dapr.every((t) => t.health === 'up') ? dapr : undefined;
      },
      600_000,
      5000,
    );
    const scraped = [...new Set(targets.map((t) => t.labels.pod?.replace(/-[a-z0-9]+(-[a-z0-9]+)?$/, '')))].sort();
    console.log(
      `# prometheus: scraping ${targets.length} Dapr control-plane targets (${scraped.join(', ')}) ${((Date.now() - started) / 1000).toFixed(1)} s after this test started`,
    );
    // and what it scraped is queryable
    const q = await ok([
      '-n',
      'monitoring',
      'get',
      '--raw',
      `/api/v1/namespaces/monitoring/pods/${pod}:9090/proxy/api/v1/query?query=${encodeURIComponent('up{namespace="dapr-system"}')}`,
    ]);
    const result = (JSON.parse(q) as { data: { result: { value: [number, string] }[] } }).data.result;
    assert.ok(result.length >= 5 && result.every((r) => r.value[1] === '1'), `up{namespace="dapr-system"}: ${q}`);
  });
});
