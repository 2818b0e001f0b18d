// Semantics of the connectivity check on hand-written objects (no chart needed):
// NetworkPolicy as the Kubernetes API documents it, Dapr ACL as daprd 1.17 implements it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aclVerdict, parseAccessControl } from './dapr.js';
import { checkConnectivity, callBetween, explainApp, reaches, withExtraObjects } from './index.js';
import { ipSet, overlaps, publicInternet } from './ipset.js';
import { topicFindings } from './pubsub.js';
import type { AppInput, KubeObject } from './model.js';
import { selects } from './selector.js';

const np = (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: ns },
  spec,
});
const deployment = (app: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: app, namespace: `${app}-ns` },
  spec: {
    template: {
      metadata: {
        labels: { 'app.kubernetes.io/name': app },
        annotations: { 'dapr.io/enabled': 'true', 'dapr.io/config': app, 'dapr.io/sidecar-listen-addresses': '[::1],127.0.0.1' },
      },
      spec: { containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] },
    },
  },
});
const config = (app: string, accessControl: unknown): KubeObject => ({
  apiVersion: 'dapr.io/v1alpha1',
  kind: 'Configuration',
  metadata: { name: app, namespace: `${app}-ns` },
  spec: { accessControl },
});
const denyAll = (ns: string) => np(ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const sel = (app: string) => ({ matchLabels: { 'app.kubernetes.io/name': app } });
const nsSel = (ns: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': ns } });

function app(name: string, values: AppInput['values'], objects: KubeObject[]): AppInput {
  return { name, namespace: `${name}-ns`, values, objects: [deployment(name), ...objects], file: `apps/${name}/values.yaml` };
}

describe('label selectors', () => {
  it('ANDs matchLabels and matchExpressions, empty selects all', () => {
    const labels = { a: '1', b: '2' };
    assert.equal(selects({}, labels), true);
    assert.equal(selects({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'In', values: ['2', '3'] }] }, labels), true);
    assert.equal(selects({ matchExpressions: [{ key: 'b', operator: 'NotIn', values: ['2'] }] }, labels), false);
    assert.equal(selects({ matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['2'] }] }, labels), true);
    assert.equal(selects({ matchExpressions: [{ key: 'c', operator: 'Exists' }] }, labels), false);
    assert.equal(selects({ matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }] }, labels), true);
  });
});

describe('ip blocks', () => {
  it('subtracts except ranges and tells pods from the internet', () => {
    const block = ipSet(['0.0.0.0/0'], ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
    assert.equal(overlaps(block, ipSet(['10.244.0.0/16'])), false);
    assert.equal(overlaps(block, publicInternet()), true);
    assert.equal(overlaps(ipSet(['10.244.1.0/24']), ipSet(['10.244.0.0/16'])), true);
    assert.equal(overlaps(ipSet(['2001:db8::/32']), publicInternet()), true);
  });
});

describe('NetworkPolicy semantics', () => {
  const base = (name: string, extra: KubeObject[] = []) => app(name, {}, [denyAll(`${name}-ns`), ...extra]);

  it('a pod selected by no policy of a type is not isolated for it', () => {
    const a = app('a', {}, [np('a-ns', 'only-ingress', { podSelector: {}, ingress: [] })]);
    const r = checkConnectivity([a]);
    assert.deepEqual(r.matrix.isolation['a-ns/a'], { ingress: true, egress: false });
    assert.equal(reaches(r.matrix, 'a', 'vault-system/vault', 8200), true);
    assert.ok(r.findings.some((f) => f.severity === 'error' && /Vault/.test(f.message)));
  });

  it('needs the source egress AND the destination ingress', () => {
    const egressOnly = [
      base('a', [
        np('a-ns', 'out', {
          podSelector: sel('a'),
          policyTypes: ['Egress'],
          egress: [{ to: [{ namespaceSelector: nsSel('b-ns'), podSelector: sel('b') }], ports: [{ port: 50002 }] }],
        }),
      ]),
      base('b'),
    ];
    assert.equal(reaches(checkConnectivity(egressOnly).matrix, 'a', 'b', 50002), false);
    const both = [
      egressOnly[0]!,
      base('b', [
        np('b-ns', 'in', {
          podSelector: sel('b'),
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: nsSel('a-ns'), podSelector: sel('a') }], ports: [{ port: 50002, protocol: 'TCP' }] }],
        }),
      ]),
    ];
    const m = checkConnectivity(both).matrix;
    assert.equal(reaches(m, 'a', 'b', 50002), true);
    assert.equal(reaches(m, 'a', 'b', 8080), false);
  });

  it('namespaceSelector and podSelector in one peer are ANDed; in two peers ORed', () => {
    const intoB = (from: unknown[]) => np('b-ns', 'in', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from }] });
    const a = app('a', {}, []); // not isolated: sends anywhere
    const and = checkConnectivity([a, base('b', [intoB([{ namespaceSelector: nsSel('a-ns'), podSelector: sel('nobody') }])])]).matrix;
    assert.equal(reaches(and, 'a', 'b'), false);
    const or = checkConnectivity([a, base('b', [intoB([{ namespaceSelector: nsSel('a-ns') }, { podSelector: sel('nobody') }])])]).matrix;
    assert.equal(reaches(or, 'a', 'b', 50002), true);
  });

  it('resolves named ports and port ranges against the destination pod', () => {
    const intoB = (ports: unknown[]) => np('b-ns', 'in', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports }] });
    const a = app('a', {}, []);
    assert.equal(reaches(checkConnectivity([a, base('b', [intoB([{ port: 'http' }])])]).matrix, 'a', 'b', 8080), true);
    assert.equal(reaches(checkConnectivity([a, base('b', [intoB([{ port: 'http' }])])]).matrix, 'a', 'b', 50002), false);
    assert.equal(reaches(checkConnectivity([a, base('b', [intoB([{ port: 50000, endPort: 50010 }])])]).matrix, 'a', 'b', 50002), true);
    assert.equal(reaches(checkConnectivity([a, base('b', [intoB([{ port: 50002, protocol: 'UDP' }])])]).matrix, 'a', 'b', 50002), false);
  });

  it('policyTypes defaults to Ingress, plus Egress when egress rules are present', () => {
    const r = checkConnectivity([app('a', {}, [np('a-ns', 'p', { podSelector: {}, egress: [] })])]);
    assert.deepEqual(r.matrix.isolation['a-ns/a'], { ingress: true, egress: true });
    const empty = checkConnectivity([app('a', {}, [np('a-ns', 'p', { podSelector: {}, policyTypes: [] })])]);
    assert.deepEqual(empty.matrix.isolation['a-ns/a'], { ingress: true, egress: false });
  });

  it('an ipBlock peer that leaves out private ranges does not reach pods', () => {
    const r = checkConnectivity([
      base('a', [
        np('a-ns', 'web', {
          podSelector: sel('a'),
          policyTypes: ['Egress'],
          egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 443 }] }],
        }),
      ]),
    ]);
    assert.equal(reaches(r.matrix, 'a', 'internet', 443), true);
    assert.equal(reaches(r.matrix, 'a', 'redis-system/redis'), false);
    assert.ok(
      r.findings.some((f) => f.severity === 'error' && /internet/.test(f.message)),
      'internet without a binding is reported',
    );
  });
});

