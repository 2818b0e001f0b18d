// What the chart must guarantee (docs/security.md, "The boundaries, and what enforces each"), asserted on the rendered objects of
// every example and good fixture, each validated strictly against
// the generated schemas of the pinned Kubernetes and CRDs.
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { validateObjects } from 'paddock/schema/index.js';
import type { K8sObject } from 'paddock/render/index.js';
import { find, listFixtures, one, paths, renderWithHelm } from '../lib/chart.js';

interface Values {
  replicas?: number;
  port?: number;
  healthPath?: string;
  livenessPath?: string;
  networkPolicy?: { allowIngressFrom?: string[]; allowEgressTo?: string[] };
  statestore?: { enabled?: boolean };
  secretstore?: { enabled?: boolean; keys?: string[] };
  pubsub?: { enabled?: boolean };
  binding?: { enabled?: boolean; name?: string; url?: string };
}

const cases = [
  { name: 'app1', file: join(paths.root, 'apps/app1/values.yaml') },
  { name: 'app2', file: join(paths.root, 'apps/app2/values.yaml') },
  ...listFixtures('good').map((f) => ({ name: 'app1', file: f.file })),
];

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

for (const c of cases) {
  describe(`chart renders ${basename(c.file)} as app ${c.name}`, () => {
    const v = (parse(readFileSync(c.file, 'utf8')) ?? {}) as Values;
    const ns = `${c.name}-ns`;
    let objects: K8sObject[] = [];
    let pod: Any;
    let deploy: Any;

    before(async () => {
      const r = await renderWithHelm(c.name, c.file);
      assert.equal(r.code, 0, r.stderr);
      objects = r.objects;
      deploy = one(objects, 'Deployment', c.name) as Any;
      pod = deploy.spec.template;
    });

    it('every object passes strict schema validation (unknown fields fail)', async () => {
      const findings = await validateObjects(objects.map((object) => ({ object, file: c.file })));
      assert.deepEqual(findings, []);
    });

    it('every object lives in <name>-ns', () => {
      for (const o of objects) assert.equal(o.metadata.namespace, ns, `${o.kind}/${o.metadata.name}`);
    });

    it('renders the objects an app needs', () => {
      for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'ResourceQuota', 'LimitRange', 'Configuration', 'PodMonitor']) {
        assert.equal(find(objects, kind).length, 1, kind);
      }
      assert.equal(find(objects, 'PodDisruptionBudget').length, (v.replicas ?? 1) > 1 ? 1 : 0);
      assert.equal(find(objects, 'ExternalSecret').length, v.secretstore?.enabled ? 1 : 0);
    });

    it('the app container is Pod Security "restricted" with a writable /tmp', () => {
      const spec = pod.spec;
      assert.equal(spec.securityContext.runAsNonRoot, true);
      assert.equal(spec.securityContext.seccompProfile.type, 'RuntimeDefault');
      assert.equal(spec.automountServiceAccountToken, false);
      assert.equal(spec.hostNetwork ?? false, false);
      for (const ctr of spec.containers) {
        const sc = ctr.securityContext;
        assert.equal(sc.allowPrivilegeEscalation, false);
        assert.equal(sc.readOnlyRootFilesystem, true);
        assert.equal(sc.runAsNonRoot, true);
        assert.ok(sc.runAsUser >= 1000);
        assert.deepEqual(sc.capabilities.drop, ['ALL']);
        assert.equal(sc.capabilities.add, undefined);
        assert.equal(sc.seccompProfile.type, 'RuntimeDefault');
        assert.ok(ctr.resources.requests.cpu && ctr.resources.requests.memory && ctr.resources.limits.cpu && ctr.resources.limits.memory);
        const tmp = ctr.volumeMounts.find((m: Any) => m.mountPath === '/tmp');
        assert.ok(spec.volumes.find((vol: Any) => vol.name === tmp.name).emptyDir);
        assert.doesNotMatch(ctr.image, /:latest$|^[^:]+$/);
      }
      const sa = one(objects, 'ServiceAccount') as Any;
      assert.equal(sa.automountServiceAccountToken, false);
    });

    it('health probes on the declared path (without one, on the port), graceful shutdown', () => {
      const ctr = pod.spec.containers[0];
      const live = v.livenessPath ?? v.healthPath;
      for (const [probe, path] of [
        ['startupProbe', live],
        ['readinessProbe', v.healthPath],
        ['livenessProbe', live],
      ] as const) {
        if (path) assert.equal(ctr[probe].httpGet.path, path, probe);
        else {
          assert.deepEqual(ctr[probe].tcpSocket, { port: 'http' }, `${probe}: a TCP check on the app's port`);
          assert.equal(ctr[probe].httpGet, undefined, probe);
        }
      }
      assert.equal(ctr.ports[0].containerPort, v.port ?? 8080);
      assert.ok(ctr.lifecycle.preStop);
      assert.ok(pod.spec.terminationGracePeriodSeconds >= 20);
    });

    it('runs only on its own node pool', () => {
      const tol = pod.spec.tolerations;
      assert.deepEqual(
        tol.map((t: Any) => t.value),
        [c.name],
      );
      const terms = pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
      assert.deepEqual(terms[0].matchExpressions[0].values, [c.name]);
    });

    it('the Dapr sidecar is asked for hardened, sized and observable', () => {
      const a = pod.metadata.annotations;
      assert.equal(a['dapr.io/enabled'], 'true');
      assert.equal(a['dapr.io/app-id'], c.name);
      assert.equal(a['dapr.io/config'], c.name);
      assert.equal(a['dapr.io/sidecar-seccomp-profile-type'], 'RuntimeDefault');
      assert.equal(a['dapr.io/disable-builtin-k8s-secret-store'], 'true');
      assert.equal(a['dapr.io/enable-metrics'], 'true');
      assert.match(a['dapr.io/sidecar-listen-addresses'], /^\[::1\],127\.0\.0\.1$/);
      for (const k of ['cpu-request', 'memory-request', 'cpu-limit', 'memory-limit']) assert.ok(a[`dapr.io/sidecar-${k}`], k);
    });

    it('networking: default deny, then only what the values declare', () => {
      const policies = find(objects, 'NetworkPolicy') as Any[];
      const deny = policies.find((p) => p.metadata.name === 'default-deny') as Any;
      assert.deepEqual(deny.spec.podSelector, {});
      assert.deepEqual([...deny.spec.policyTypes].sort(), ['Egress', 'Ingress']);
      assert.equal(deny.spec.ingress, undefined);
      assert.equal(deny.spec.egress, undefined);

      const peersOn = (dir: 'ingress' | 'egress', port: number): string[] =>
        policies.flatMap((p) =>
          (p.spec[dir] ?? [])
            .filter((r: Any) => (r.ports ?? []).some((pt: Any) => pt.port === port))
            .flatMap((r: Any) =>
              (r[dir === 'ingress' ? 'from' : 'to'] ?? []).map((peer: Any) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? '*'),
            ),
        );
      assert.deepEqual(peersOn('ingress', 50002).sort(), [...(v.networkPolicy?.allowIngressFrom ?? [])].sort());
      assert.deepEqual(peersOn('egress', 50002).sort(), [...(v.networkPolicy?.allowEgressTo ?? [])].sort());
      assert.deepEqual(peersOn('egress', 6379), v.statestore?.enabled || v.pubsub?.enabled ? ['redis-system'] : []);
      assert.deepEqual(peersOn('egress', 8200), [], 'apps never reach Vault: ESO does');
      const dns = peersOn('egress', 53);
      assert.ok(dns.length > 0 && dns.every((n) => n === 'kube-system'), 'DNS only to kube-system');
      for (const p of policies) {
        for (const dir of ['ingress', 'egress'] as const) {
          for (const rule of p.spec[dir] ?? []) {
            for (const peer of rule[dir === 'ingress' ? 'from' : 'to'] ?? []) {
              assert.ok(peer.namespaceSelector?.matchLabels || peer.ipBlock, `${p.metadata.name}: no peer may be "any namespace"`);
            }
          }
        }
      }
    });

    it('quota and limits fit the app, the sidecar and one surge pod', () => {
      const q = one(objects, 'ResourceQuota') as Any;
      assert.equal(q.spec.hard.pods, String((v.replicas ?? 1) + 1));
      for (const k of ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']) assert.ok(q.spec.hard[k], k);
      assert.equal(q.spec.hard['services.loadbalancers'], '0');
      assert.equal(q.spec.hard['services.nodeports'], '0');
      const lr = one(objects, 'LimitRange') as Any;
      assert.ok(lr.spec.limits[0].max.cpu && lr.spec.limits[0].default.memory);
    });

    it('Dapr components: only the enabled blocks, scoped to the app, under the documented names', () => {
      const components = find(objects, 'Component') as Any[];
      const expected = [
        v.statestore?.enabled && 'statestore',
        v.secretstore?.enabled && 'secretstore',
        v.pubsub?.enabled && 'pubsub',
        v.binding?.enabled && v.binding.name,
      ]
        .filter(Boolean)
        .sort();
      assert.deepEqual(components.map((x) => x.metadata.name).sort(), expected);
      for (const comp of components) {
        assert.deepEqual(comp.scopes, [c.name]);
        const md = Object.fromEntries(comp.spec.metadata.map((m: Any) => [m.name, m]));
        if (comp.spec.type.endsWith('.redis')) {
          assert.equal(md.redisUsername.value, c.name, "Redis as the app's own ACL user");
          assert.ok(md.redisPassword.secretKeyRef, "password from the platform's Secret, never inline");
        }
        if (comp.spec.type === 'state.redis') assert.equal(md.keyPrefix.value, 'appid');
        if (comp.spec.type === 'bindings.http') assert.equal(md.url.value, v.binding?.url);
      }
    });

    it('Dapr configuration: deny by default, declared callers only, only the APIs it needs', () => {
      const cfg = one(objects, 'Configuration', c.name) as Any;
      assert.equal(cfg.spec.accessControl.defaultAction, 'deny');
      const callers = (cfg.spec.accessControl.policies ?? []).map((p: Any) => `${p.appId}@${p.namespace}`);
      assert.deepEqual(callers.sort(), (v.networkPolicy?.allowIngressFrom ?? []).map((ns) => `${ns.replace(/-ns$/, '')}@${ns}`).sort());
      const apis = new Set(cfg.spec.api.allowed.map((a: Any) => a.name));
      assert.equal(apis.has('state'), !!v.statestore?.enabled);
      assert.equal(apis.has('secrets'), !!v.secretstore?.enabled);
      assert.equal(apis.has('publish'), !!v.pubsub?.enabled);
      assert.equal(apis.has('bindings'), !!v.binding?.enabled);
      assert.equal(apis.has('invoke'), (v.networkPolicy?.allowEgressTo ?? []).length > 0);
      assert.ok(!apis.has('metadata') && !apis.has('actors'));
      const scopes = cfg.spec.secrets.scopes as Any[];
      assert.equal((scopes.find((s) => s.storeName === 'kubernetes') as Any).defaultAccess, 'deny');
      if (v.secretstore?.keys?.length) {
        const own = scopes.find((s) => s.storeName === 'secretstore') as Any;
        assert.equal(own.defaultAccess, 'deny');
        assert.deepEqual(own.allowedSecrets, v.secretstore.keys);
      }
    });

    it("secrets come only from the app's own Vault path, as its own identity, to the sidecar only", () => {
      if (!v.secretstore?.enabled) {
        assert.equal(find(objects, 'SecretStore').length, 0);
        return;
      }
      const store = one(objects, 'SecretStore') as Any;
      assert.equal(store.spec.provider.vault.auth.kubernetes.role, c.name);
      assert.equal(store.spec.provider.vault.auth.kubernetes.serviceAccountRef.name, c.name);
      assert.equal(store.spec.provider.vault.auth.tokenSecretRef, undefined, 'no shared token');
      const es = one(objects, 'ExternalSecret') as Any;
      const keys = [...(es.spec.data ?? []), ...(es.spec.dataFrom ?? [])].map((d: Any) => d.remoteRef?.key ?? d.extract?.key);
      assert.ok(keys.length > 0 && keys.every((k: string) => k === `dapr/${c.name}`));
      const appCtr = pod.spec.containers[0];
      assert.ok(!appCtr.volumeMounts.some((m: Any) => m.name === 'app-secrets'), 'the app container does not see the secret file');
      assert.match(pod.metadata.annotations['dapr.io/volume-mounts'], /^app-secrets:/);
    });
  });
}
