// Issue 10's classes 2, 6 and 7 from the attacker's side: each attack, written
// several ways, must be refused by the contract (validate), by the chart (the
// real Helm engine) and, where a policy applies, by the admission policies
// offline (test/policies/apiserver.test.ts sends the policies' cases to a real
// kube-apiserver too). And what one of them accepts, the others accept.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkValuesFile } from 'paddock/contract/validate.js';
import { admissionPod } from 'paddock/policies/admission-view.js';
import { tenantNamespace } from 'paddock/policies/check.js';
import { admit } from 'paddock/policies/evaluator.js';
import { loadPolicies } from 'paddock/policies/load.js';
import type { KubeObject } from 'paddock/policies/types.js';
import { runEngine } from 'paddock/render/engine.js';
import { helmFailure } from 'paddock/render/helm.js';
import { readYamlStream } from 'paddock/contract/yaml-read.js';

const policies = loadPolicies();
const namespace = tenantNamespace('app1');
const dir = mkdtempSync(join(tmpdir(), 'paddock-attacks-'));
const IMAGE = 'image: { repository: localhost:30000/platform/app1, tag: "1.0.0" }\n';

interface Verdicts {
  text: string;
  contract: string[];
  chart?: string;
  objects: KubeObject[];
}

/** Validate each values text as app1 and render it through the chart, in one engine run. */
async function judge(texts: string[]): Promise<Verdicts[]> {
  const results = await runEngine({ releases: texts.map((t) => ({ name: 'app1', namespace: 'app1-ns', valuesYaml: t })), objects: true });
  return Promise.all(
    texts.map(async (text, i) => {
      const file = join(dir, `case-${i}.yaml`);
      writeFileSync(file, text);
      const { findings } = await checkValuesFile(file, { name: 'app1' });
      const r = results[i]!;
      return {
        text,
        contract: findings.filter((f) => f.severity === 'error').map((f) => `${f.path}: ${f.message}`),
        chart: r.error ? helmFailure(r.error) : undefined,
        objects: (r.objects ?? []).map((o) => o.object as KubeObject),
      };
    }),
  );
}

const deny = async (o: KubeObject, policy: string) => (await admit(policies, { object: o, namespace, cluster: [] })).filter((d) => d.policy === policy);

describe('class 6: CPU and memory are judged by value, whatever their YAML type', () => {
  const refused = [
    'cpu: 0',
    'cpu: "0"',
    'cpu: 0m',
    'cpu: 0.0',
    'cpu: -1',
    'cpu: "-500m"',
    'cpu: -0.5',
    'cpu: 0.0001',
    'cpu: 1e-9',
    'cpu: "1e-9"',
    'cpu: 2.5',
    'cpu: 3',
    'cpu: "2001m"',
    'cpu: 1.0005',
    'cpu: "0.5m"',
    'cpu: .0001',
    'cpu: 0x10',
    'cpu: true',
    'cpu: ~',
    'memory: 0',
    'memory: 0Mi',
    'memory: "0"',
    'memory: -1Gi',
    'memory: 3Gi',
    'memory: 2049Mi',
    'memory: 2148M',
    'memory: 268435456',
    'memory: 1e9',
  ];
  const accepted = ['cpu: 1m', 'cpu: 0.5', 'cpu: "0.5"', 'cpu: 2', 'cpu: 1.005', 'cpu: .25', 'memory: 1Mi', 'memory: 2Gi', 'memory: 1.5Gi', 'memory: 2147M'];
  // As a limit (over the size tier's request), as a request (under the maximum), and as both.
  const texts = (q: string) => [
    `${IMAGE}resources: { limits: { ${q} } }\n`,
    `${IMAGE}resources: { requests: { ${q} }, limits: { cpu: "2", memory: 2Gi } }\n`,
    `${IMAGE}resources: { requests: { ${q} }, limits: { ${q} } }\n`,
  ];

  it('every variant of a bad amount is refused by the contract and the chart, as a limit and as a request', async () => {
    const verdicts = await judge(refused.flatMap(texts));
    for (const v of verdicts) {
      assert.ok(
        v.contract.some((f) => /^resources\.(limits|requests)\.(cpu|memory)/.test(f)),
        `contract accepted:\n${v.text}`,
      );
      assert.ok(v.chart && /cpu|memory/i.test(v.chart), `chart accepted:\n${v.text}`);
    }
  });

  it('good amounts pass all three, and the Pod as admitted passes the policy', async () => {
    const verdicts = await judge(accepted.flatMap((q) => texts(q).slice(1)));
    for (const v of verdicts) {
      assert.deepEqual(v.contract, [], v.text);
      assert.equal(v.chart, undefined, v.text);
      const pod = admissionPod(v.objects.find((o) => o.kind === 'Deployment')!)!;
      assert.deepEqual(await deny(pod, 'paddock-pod-resources'), [], v.text);
    }
  });

  it('the policy refuses zero and negative amounts on any container, however written (the API server refuses negative ones itself too)', async () => {
    const [good] = await judge([`${IMAGE}`]);
    const deployment = good!.objects.find((o) => o.kind === 'Deployment')!;
    const variants: [string, string | number][] = [
      ['cpu', '0'],
      ['cpu', '0m'],
      ['cpu', 0],
      ['cpu', '-1'],
      ['cpu', '-500m'],
      ['cpu', -1],
      ['cpu', '0.0'],
      ['memory', '0'],
      ['memory', '0Mi'],
      ['memory', '-1Gi'],
      ['memory', -1],
    ];
    for (const [res, value] of variants) {
      for (const kind of ['requests', 'limits'] as const) {
        const d = structuredClone(deployment) as any;
        d.spec.template.spec.containers[0].resources[kind][res] = value;
        const found = await deny(admissionPod(d)!, 'paddock-pod-resources');
        assert.ok(
          found.some((x) => /0 or less/.test(x.message)),
          `${kind}.${res}: ${JSON.stringify(value)} → ${found.map((x) => x.message).join(' | ') || 'admitted'}`,
        );
      }
    }
  });
});