describe('Dapr access control (daprd 1.17 pkg/acl)', () => {
  const caller = { appId: 'app2', namespace: 'app2-ns', trustDomain: 'public' };
  it('allows everyone when nothing is specified', () => {
    assert.equal(parseAccessControl(undefined), null);
    assert.equal(aclVerdict(parseAccessControl({}), caller), 'allow');
  });
  it('defaults to deny when policies are given without a default action, allow for an explicit empty list', () => {
    assert.equal(parseAccessControl({ trustDomain: 'public' })!.defaultAction, 'deny');
    assert.equal(parseAccessControl({ trustDomain: 'public', policies: [] })!.defaultAction, 'allow');
  });
  it('matches app id, namespace and trust domain', () => {
    const acl = parseAccessControl({
      defaultAction: 'deny',
      trustDomain: 'public',
      policies: [{ appId: 'app2', namespace: 'app2-ns', trustDomain: 'public', defaultAction: 'allow' }],
    });
    assert.equal(aclVerdict(acl, caller), 'allow');
    assert.equal(aclVerdict(acl, { ...caller, namespace: 'other-ns' }), 'deny');
    assert.equal(aclVerdict(acl, { ...caller, trustDomain: 'corp' }), 'deny');
  });
  it('reports partial access through operations', () => {
    const acl = parseAccessControl({
      defaultAction: 'deny',
      policies: [
        {
          appId: 'app2',
          namespace: 'app2-ns',
          trustDomain: 'public',
          defaultAction: 'deny',
          operations: [{ name: '/classify', httpVerb: ['POST'], action: 'allow' }],
        },
      ],
    });
    assert.equal(aclVerdict(acl, caller), 'some-operations');
  });
  it('refuses a policy without namespace, as daprd does', () => {
    assert.throws(() => parseAccessControl({ defaultAction: 'deny', policies: [{ appId: 'app2', trustDomain: 'public' }] }), /namespace/);
  });
  it('an ACL that lets an undeclared caller in is an error even with the network closed', () => {
    const b = app('b', {}, [denyAll('b-ns'), config('b', { defaultAction: 'allow' })]);
    const a = app('a', {}, [denyAll('a-ns'), config('a', { defaultAction: 'deny' })]);
    const r = checkConnectivity([a, b]);
    assert.equal(callBetween(r.matrix, 'a', 'b').network, false);
    assert.equal(callBetween(r.matrix, 'a', 'b').acl, 'allow');
    assert.ok(r.findings.some((f) => f.severity === 'error' && /access control lets a/.test(f.message)));
  });
});

