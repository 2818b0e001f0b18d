// Stage 1 of the live cluster (issue 12): the nodes and Cilium, asserted on
// the real kind cluster `make e2e` brings up (tools/e2e/run.sh). Skipped
// unless PADDOCK_E2E=1: `make test` has no Docker and must stay fast.
//
// What it proves: every node of platform/clusters/kind/kind-config.yaml is
// Ready at the pinned Kubernetes version; CoreDNS answers a pod's lookup; a
// pod lands on a tainted app worker only with the toleration; Cilium enforces
// NetworkPolicy between two pods (a connection that works is dropped by a
// default-deny policy, then let through by an explicit allow — for that
// client only).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { clusterImages, toolVersions } from 'paddock/cluster/index.js';
import { paths } from 'paddock/paths.js';
import { eventually } from '../lib/eventually.js';
import { apply, kubectl, LIVE, ok, SKIP } from './kubectl.js';

const NS = 'paddock-e2e';

/** The images the pods use: already on every node (no pod pulls here). */
const images = clusterImages(paths.root);
const ETCD = images.find((i) => i.recipe === 'etcd')!.ref;
const CILIUM = images.find((i) => i.recipe === 'cilium')!.ref;

const kindConfig = parse(readFileSync(join(paths.platform, 'clusters', 'kind', 'kind-config.yaml'), 'utf8')) as {
  nodes: { role: string; labels?: Record<string, string> }[];
};
/** Pools make e2e adds with `cluster up --pool` (an app it onboards later). */
const extraPools = (process.env.PADDOCK_E2E_POOLS ?? '').split(',').filter(Boolean);
const appPools = [...kindConfig.nodes.map((n) => n.labels?.['paddock.dev/nodepool']).filter((p): p is string => Boolean(p) && p !== 'system'), ...extraPools];
const nodeCount = kindConfig.nodes.length + extraPools.length;

function pod(name: string, labels: Record<string, string>, image: string, command: string[], extra: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image, imagePullPolicy: 'IfNotPresent', command }],
      ...extra,
    },
  };
}

/** An HTTP GET over bash's /dev/tcp from the client pod (the cilium image has bash, no curl): the body, or undefined when it cannot connect in 4 s. */
async function get(client: string, ip: string, port: number, path: string): Promise<string | undefined> {
  const script = `exec 3<>/dev/tcp/${ip}/${port} && printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3`;
  const r = await kubectl(['-n', NS, 'exec', client, '--', 'timeout', '4', 'bash', '-c', script]);
  return r.code === 0 ? r.stdout : undefined;
}

