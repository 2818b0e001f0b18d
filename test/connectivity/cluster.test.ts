// The cluster's own parts as destinations: the API server (its Service and its
// endpoints on the control-plane nodes), the nodes (kubelet, NodePorts, the
// node network) and kube-system's pods beyond CoreDNS's port 53. The chart's
// policies reach none of them; a hand-written policy that opens one is an error
// naming the destination and the policy.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { checkConnectivity, formatMatrix, reaches, withExtraObjects, type AppInput, type KubeObject } from 'paddock/connectivity/index.js';
import { paths } from '../lib/chart.js';
import { demo, renderApp } from './render.js';

const np = (name: string, spec: Record<string, unknown>, ns = 'app1-ns'): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: ns },
  spec,
});
const egress = (name: string, rule: Record<string, unknown>) => np(name, { podSelector: {}, policyTypes: ['Egress'], egress: [rule] });
const errors = (r: ReturnType<typeof checkConnectivity>) => r.findings.filter((f) => f.severity === 'error');
const infra = ['nodes', 'api-server', 'kube-system/metrics-server', 'kube-system/cilium-operator', 'kube-system/other-pods'];

describe('connectivity to the API server, the nodes and kube-system', () => {
  let apps: AppInput[];
  let binder: AppInput;
  before(async () => {
    apps = await demo();
    // Every building block on, the binding too: its egress rule is the one with an ipBlock.
    binder = await renderApp('app3', join(paths.root, 'test', 'fixtures', 'values', 'good', 'everything-on.yaml'));
  });

  it("the chart's policies reach none of them: DNS to CoreDNS on 53 only, the binding not the node network nor the API server", () => {
    const r = checkConnectivity([...apps, binder]);
    assert.deepEqual(errors(r), []);
    for (const a of ['app1', 'app2', 'app3']) {
      for (const d of infra) assert.equal(reaches(r.matrix, a, d), false, `${a} → ${d}`);
      const dns = r.matrix.flows.filter((f) => f.from === `${a}-ns/${a}` && f.to === 'kube-system/coredns');
      assert.deepEqual([...new Set(dns.map((f) => f.port))], [53]);
    }
    assert.equal(reaches(r.matrix, 'app3', 'internet', 443), true, 'the binding still reaches the internet');
    assert.ok(
      r.matrix.endpoints.some((e) => e.id === 'nodes'),
      'the nodes are modelled',
    );
  });

  const cases: Array<[string, KubeObject, RegExp]> = [
    [
      'egress to 0.0.0.0/0',
      egress('to-everywhere', { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }),
      /app1 can reach the Kubernetes API server .*let out by NetworkPolicy app1-ns\/to-everywhere/,
    ],
    [
      'egress to 0.0.0.0/0 reaches the nodes',
      egress('to-everywhere', { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }),
      /app1 can reach the nodes \(172\.18\.0\.0\/16\) on 10250\/TCP, 30000-32767\/TCP.*let out by NetworkPolicy app1-ns\/to-everywhere/,
    ],
    [
      'egress to every namespace',
      egress('all-namespaces', { to: [{ namespaceSelector: {} }] }),
      /app1 can reach kube-system\/metrics-server in kube-system on 10250\/TCP.*let out by NetworkPolicy app1-ns\/all-namespaces/,
    ],
    [
      'egress to kube-system',
      egress('kube-system', { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }] }),
      /app1 can reach kube-system\/cilium-operator in kube-system on 9234\/TCP, 9891\/TCP .*NetworkPolicy app1-ns\/kube-system/,
    ],
    [
      'egress to CoreDNS on every port',
      egress('coredns', { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }] }),
      /app1 can reach CoreDNS \(kube-system\/coredns\) on 9153\/TCP, 8080\/TCP, 8181\/TCP, beyond DNS .*NetworkPolicy app1-ns\/coredns/,
    ],
    [
      'egress to the node network',
      egress('nodes', { to: [{ ipBlock: { cidr: '172.18.0.0/16' } }] }),
      /app1 can reach the nodes \(172\.18\.0\.0\/16\) .*NetworkPolicy app1-ns\/nodes/,
    ],
    [
      'egress to one NodePort',
      egress('nodeport', { to: [{ ipBlock: { cidr: '172.18.0.2/32' } }], ports: [{ port: 31000 }] }),
      /app1 can reach the nodes \(172\.18\.0\.0\/16\) on 30000-32767\/TCP .*NetworkPolicy app1-ns\/nodeport/,
    ],
    [
      'egress to port 6443, any peer',
      egress('apiserver', { ports: [{ port: 6443 }] }),
      /app1 can reach the Kubernetes API server \(10\.96\.0\.1:443, 6443 on the nodes\) on 6443\/TCP .*NetworkPolicy app1-ns\/apiserver/,
    ],
    [
      'egress to the API server Service',
      egress('kubernetes-svc', { to: [{ ipBlock: { cidr: '10.96.0.0/12' } }], ports: [{ port: 443 }] }),
      /app1 can reach the Kubernetes API server .* on 443\/TCP .*NetworkPolicy app1-ns\/kubernetes-svc/,
    ],
    [
      'ingress from the node network (a host-network pod)',
      np('from-nodes', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '172.18.0.0/16' } }] }] }),
      /The nodes \(172\.18\.0\.0\/16\) \(and every host-network pod, which has a node's address\) can reach app1 on .*let in by NetworkPolicy app1-ns\/from-nodes/,
    ],
  ];
  for (const [name, policy, message] of cases) {
    it(`a hand-written policy is an error naming the destination: ${name}`, () => {
      const extra = withExtraObjects(apps, [policy]);
      const r = checkConnectivity(extra.apps, { platform: extra.platform });
      const found = errors(r).filter((f) => message.test(f.message));
      assert.equal(
        found.length,
        1,
        errors(r)
          .map((f) => f.message)
          .join('\n'),
      );
      assert.equal(found[0]!.rule, 'connectivity');
      assert.equal(found[0]!.file, apps[0]!.file);
      assert.match(found[0]!.fix!, /Remove the NetworkPolicy rule/);
    });
  }

  it('the node network is a platform setting', () => {
    const extra = withExtraObjects(apps, [egress('nodes', { to: [{ ipBlock: { cidr: '192.168.10.0/24' } }] })]);
    const elsewhere = checkConnectivity(extra.apps, { platform: { ...extra.platform, nodeCidrs: ['192.168.10.0/24'] } });
    assert.equal(reaches(elsewhere.matrix, 'app1', 'nodes', 10250), true);
    assert.equal(reaches(checkConnectivity(extra.apps, { platform: extra.platform }).matrix, 'app1', 'nodes'), false);
  });

  it('--verbose shows them in the matrix', () => {
    const extra = withExtraObjects(apps, [egress('to-everywhere', { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] })]);
    const table = formatMatrix(checkConnectivity(extra.apps, { platform: extra.platform }).matrix);
    assert.match(table, /app1 +the nodes \(172\.18\.0\.0\/16\) +10250\/TCP, 30000-32767\/TCP, 30000-32767\/UDP/);
    assert.match(table, /app1 +the Kubernetes API server .* 443\/TCP, 6443\/TCP +to-everywhere/);
  });
});