describe('explain', () => {
  it('names declared partners that are not among the apps checked, with what they must declare', () => {
    const a = app('a', { networkPolicy: { allowIngressFrom: ['b-ns'], allowEgressTo: ['c-ns'] } }, [denyAll('a-ns')]);
    const lines = explainApp(checkConnectivity([a]), 'a');
    assert.ok(
      lines.includes('Other apps that can call a (through Dapr): b (if it declares the call in its own values file: a-ns in networkPolicy.allowEgressTo).'),
      lines.join('\n'),
    );
    assert.ok(lines.includes('a can call (through Dapr): c (if that app accepts it: a-ns in its networkPolicy.allowIngressFrom).'), lines.join('\n'));
  });
});

describe('robustness', () => {
  it('never throws on malformed objects; unusable policies become findings', () => {
    const junk: KubeObject[] = [
      np('a-ns', 'spec-string', 'x' as unknown as Record<string, unknown>),
      np('a-ns', 'bad-selector', { podSelector: { matchExpressions: { key: 'a' } } }),
      np('a-ns', 'bad-values', { podSelector: { matchExpressions: [{ key: 'a', operator: 'In', values: 'x' }] } }),
      np('a-ns', 'bad-cidr', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: 'bogus' } }] }] }),
      np('a-ns', 'bad-type', { podSelector: {}, policyTypes: ['Sideways'] }),
      np('a-ns', 'ports-string', { podSelector: {}, ingress: [{ ports: '80' }] }),
      config('a', { policies: 'all' }),
      { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'x' }, spec: { template: { metadata: { labels: ['a'] } } } },
      null as unknown as KubeObject,
    ];
    const a: AppInput = {
      name: 'a',
      namespace: 'a-ns',
      values: { networkPolicy: { allowIngressFrom: 'b-ns' as unknown as string[] }, port: 'x' as unknown as number },
      objects: junk,
    };
    const r = checkConnectivity([a, app('b', { networkPolicy: { allowEgressTo: ['a-ns'] } }, [denyAll('b-ns')])]);
    const unusable = r.findings.filter((f) => /cannot be used/.test(f.message)).map((f) => f.path);
    for (const name of ['bad-selector', 'bad-values', 'bad-cidr', 'bad-type'])
      assert.ok(unusable.includes(`NetworkPolicy/${name}`), `${name}: ${unusable.join(', ')}`);
  });
});

describe('extra manifests', () => {
  it('a hand-written policy joins the app of its namespace; one in a platform namespace closes it', () => {
    const a = app('a', {}, [denyAll('a-ns')]);
    const open = np('a-ns', 'hand', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: nsSel('vault-system') }] }] });
    const vaultClosed = np('vault-system', 'deny', { podSelector: {}, policyTypes: ['Ingress'] });
    const { apps, platform } = withExtraObjects([a], [open]);
    assert.equal(reaches(checkConnectivity(apps, { platform }).matrix, 'a', 'vault-system/vault'), true);
    const closed = withExtraObjects([a], [open, vaultClosed]);
    assert.equal(reaches(checkConnectivity(closed.apps, { platform: closed.platform }).matrix, 'a', 'vault-system/vault'), false);
  });
});

describe('pub/sub topics across the fleet', () => {
  const ps = (name: string, pubsub: Record<string, unknown>): AppInput => ({
    name,
    namespace: `${name}-ns`,
    values: { pubsub: { enabled: true, ...pubsub } },
    objects: [],
    file: `apps/${name}/values.yaml`,
  });
  it("a subscriber the publisher does not accept is a warning at the publisher's allowSubscribersFrom", () => {
    const f = topicFindings([
      ps('shop', { publishes: ['orders'], allowSubscribersFrom: ['mail-ns'] }),
      ps('mail', { subscribes: ['orders'] }),
      ps('snoop', { subscribes: ['orders'] }),
    ]);
    assert.deepEqual(
      f.map((x) => [x.severity, x.file, x.path]),
      [['warning', 'apps/shop/values.yaml', 'pubsub.allowSubscribersFrom']],
    );
    assert.match(f[0]!.message, /snoop subscribes to "orders".*shop, which publishes it, does not accept snoop-ns/);
    assert.match(f[0]!.fix!, /add snoop-ns to pubsub.allowSubscribersFrom in apps\/shop\/values.yaml/);
  });
  it('two publishers of one topic is an error on each of them', () => {
    const f = topicFindings([
      ps('shop', { publishes: ['orders'] }),
      ps('rival', { publishes: ['orders'] }),
      ps('off', { enabled: false, publishes: ['orders'] }),
    ]);
    assert.deepEqual(f.map((x) => [x.severity, x.file, x.path]).sort(), [
      ['error', 'apps/rival/values.yaml', 'pubsub.publishes'],
      ['error', 'apps/shop/values.yaml', 'pubsub.publishes'],
    ]);
  });
});