describe('class 7: a binding posts only to a fully qualified public host name', () => {
  const refused = [
    'https://vault.vault-system:8200/v1/secret',
    'https://vault.vault-system/v1/secret',
    'https://kubernetes.default/api',
    'https://kubernetes.default.svc/api',
    'https://redis.redis-system/',
    'https://app2-dapr.app2-ns/v1.0/invoke',
    'https://x.svc/',
    'https://redis.redis-system.svc.cluster.local/',
    'https://localtest.me/',
    'https://www.localtest.me/',
    'https://10.0.0.1.nip.io/',
    'https://127-0-0-1.sslip.io/',
    'https://app.localhost/',
    'https://lvh.me/',
    'https://VAULT.VAULT-SYSTEM/',
    'https://Kubernetes.Default/',
    'https://hooks.slack.com./x',
    'https://vault%2evault-system/',
    'https://vault.vault-system%2ecom/',
    'https://hooks.slack.com:8443/x',
    'https://hooks.slack.com:80/x',
    'https://user:pass@hooks.slack.com/x',
    'https://hooks.slack.com@vault.vault-system/',
    'https://10.0.0.7/',
    'https://169.254.169.254/latest/meta-data',
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0177.0.0.1/',
    'https://[::1]/',
    'https://[fd00::1]:443/',
    'https://hooks.monitoring.com/',
    'https://x.app2-ns.io/',
    'https://db.home.arpa/',
    'http://hooks.slack.com/x',
    'https://localhost:3500/v1.0/state',
  ];
  const accepted = [
    'https://hooks.slack.com/services/T000/B000/XXXX',
    'https://api.example.com:443/v1?x=1#y',
    'https://HOOKS.SLACK.COM/services/x',
    'https://xn--80aswg.xn--p1ai/hook',
    'https://a.b.c.d.e.f.io/',
  ];
  const text = (url: string) => `${IMAGE}binding: { enabled: true, name: hook, url: ${JSON.stringify(url)} }\n`;
  const component = (url: string): KubeObject =>
    ({
      apiVersion: 'dapr.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'hook', namespace: 'app1-ns' },
      spec: { type: 'bindings.http', version: 'v1', metadata: [{ name: 'url', value: url }] },
      scopes: ['app1'],
    }) as KubeObject;

  it('each bad host is refused by the contract, the chart and the policy, and no message repeats the URL', async () => {
    const verdicts = await judge(refused.map(text));
    for (const [i, v] of verdicts.entries()) {
      const url = refused[i]!;
      const contract = v.contract.find((f) => f.startsWith('binding.url'));
      assert.ok(contract, `contract accepted ${url}`);
      assert.ok(v.chart && /url/.test(v.chart), `chart accepted ${url}`);
      const policy = await deny(component(url), 'paddock-dapr-binding-hosts');
      assert.equal(policy.length, 1, `policy: ${url} → ${policy.map((d) => d.message).join(' | ') || 'admitted'}`);
      const path = url.replace(/^https?:\/\/[^/?#]*/, '');
      for (const said of [contract, v.chart, policy[0]!.message]) if (path.length > 1) assert.ok(!said.includes(path), `${said} repeats the URL's path`);
    }
  });

  it('good hosts pass all three, and the chart renders the binding with them', async () => {
    const verdicts = await judge(accepted.map(text));
    for (const [i, v] of verdicts.entries()) {
      assert.deepEqual(v.contract, [], accepted[i]);
      assert.equal(v.chart, undefined, accepted[i]);
      const rendered = v.objects.find((o) => o.kind === 'Component' && o.metadata.name === 'hook')!;
      assert.deepEqual(await deny(rendered, 'paddock-dapr-binding-hosts'), [], accepted[i]);
      assert.deepEqual(await deny(component(accepted[i]!), 'paddock-dapr-binding-hosts'), [], accepted[i]);
    }
  });

  it("the binding's egress closes every non-public IPv4 range and opens only 443", async () => {
    const [v] = await judge([text(accepted[0]!)]);
    const np = v!.objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'app1-allow-binding') as any;
    const rule = np.spec.egress[0];
    assert.equal(rule.to[0].ipBlock.cidr, '0.0.0.0/0');
    assert.deepEqual(
      [...rule.to[0].ipBlock.except].sort(),
      [
        '0.0.0.0/8',
        '10.0.0.0/8',
        '100.64.0.0/10',
        '127.0.0.0/8',
        '169.254.0.0/16',
        '172.16.0.0/12',
        '192.0.0.0/24',
        '192.0.2.0/24',
        '192.88.99.0/24',
        '192.168.0.0/16',
        '198.18.0.0/15',
        '198.51.100.0/24',
        '203.0.113.0/24',
        '224.0.0.0/4',
        '240.0.0.0/4',
      ].sort(),
    );
    assert.deepEqual(rule.ports, [{ protocol: 'TCP', port: 443 }]);
  });
});

describe('class 9: what validate judges is what Helm reads', () => {
  it('a value Helm reads differently from editors is refused with its line; one they agree on is judged as Helm reads it', async () => {
    const cases = [
      'port: 06654',
      'port: 0o17700',
      'port: 8_080',
      'statestore: { enabled: yes }',
      'statestore: { enabled: "on" }',
      'replicas: 0b10',
      'owner: 1:20',
      'image: { repository: localhost:30000/platform/app1, tag: 1_0 }',
    ];
    const verdicts = await judge(cases.map((c) => `${c.startsWith('image') ? '' : IMAGE}${c}\n`));
    verdicts.forEach((v, i) => {
      assert.ok(v.contract.length > 0, `${cases[i]} passed validate`);
    });
    // "on" in quotes is text to every reader: the schema says a boolean is needed, and so does Helm.
    assert.ok(verdicts[4]!.contract.some((f) => /statestore\.enabled.*must be/.test(f)) && verdicts[4]!.chart, 'quoted "on" is text everywhere');
    // Helm's own reading of 06654 is 3500, the sidecar's port: the chart refuses it too.
    assert.match(verdicts[0]!.chart ?? '', /port/);
  });

  it('the values validate judges are the values Helm renders with', async () => {
    const text = `${IMAGE}port: 0x1F90\nreplicas: 2\nowner: "06654"\n`;
    const [v] = await judge([text]);
    assert.deepEqual(v!.contract, []);
    const deploy = v!.objects.find((o) => o.kind === 'Deployment') as any;
    const read = readYamlStream(text, { mode: 'values' }).docs[0]!.value as { port: number };
    assert.equal(read.port, 8080);
    assert.equal(deploy.spec.template.spec.containers[0].ports[0].containerPort, read.port);
    assert.equal(deploy.metadata.annotations['paddock.dev/owner'], '06654');
  });
});