describe('live cluster, stage 1: nodes and Cilium', { skip: SKIP }, () => {
  before(async () => {
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true']);
    await ok(['create', 'namespace', NS]);
  });
  after(async () => {
    if (LIVE) await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
  });

  it('every node of the kind config is Ready, at the pinned Kubernetes version', async () => {
    const nodes = JSON.parse(await ok(['get', 'nodes', '-o', 'json'])) as {
      items: {
        metadata: { name: string; labels: Record<string, string> };
        status: { conditions: { type: string; status: string }[]; nodeInfo: { kubeletVersion: string } };
      }[];
    };
    assert.equal(nodes.items.length, nodeCount, 'one node per entry of kind-config.yaml, and one per --pool');
    const pin = toolVersions(paths.root).KUBERNETES_VERSION;
    for (const n of nodes.items) {
      assert.equal(n.status.conditions.find((c) => c.type === 'Ready')?.status, 'True', `${n.metadata.name} is Ready`);
      assert.equal(n.status.nodeInfo.kubeletVersion, pin, `${n.metadata.name} runs kubelet ${pin}`);
    }
    for (const pool of appPools)
      assert.ok(
        nodes.items.some((n) => n.metadata.labels['paddock.dev/nodepool'] === pool),
        `a node for the ${pool} pool`,
      );
  });

  it('Cilium is the CNI and replaces kube-proxy', async () => {
    const ds = JSON.parse(await ok(['-n', 'kube-system', 'get', 'daemonset', 'cilium', '-o', 'json'])) as {
      status: { desiredNumberScheduled: number; numberReady: number };
    };
    assert.equal(ds.status.numberReady, ds.status.desiredNumberScheduled, 'a Ready Cilium agent on every node');
    assert.equal(ds.status.numberReady, nodeCount);
    const proxy = await kubectl(['-n', 'kube-system', 'get', 'daemonset', 'kube-proxy']);
    assert.notEqual(proxy.code, 0, 'no kube-proxy: Cilium serves the Services');
    const agent = (await ok(['-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=cilium', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const status = await ok(['-n', 'kube-system', 'exec', agent, '-c', 'cilium-agent', '--', 'cilium-dbg', 'status']);
    assert.match(status, /KubeProxyReplacement:\s+True/, status);
  });

  it('CoreDNS runs and answers a pod: the API server Service resolves', async () => {
    await ok(['-n', 'kube-system', 'rollout', 'status', 'deployment/coredns', '--timeout=120s']);
    await apply([pod('dns', { app: 'dns' }, CILIUM, ['sleep', 'infinity'])]);
    await ok(['-n', NS, 'wait', '--for=condition=Ready', 'pod/dns', '--timeout=120s']);
    const svc = (await ok(['-n', 'default', 'get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    let answer = '';
    await eventually(
      'a DNS answer for kubernetes.default',
      async () => {
        const r = await kubectl(['-n', NS, 'exec', 'dns', '--', 'getent', 'hosts', 'kubernetes.default.svc.cluster.local']);
        answer = r.stdout;
        return r.code === 0;
      },
      60_000,
    );
    assert.match(answer, new RegExp(`^${svc.replace(/\./g, '\\.')}\\s`), answer);
  });

  it('a pod lands on a tainted app worker with the toleration, and not without it', async () => {
    const pool = appPools[0]!;
    const placement = { nodeSelector: { 'paddock.dev/nodepool': pool } };
    await apply([
      pod('on-pool', { app: 'on-pool' }, CILIUM, ['sleep', 'infinity'], {
        ...placement,
        tolerations: [{ key: 'paddock.dev/nodepool', operator: 'Equal', value: pool, effect: 'NoSchedule' }],
      }),
      pod('no-toleration', { app: 'no-toleration' }, CILIUM, ['sleep', 'infinity'], placement),
    ]);
    await ok(['-n', NS, 'wait', '--for=condition=Ready', 'pod/on-pool', '--timeout=120s']);
    const node = (await ok(['-n', NS, 'get', 'pod', 'on-pool', '-o', 'jsonpath={.spec.nodeName}'])).trim();
    const label = (await ok(['get', 'node', node, '-o', 'jsonpath={.metadata.labels.paddock\\.dev/nodepool}'])).trim();
    assert.equal(label, pool, `on-pool runs on ${node}, a ${pool} worker`);
    let message = '';
    await eventually(
      'the scheduler to refuse the pod without the toleration',
      async () => {
        const p = JSON.parse(await ok(['-n', NS, 'get', 'pod', 'no-toleration', '-o', 'json'])) as {
          status: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
        };
        const c = p.status.conditions?.find((x) => x.type === 'PodScheduled');
        message = c?.message ?? '';
        return c?.status === 'False' && c.reason === 'Unschedulable';
      },
      60_000,
    );
    assert.match(message, /untolerated taint/, message);
    // the taint that refused it is the app pool's, on every node of that pool
    const pooled = JSON.parse(await ok(['get', 'nodes', '-l', `paddock.dev/nodepool=${pool}`, '-o', 'json'])) as {
      items: { spec: { taints?: { key: string; value?: string; effect: string }[] } }[];
    };
    assert.ok(pooled.items.length > 0);
    for (const n of pooled.items)
      assert.ok(
        n.spec.taints?.some((t) => t.key === 'paddock.dev/nodepool' && t.value === pool && t.effect === 'NoSchedule'),
        `the ${pool} worker is tainted paddock.dev/nodepool=${pool}:NoSchedule`,
      );
  });

  it('Cilium enforces NetworkPolicy: default-deny drops a working connection, an explicit allow lets one client back in', async () => {
    const system = { nodeSelector: { 'paddock.dev/nodepool': 'system' } };
    await apply([
      pod(
        'server',
        { app: 'server' },
        ETCD,
        ['etcd', '--data-dir=/tmp/etcd', '--listen-client-urls=http://0.0.0.0:2379', '--advertise-client-urls=http://127.0.0.1:2379'],
        system,
      ),
      pod('client', { app: 'client' }, CILIUM, ['sleep', 'infinity']),
      pod('other', { app: 'other' }, CILIUM, ['sleep', 'infinity']),
    ]);
    for (const p of ['server', 'client', 'other']) await ok(['-n', NS, 'wait', '--for=condition=Ready', `pod/${p}`, '--timeout=120s']);
    const ip = (await ok(['-n', NS, 'get', 'pod', 'server', '-o', 'jsonpath={.status.podIP}'])).trim();
    const reaches = async (client: string): Promise<boolean> => (await get(client, ip, 2379, '/version'))?.includes('etcdserver') ?? false;

    await eventually('client to reach the server before any policy', () => reaches('client'), 60_000);
    assert.ok(await reaches('other'), 'other reaches the server before any policy');

    await apply([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'default-deny', namespace: NS },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      },
    ]);
    await eventually('default-deny to drop the connection', async () => !(await reaches('client')), 60_000);
    assert.equal(await reaches('other'), false, 'default-deny drops other too');

    await apply([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-client', namespace: NS },
        spec: {
          podSelector: { matchLabels: { app: 'server' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ protocol: 'TCP', port: 2379 }] }],
        },
      },
    ]);
    await eventually('the explicit allow to let client back in', () => reaches('client'), 60_000);
    assert.equal(await reaches('other'), false, 'the allow names client only: other stays denied');
  });
});
