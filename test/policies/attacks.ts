/**
 * The hostile tenant's cases (issue 10, classes 4, 5 and 8): what a tenant who
 * can write to its own namespace — or a platform engineer handed such
 * manifests — tries, each refused by the policy named, offline and by the real
 * API server (test/policies/apiserver.test.ts runs every case there too).
 * Variants of one attack are separate cases: the same hole written
 * differently must be refused as well.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { admissionPod } from 'paddock/policies/admission-view.js';
import { loadPlatformInjectorSettings } from 'paddock/policies/injector-settings.js';
import { tenantNamespace } from 'paddock/policies/check.js';
import { IDENTITIES, type UserInfo } from 'paddock/policies/identities.js';
import type { KubeObject } from 'paddock/policies/types.js';
import { paths } from 'paddock/paths.js';
import { APP, NAMESPACE, bareNamespace, edited, pick, type Case } from './cases.js';

type Json = Record<string, any>;

const TN = 'paddock-tenant-namespace';
const TO = 'paddock-tenant-objects';
const TS = 'paddock-tenant-services';
const RB = 'paddock-rbac-tenant-subjects';
const TR = 'paddock-serviceaccount-token-requests';
const AR = 'paddock-app-release';
const T = 'paddock-pod-service-account-token';
const D = 'paddock-dapr-sidecar';
const C = 'paddock-dapr-component-scope';
const G = 'paddock-dapr-configuration';

const tenant = IDENTITIES.tenant;
const tree = IDENTITIES.treeDelivery;
const chart = IDENTITIES.chartDelivery;
const provisioner: UserInfo = {
  username: 'system:serviceaccount:paddock-system:tenant-provisioner',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:paddock-system', 'system:authenticated'],
};
const eso: UserInfo = {
  username: 'system:serviceaccount:external-secrets:external-secrets',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:external-secrets', 'system:authenticated'],
};
const kubeadmAdmin: UserInfo = { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] };
const kubelet: UserInfo = { username: 'system:node:app1-worker', groups: ['system:nodes', 'system:authenticated'] };

const SENTRY_AUDIENCE = 'spiffe://cluster.local/ns/dapr-system/dapr-sentry';

/** A namespaced object of any kind in app1-ns. */
function obj(apiVersion: string, kind: string, name: string, rest: Json = {}): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: NAMESPACE }, ...rest };
}

/** A Namespace as onboarding writes it, then changed. */
function ns(name: string, labels: Record<string, string | undefined>): KubeObject {
  const base = tenantNamespace(name.replace(/-ns$/, '')).metadata.labels ?? {};
  const merged: Record<string, string> = { ...base, 'kubernetes.io/metadata.name': name };
  for (const [k, v] of Object.entries(labels)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  delete merged['kubernetes.io/metadata.name'];
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: merged } };
}

/** The workload of `kind` that carries the chart's pod template. */
function workload(deployment: KubeObject, kind: string): KubeObject {
  const template = structuredClone((deployment.spec as Json).template);
  const meta = { name: `${APP}-${kind.toLowerCase()}`, namespace: NAMESPACE };
  const selector = (deployment.spec as Json).selector;
  switch (kind) {
    case 'StatefulSet':
      return { apiVersion: 'apps/v1', kind, metadata: meta, spec: { serviceName: APP, selector, template } };
    case 'ReplicaSet':
      return { apiVersion: 'apps/v1', kind, metadata: meta, spec: { selector, template } };
    case 'DaemonSet':
      return { apiVersion: 'apps/v1', kind, metadata: meta, spec: { selector, template } };
    case 'Job':
      template.spec.restartPolicy = 'Never';
      return { apiVersion: 'batch/v1', kind, metadata: meta, spec: { template } };
    case 'CronJob':
      template.spec.restartPolicy = 'Never';
      return { apiVersion: 'batch/v1', kind, metadata: meta, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } } };
    case 'Pod':
      return {
        apiVersion: 'v1',
        kind,
        metadata: { ...meta, labels: template.metadata.labels, annotations: template.metadata.annotations },
        spec: template.spec,
      };
    default:
      throw new Error(kind);
  }
}

/** The pod template (or Pod) of a workload, to edit. */
function podTemplate(o: Json): { metadata: Json; spec: Json } {
  if (o.kind === 'Pod') return o as { metadata: Json; spec: Json };
  if (o.kind === 'CronJob') return o.spec.jobTemplate.spec.template;
  return o.spec.template;
}

/** The app1 HelmRelease onboarding wrote (platform/apps/app1/release.yaml). */
function appRelease(): KubeObject {
  const text = readFileSync(join(paths.platform, 'apps', APP, 'release.yaml'), 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject)
    .find((o) => o?.kind === 'HelmRelease')!;
}

export function buildAttacks(rendered: KubeObject[]): Case[] {
  const deployment = pick(rendered, 'Deployment');
  const pod = admissionPod(deployment, loadPlatformInjectorSettings())!;
  const statestore = pick(rendered, 'Component', 'statestore');
  const binding = pick(rendered, 'Component', 'slack');
  const configuration = pick(rendered, 'Configuration');
  const service = pick(rendered, 'Service');
  const release = appRelease();
  const daprd = (x: Json) => x.spec.containers.find((c: Json) => c.name === 'daprd');
  const app = (x: Json) => x.spec.containers.find((c: Json) => c.name === 'app');
  const setArgs = (edit: (args: string[]) => string[]) => edited(pod, (x) => (daprd(x).args = edit([...daprd(x).args])));
  /** The chart's pod as a tenant would hand-write it: a bare Pod, injected by the cluster, then judged. */
  const tenantPod = (edit: (x: Json) => void) => admissionPod(edited(workload(deployment, 'Pod'), edit), loadPlatformInjectorSettings())!;

  const pass = (policy: string, name: string, object: KubeObject, extra: Partial<Case> = {}): Case => ({ name, policy, expect: 'pass', object, ...extra });
  const fail = (policy: string, name: string, object: KubeObject | null, extra: Partial<Case> = {}): Case => ({
    name,
    policy,
    expect: 'fail',
    object,
    ...extra,
  });

  const cases: Case[] = [];

  // ---- class 8: namespaces are the platform's and name their app ---------------------------
  cases.push(
    pass(TN, 'a namespace as onboarding writes it', ns('app9-ns', {}), { identity: tree }),
    pass(
      TN,
      'a platform namespace (not named like an app)',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-tools', labels: { owner: 'platform' } } },
      { identity: tree },
    ),
    fail(TN, 'an app namespace without the tenant label (escaping every policy)', ns('app9-ns', { 'paddock.dev/tenant': undefined }), { identity: tree }),
    fail(TN, 'an app namespace with the tenant label "false"', ns('app9-ns', { 'paddock.dev/tenant': 'false' }), { identity: tree }),
    fail(TN, "a namespace labelled with another app's name (app1's pool, app-id and scopes)", ns('app9-ns', { 'paddock.dev/app': APP }), { identity: tree }),
    fail(
      TN,
      'a namespace not named <app>-ns that claims to be a tenant',
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'shadow', labels: { 'paddock.dev/tenant': 'true', 'paddock.dev/app': APP, 'pod-security.kubernetes.io/enforce': 'restricted' } },
      },
      { identity: tree },
    ),
    fail(
      TN,
      "a namespace that only copies app1's label",
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shadow', labels: { 'paddock.dev/app': APP } } },
      { identity: tree },
    ),
    fail(TN, 'an app namespace without Pod Security "restricted"', ns('app9-ns', { 'pod-security.kubernetes.io/enforce': 'privileged' }), { identity: tree }),
    fail(TN, 'the namespace of an app named admin (the Redis admin user)', ns('admin-ns', {}), { identity: tree }),
    fail(TN, 'the namespace of an app named system (the platform node pool)', ns('system-ns', {}), { identity: tree }),
    fail(TN, 'the namespace of an app named yes (YAML reads it as true)', ns('yes-ns', {}), { identity: tree }),
    fail(TN, 'the namespace of an app named kube-proxy (a reserved prefix)', ns('kube-proxy-ns', {}), { identity: tree }),
    fail(TN, 'the namespace of an app whose name is longer than 53 characters', ns(`${'a'.repeat(54)}-ns`, {}), { identity: tree }),
    fail(TN, 'removing the tenant label from app1-ns', ns(NAMESPACE, { 'paddock.dev/tenant': undefined }), {
      identity: tree,
      operation: 'UPDATE',
      oldObject: ns(NAMESPACE, {}),
    }),
  );

  // ---- class 8: kinds that are the platform's alone in an app namespace -------------------
  const allowAll = obj('networking.k8s.io/v1', 'NetworkPolicy', 'allow-all', {
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] },
  });
  const platformOnly: Array<[string, KubeObject]> = [
    ['an allow-all NetworkPolicy', allowAll],
    [
      'a NetworkPolicy that opens the API server',
      obj('networking.k8s.io/v1', 'NetworkPolicy', 'to-api', {
        spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 6443 }] }] },
      }),
    ],
    ['a Role', obj('rbac.authorization.k8s.io/v1', 'Role', 'secrets-reader', { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] })],
    [
      'a RoleBinding',
      obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'edit', {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'User', name: 'mallory' }],
      }),
    ],
    ['a ServiceAccount', obj('v1', 'ServiceAccount', 'extra')],
    ['a Secret', obj('v1', 'Secret', 'mine', { stringData: { a: 'b' } })],
    ['overwriting redis-credentials', obj('v1', 'Secret', 'redis-credentials', { stringData: { password: 'chosen-by-tenant' } })],
    ['a Dapr Component', edited(statestore, (x) => (x.metadata.name = 'mine'))],
    ['a Dapr Configuration', edited(configuration, (x) => (x.metadata.name = 'open'))],
    [
      'a Dapr Resiliency',
      obj('dapr.io/v1alpha1', 'Resiliency', 'retry-forever', {
        spec: {
          policies: { retries: { forever: { policy: 'constant', duration: '1ms', maxRetries: -1 } } },
          targets: { apps: { app2: { retry: 'forever' } } },
        },
      }),
    ],
    ['a Dapr Subscription', obj('dapr.io/v2alpha1', 'Subscription', 'spy', { spec: { pubsubname: 'pubsub', topic: 'orders', routes: { default: '/spy' } } })],
    [
      'a Dapr HTTPEndpoint',
      obj('dapr.io/v1alpha1', 'HTTPEndpoint', 'metadata-service', {
        spec: { baseUrl: 'http://169.254.169.254', headers: [{ name: 'Authorization', secretKeyRef: { name: 'redis-credentials', key: 'password' } }] },
      }),
    ],
    [
      'an ESO PushSecret',
      obj('external-secrets.io/v1alpha1', 'PushSecret', 'leak', {
        spec: {
          secretStoreRefs: [{ name: `${APP}-vault`, kind: 'SecretStore' }],
          selector: { secret: { name: 'redis-credentials' } },
          data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'dapr/app2' } } }],
        },
      }),
    ],
    ['an ESO SecretStore', edited(pick(rendered, 'SecretStore'), (x) => (x.metadata.name = 'mine'))],
    ['an ESO ExternalSecret', edited(pick(rendered, 'ExternalSecret'), (x) => (x.metadata.name = 'mine'))],
    [
      "a Flux HelmRelease (installs anything with the controller's rights)",
      obj('helm.toolkit.fluxcd.io/v2', 'HelmRelease', 'anything', {
        spec: { interval: '1m', chart: { spec: { chart: 'x', sourceRef: { kind: 'HelmRepository', name: 'x' } } } },
      }),
    ],
    [
      'a Flux Kustomization',
      obj('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'anything', {
        spec: { interval: '1m', path: './', prune: false, sourceRef: { kind: 'GitRepository', name: 'x' } },
      }),
    ],
    [
      'a PodMonitor (scraping other namespaces)',
      obj('monitoring.coreos.com/v1', 'PodMonitor', 'spy', {
        spec: { selector: {}, namespaceSelector: { any: true }, podMetricsEndpoints: [{ port: 'metrics' }] },
      }),
    ],
    [
      'a CiliumNetworkPolicy',
      obj('cilium.io/v2', 'CiliumNetworkPolicy', 'allow-world', { spec: { endpointSelector: {}, egress: [{ toEntities: ['world', 'kube-apiserver'] }] } }),
    ],
    ['an Ingress', obj('networking.k8s.io/v1', 'Ingress', 'public', { spec: { defaultBackend: { service: { name: APP, port: { number: 80 } } } } })],
    [
      'hand-made Endpoints (pointing a Service at the API server)',
      obj('v1', 'Endpoints', 'api', { subsets: [{ addresses: [{ ip: '10.96.0.1' }], ports: [{ port: 443 }] }] }),
    ],
    [
      'an EndpointSlice',
      obj('discovery.k8s.io/v1', 'EndpointSlice', 'api', { addressType: 'IPv4', endpoints: [{ addresses: ['10.96.0.1'] }], ports: [{ port: 443 }] }),
    ],
    ['a ResourceQuota', obj('v1', 'ResourceQuota', 'more', { spec: { hard: { pods: '100' } } })],
    ['a LimitRange', obj('v1', 'LimitRange', 'more', { spec: { limits: [{ type: 'Container', max: { cpu: '64' } }] } })],
    ['a PodDisruptionBudget that blocks node drains', obj('policy/v1', 'PodDisruptionBudget', 'never', { spec: { maxUnavailable: 0, selector: {} } })],
    [
      'a HorizontalPodAutoscaler',
      obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'big', {
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: APP }, minReplicas: 1, maxReplicas: 100 },
      }),
    ],
    [
      'a PersistentVolumeClaim',
      obj('v1', 'PersistentVolumeClaim', 'disk', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }),
    ],
  ];
  for (const [what, o] of platformOnly) cases.push(fail(TO, `a tenant writing ${what}`, o, { identity: tenant }));
  cases.push(
    fail(TO, "a tenant deleting the chart's default-deny", null, {
      operation: 'DELETE',
      oldObject: pick(rendered, 'NetworkPolicy', 'default-deny'),
      identity: tenant,
      also: ['paddock-network-default-deny'],
    }),
    fail(TO, 'a tenant DaemonSet (a pod on every node of the pool)', workload(deployment, 'DaemonSet'), { identity: tenant }),
    fail(TO, 'the provisioner writing a Secret other than redis-credentials', obj('v1', 'Secret', 'other', { stringData: { a: 'b' } }), {
      identity: provisioner,
    }),
    fail(
      TO,
      "a Secret of type service-account-token, even from the chart's identity",
      obj('v1', 'Secret', 'api-token', {
        type: 'kubernetes.io/service-account-token',
        metadata: { name: 'api-token', namespace: NAMESPACE, annotations: { 'kubernetes.io/service-account.name': APP } },
      }),
      { identity: chart },
    ),
    fail(
      TO,
      'a Secret of type service-account-token from a tenant',
      obj('v1', 'Secret', 'api-token', {
        type: 'kubernetes.io/service-account-token',
        metadata: { name: 'api-token', namespace: NAMESPACE, annotations: { 'kubernetes.io/service-account.name': APP } },
      }),
      { identity: tenant },
    ),
    fail(
      TO,
      "the chart's identity writing a kind the chart never renders (a RoleBinding)",
      obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'edit', {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'User', name: 'mallory' }],
      }),
      { identity: chart },
    ),
    pass(TO, 'a tenant ConfigMap', obj('v1', 'ConfigMap', 'settings', { data: { colour: 'blue' } }), { identity: tenant }),
    pass(
      TO,
      "the chart's NetworkPolicy from Flux's helm-controller",
      edited(pick(rendered, 'NetworkPolicy', 'default-deny'), (x) => (x.metadata.namespace = bareNamespace.metadata.name)),
      { identity: chart, namespace: bareNamespace },
    ),
    pass(TO, "the provisioner's redis-credentials", obj('v1', 'Secret', 'redis-credentials', { stringData: { password: 'generated' } }), {
      identity: provisioner,
    }),
    pass(TO, "External Secrets Operator's synced Secret", obj('v1', 'Secret', `${APP}-secrets`, { stringData: { 'secrets.json': '{}' } }), { identity: eso }),
    // kubeadm's admin.conf (kind's kubeconfig) since Kubernetes 1.29: cluster-admin through this group, not system:masters
    pass(TO, "a cluster administrator's ServiceAccount (kubeadm's admin.conf)", obj('v1', 'ServiceAccount', 'debugging'), { identity: kubeadmAdmin }),
    fail(TO, 'someone merely named kubernetes-admin', obj('v1', 'ServiceAccount', 'debugging'), {
      identity: { username: 'kubernetes-admin', groups: ['system:authenticated'] },
    }),
  );

  // ---- class 8: Services stay inside the cluster ------------------------------------------
  cases.push(
    pass(TS, "the chart's ClusterIP Service", service, { identity: chart }),
    pass(
      TS,
      'a headless Service (the Dapr operator makes one per app)',
      edited(service, (x) => {
        x.metadata.name = `${APP}-dapr`;
        x.spec.clusterIP = 'None';
      }),
      { identity: tenant },
    ),
    fail(
      TS,
      'a LoadBalancer Service',
      edited(service, (x) => (x.spec.type = 'LoadBalancer')),
      { identity: tenant },
    ),
    fail(
      TS,
      'a NodePort Service',
      edited(service, (x) => (x.spec.type = 'NodePort')),
      { identity: tenant },
    ),
    fail(
      TS,
      'an ExternalName Service (a name that points anywhere)',
      edited(service, (x) => {
        x.spec = { type: 'ExternalName', externalName: 'kubernetes.default.svc.cluster.local' };
      }),
      { identity: tenant },
    ),
    fail(
      TS,
      'a Service with externalIPs (capturing traffic to those addresses)',
      edited(service, (x) => (x.spec.externalIPs = ['10.96.0.1'])),
      { identity: tenant },
    ),
    fail(
      TS,
      "the chart's Service changed to LoadBalancer by its own identity",
      edited(service, (x) => (x.spec.type = 'LoadBalancer')),
      { identity: chart },
    ),
  );

  // ---- class 8: no rights for app service accounts, anywhere ------------------------------
  const crb = (subjects: Json[], name = 'grant'): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects,
  });
  const rbIn = (namespace: string, subjects: Json[]): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'grant', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects,
  });
  const kubeSystem: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } };
  const fluxSystem: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } };
  cases.push(
    fail(RB, "a ClusterRoleBinding to app1's service account", crb([{ kind: 'ServiceAccount', name: APP, namespace: NAMESPACE }]), { identity: tree }),
    fail(
      RB,
      "a ClusterRoleBinding to app1's service-account group",
      crb([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: `system:serviceaccounts:${NAMESPACE}` }]),
      { identity: tree },
    ),
    fail(RB, 'a ClusterRoleBinding to every service account', crb([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:serviceaccounts' }]), {
      identity: tree,
    }),
    fail(
      RB,
      'a ClusterRoleBinding to every authenticated user',
      crb([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }]),
      { identity: tree },
    ),
    fail(
      RB,
      "a ClusterRoleBinding to app1's service account written as a user",
      crb([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: `system:serviceaccount:${NAMESPACE}:${APP}` }]),
      { identity: tree },
    ),
    fail(RB, 'a ClusterRoleBinding to anonymous', crb([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }]), { identity: tree }),
    fail(RB, "a RoleBinding in kube-system to app1's service account", rbIn('kube-system', [{ kind: 'ServiceAccount', name: APP, namespace: NAMESPACE }]), {
      identity: tree,
      namespace: kubeSystem,
    }),
    fail(
      RB,
      "a RoleBinding in app1-ns to its own service account (from the chart's identity)",
      rbIn(NAMESPACE, [{ kind: 'ServiceAccount', name: APP, namespace: NAMESPACE }]),
      { identity: chart, also: [TO] },
    ),
    pass(
      RB,
      "a ClusterRoleBinding to a platform controller's service account",
      crb([{ kind: 'ServiceAccount', name: 'helm-controller', namespace: 'flux-system' }]),
      { identity: tree },
    ),
    pass(
      RB,
      'a RoleBinding in flux-system to a platform user',
      rbIn('flux-system', [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'ops@example.com' }]),
      { identity: tree, namespace: fluxSystem },
    ),
  );

  // ---- class 4: tokens by the side door ---------------------------------------------------
  const tokenVolume = (audience?: string) => ({
    name: 'tok',
    projected: { sources: [{ serviceAccountToken: { path: 'token', ...(audience ? { audience } : {}) } }] },
  });
  const withTemplateVolume = (v: Json, mount = true) =>
    edited(deployment, (x) => {
      x.spec.template.spec.volumes.push(v);
      if (mount) x.spec.template.spec.containers[0].volumeMounts.push({ name: v.name, mountPath: '/var/run/tok', readOnly: true });
    });
  cases.push(
    fail(T, "a projected token for the API server's own audience", withTemplateVolume(tokenVolume('https://kubernetes.default.svc.cluster.local')), {
      identity: tenant,
    }),
    fail(T, "a projected token for the API server's short audience", withTemplateVolume(tokenVolume('kubernetes')), { identity: tenant }),
    fail(T, "a projected token for Vault's audience", withTemplateVolume(tokenVolume('vault')), { identity: tenant }),
    fail(T, "a projected token for Sentry's audience in the template (the sidecar's, copied)", withTemplateVolume(tokenVolume(SENTRY_AUDIENCE)), {
      identity: tenant,
    }),
    fail(T, 'a projected token without an audience, not even mounted', withTemplateVolume(tokenVolume(), false), { identity: tenant }),
    fail(
      T,
      "the app container mounting the sidecar's identity token (on the Pod)",
      edited(pod, (x) => app(x).volumeMounts.push({ name: 'dapr-identity-token', mountPath: '/tok', readOnly: true })),
      { identity: tenant },
    ),
    fail(
      T,
      'a second Sentry-audience volume the app mounts (on the Pod)',
      edited(pod, (x) => {
        x.spec.volumes.push(tokenVolume(SENTRY_AUDIENCE));
        app(x).volumeMounts.push({ name: 'tok', mountPath: '/tok', readOnly: true });
      }),
      { identity: tenant },
    ),
    fail(
      T,
      'a bare Pod that projects an API token for itself',
      tenantPod((x) => {
        x.spec.volumes.push(tokenVolume('https://kubernetes.default.svc'));
        x.spec.containers[0].volumeMounts.push({ name: 'tok', mountPath: '/var/run/tok', readOnly: true });
      }),
      { identity: tenant },
    ),
    fail(
      T,
      'a CronJob whose pod gets an API token',
      edited(workload(deployment, 'CronJob'), (x) => (podTemplate(x).spec.automountServiceAccountToken = true)),
      { identity: tenant },
    ),
  );
  const tokenRequest = (audiences: string[]): KubeObject => ({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name: APP, namespace: NAMESPACE },
    spec: { audiences, expirationSeconds: 600 },
  });
  cases.push(
    fail(TR, 'a tenant asking for a token of its service account', tokenRequest([]), { identity: tenant, serverOnly: true, subResource: 'token' }),
    fail(TR, "a tenant asking for a token with Vault's audience", tokenRequest(['vault']), { identity: tenant, serverOnly: true, subResource: 'token' }),
    fail(TR, 'External Secrets Operator asking for an API-audience token', tokenRequest([]), { identity: eso, serverOnly: true, subResource: 'token' }),
    fail(TR, 'the kubelet asking for an API-audience token for an app pod', tokenRequest([]), { identity: kubelet, serverOnly: true, subResource: 'token' }),
    pass(TR, "External Secrets Operator asking for Vault's audience", tokenRequest(['vault']), { identity: eso, serverOnly: true, subResource: 'token' }),
    pass(TR, "the kubelet asking for the sidecar's Sentry token", tokenRequest([SENTRY_AUDIENCE]), {
      identity: kubelet,
      serverOnly: true,
      subResource: 'token',
    }),
  );

  // ---- class 5: every pod-producing kind gets the sidecar's judgement ---------------------
  for (const kind of ['Pod', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob']) {
    const base = workload(deployment, kind);
    const judged = (edit: (t: { metadata: Json; spec: Json }) => void) => {
      const o = edited(base, (x) => edit(podTemplate(x)));
      return kind === 'Pod' ? admissionPod(o, loadPlatformInjectorSettings())! : o;
    };
    const ann = (k: string, v: string | undefined) =>
      judged((t) => {
        if (v === undefined) delete t.metadata.annotations[k];
        else t.metadata.annotations[k] = v;
      });
    cases.push(
      pass(
        D,
        `a ${kind} with the chart's pod template`,
        judged(() => {}),
        { identity: tenant },
      ),
      fail(D, `a ${kind} with Dapr debug on`, ann('dapr.io/enable-debug', 'true'), { identity: tenant }),
      fail(D, `a ${kind} whose sidecar listens on every interface`, ann('dapr.io/sidecar-listen-addresses', '0.0.0.0'), { identity: tenant }),
      fail(D, `a ${kind} that drops the app's Dapr Configuration`, ann('dapr.io/config', undefined), { identity: tenant }),
      fail(D, `a ${kind} that claims app2's app-id`, ann('dapr.io/app-id', 'app2'), { identity: tenant }),
      fail(D, `a ${kind} that swaps the sidecar image`, ann('dapr.io/sidecar-image', 'localhost:30000/platform/my-daprd:1.0.0'), { identity: tenant }),
      fail(
        D,
        `a ${kind} that ships its own daprd (skipping injection)`,
        judged((t) => {
          t.spec.containers.push({
            ...structuredClone(daprd(pod)),
            volumeMounts: [],
            args: ['/daprd', '--mode', 'standalone', '--app-id', APP, '--resources-path', '/tmp'],
          });
        }),
        { identity: tenant },
      ),
    );
  }
  const annotated = (k: string, v: string) => edited(deployment, (x) => (x.spec.template.metadata.annotations[k] = v));
  for (const [k, v] of [
    ['dapr.io/env', 'SSL_CERT_DIR=C:\\certs'],
    ['dapr.io/env-from-secret', 'TOKEN=redis-credentials:password'],
    ['dapr.io/volume-mounts-rw', 'tmp:/tmp'],
    ['dapr.io/app-channel-address', '169.254.169.254'],
    ['dapr.io/placement-host-address', 'evil.example.com:50005'],
    ['dapr.io/scheduler-host-address', 'evil.example.com:50006'],
    ['dapr.io/unix-domain-socket-path', '/tmp'],
    ['dapr.io/api-token-secret', 'redis-credentials'],
    ['dapr.io/app-token-secret', 'redis-credentials'],
    ['dapr.io/sentry-request-jwt-audiences', 'https://kubernetes.default.svc'],
    ['dapr.io/component-container', '{"name":"x","image":"localhost:30000/platform/x:1.0.0"}'],
    ['dapr.io/inject-pluggable-components', 'true'],
    ['dapr.io/Enable-Debug', 'true'],
  ] as const) {
    cases.push(fail(D, `annotation ${k}`, annotated(k, v), { identity: tenant }));
  }
  cases.push(
    fail(D, 'the sidecar mounting another volume (volume-mounts)', annotated('dapr.io/volume-mounts', 'tmp:/var/run/secrets/paddock'), { identity: tenant }),
    fail(
      D,
      "shareProcessNamespace (the app sees the sidecar's processes)",
      edited(deployment, (x) => (x.spec.template.spec.shareProcessNamespace = true)),
      { identity: tenant },
    ),
    fail(
      D,
      'the app container mounting a Secret volume',
      edited(deployment, (x) => {
        x.spec.template.spec.volumes.push({ name: 'creds', secret: { secretName: 'redis-credentials' } });
        x.spec.template.spec.containers[0].volumeMounts.push({ name: 'creds', mountPath: '/creds', readOnly: true });
      }),
      { identity: tenant },
    ),
    fail(
      D,
      'the app container mounting a projected Secret',
      edited(deployment, (x) => {
        x.spec.template.spec.volumes.push({ name: 'creds', projected: { sources: [{ secret: { name: 'redis-credentials' } }] } });
        x.spec.template.spec.containers[0].volumeMounts.push({ name: 'creds', mountPath: '/creds', readOnly: true });
      }),
      { identity: tenant },
    ),
    fail(
      D,
      "the app container mounting the sidecar's app-secrets volume",
      edited(deployment, (x) => {
        x.spec.template.spec.containers[0].volumeMounts.push({ name: 'app-secrets', mountPath: '/secrets', readOnly: true });
      }),
      { identity: tenant },
    ),
    fail(
      D,
      'the app reading a Secret into its environment',
      edited(deployment, (x) =>
        x.spec.template.spec.containers[0].env.push({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-credentials', key: 'password' } } }),
      ),
      { identity: tenant },
    ),
    fail(
      D,
      'the app reading a whole Secret with envFrom',
      edited(deployment, (x) => (x.spec.template.spec.containers[0].envFrom = [{ secretRef: { name: 'redis-credentials' } }])),
      { identity: tenant },
    ),
    fail(
      D,
      'an init container reading a Secret',
      edited(deployment, (x) => {
        const c = structuredClone(x.spec.template.spec.containers[0]);
        x.spec.template.spec.initContainers = [
          {
            ...c,
            name: 'init',
            ports: undefined,
            startupProbe: undefined,
            readinessProbe: undefined,
            livenessProbe: undefined,
            lifecycle: undefined,
            env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'redis-credentials', key: 'password' } } }],
          },
        ];
      }),
      { identity: tenant },
    ),
    fail(
      D,
      "a tenant adding a debug container (it could read the sidecar's files)",
      edited(
        pod,
        (x) =>
          (x.spec.ephemeralContainers = [
            {
              name: 'debug',
              image: 'localhost:30000/platform/debug:1.0.0',
              targetContainerName: 'daprd',
              securityContext: {
                allowPrivilegeEscalation: false,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
            },
          ]),
      ),
      { identity: tenant, operation: 'UPDATE', subResource: 'ephemeralcontainers', oldObject: pod },
    ),
    // The Pod as admitted: a daprd the injector did not write.
    fail(
      D,
      'daprd in standalone mode (its own components, no operator)',
      setArgs((a) => a.map((x) => (x === 'kubernetes' ? 'standalone' : x))),
      { identity: tenant },
    ),
    fail(
      D,
      'daprd with a second --config (the last one wins)',
      setArgs((a) => [...a, '--config', 'daprsystem']),
      { identity: tenant },
    ),
    fail(
      D,
      'daprd with --app-id=app2 (the = form, the last one wins)',
      setArgs((a) => [...a, '--app-id=app2']),
      { identity: tenant },
    ),
    fail(
      D,
      'daprd with a single-dash -config flag',
      setArgs((a) => [...a, '-config', 'daprsystem']),
      { identity: tenant },
    ),
    fail(
      D,
      'daprd with a stray word that ends flag parsing before --config',
      setArgs((a) => {
        const i = a.indexOf('--config');
        return [...a.slice(0, i), '--enable-mtls', 'false', ...a.slice(i)];
      }),
      { identity: tenant },
    ),
    fail(
      D,
      'daprd with an argument hiding flags behind a space',
      setArgs((a) => [...a, 'x --config app1']),
      { identity: tenant },
    ),
    fail(
      D,
      'daprd with profiling on',
      setArgs((a) => [...a, '--enable-profiling']),
      { identity: tenant },
    ),
    fail(
      D,
      'daprd listening on every interface',
      setArgs((a) => a.map((x) => (x === '[::1],127.0.0.1' ? '0.0.0.0' : x))),
      { identity: tenant },
    ),
    fail(
      D,
      'daprd with another control plane',
      setArgs((a) => a.map((x) => (x.startsWith('dapr-api.') ? 'dapr-api.evil.svc.cluster.local:443' : x))),
      { identity: tenant },
    ),
    fail(
      D,
      'daprd from another image',
      edited(pod, (x) => (daprd(x).image = 'localhost:30000/platform/daprd:1.17.5')),
      { identity: tenant },
    ),
    fail(
      D,
      'daprd started through another command',
      edited(pod, (x) => (daprd(x).command = ['/bin/sh', '-c'])),
      { identity: tenant },
    ),
    fail(
      D,
      'daprd with an environment variable from a Secret',
      edited(pod, (x) => daprd(x).env.push({ name: 'DAPR_API_TOKEN', valueFrom: { secretKeyRef: { name: 'redis-credentials', key: 'password' } } })),
      { identity: tenant },
    ),
    fail(
      D,
      'daprd with an extra mount',
      edited(pod, (x) => daprd(x).volumeMounts.push({ name: 'tmp', mountPath: '/components' })),
      { identity: tenant },
    ),
  );

  // ---- class 8: components and configurations say only what the mapping says -------------
  const meta = (o: KubeObject, edit: (m: Json[]) => Json[]) => edited(o, (x) => (x.spec.metadata = edit(x.spec.metadata)));
  cases.push(
    fail(
      C,
      'a binding that sends redis-credentials as a header',
      meta(binding, (m) => [...m, { name: 'Authorization', secretKeyRef: { name: 'redis-credentials', key: 'password' } }]),
    ),
    fail(
      C,
      "a binding header from a Secret named like the mapping's",
      meta(binding, (m) => [...m, { name: 'redisPassword', secretKeyRef: { name: 'redis-credentials', key: 'password' } }]),
    ),
    fail(
      C,
      "a state store without its key prefix (other apps' keys)",
      meta(statestore, (m) => m.map((e) => (e.name === 'keyPrefix' ? { name: 'keyPrefix', value: 'none' } : e))),
    ),
    fail(
      C,
      'a state store signing in as app2',
      meta(statestore, (m) => m.map((e) => (e.name === 'redisUsername' ? { name: 'redisUsername', value: 'app2' } : e))),
    ),
    fail(
      C,
      'a state store pointed at another Redis',
      meta(statestore, (m) => m.map((e) => (e.name === 'redisHost' ? { name: 'redisHost', value: 'redis.evil.svc.cluster.local:6379' } : e))),
    ),
    fail(
      C,
      "a state store with app2's password",
      meta(statestore, (m) =>
        m.map((e) => (e.name === 'redisPassword' ? { name: 'redisPassword', secretKeyRef: { name: 'app2-redis', key: 'password' } } : e)),
      ),
    ),
    fail(
      C,
      'a state store with its password in plain text',
      meta(statestore, (m) => m.map((e) => (e.name === 'redisPassword' ? { name: 'redisPassword', value: 'guess' } : e))),
    ),
    fail(
      C,
      "a value read from the sidecar's environment (envRef)",
      meta(statestore, (m) => m.map((e) => (e.name === 'redisHost' ? { name: 'redisHost', envRef: 'REDIS_HOST' } : e))),
    ),
    fail(
      C,
      'a state store option the mapping does not set (failover)',
      meta(statestore, (m) => [...m, { name: 'failover', value: 'true' }]),
    ),
    fail(
      C,
      'secrets resolved through another store (auth.secretStore)',
      edited(statestore, (x) => (x.auth = { secretStore: 'kubernetes' })),
    ),
    pass(C, 'the secret store of the chart', pick(rendered, 'Component', 'secretstore')),
    fail(
      C,
      'a secret store reading another file',
      meta(pick(rendered, 'Component', 'secretstore'), () => [{ name: 'secretsFile', value: '/var/run/secrets/kubernetes.io/serviceaccount/token' }]),
    ),
    fail(
      G,
      'a Configuration that exports traces to another host',
      edited(
        configuration,
        (x) => (x.spec.tracing = { samplingRate: '1', otel: { endpointAddress: 'collector.evil.example.com:4317', protocol: 'grpc', isSecure: true } }),
      ),
    ),
    fail(
      G,
      'a Configuration with an HTTP middleware pipeline',
      edited(configuration, (x) => (x.spec.httpPipeline = { handlers: [{ name: 'tap', type: 'middleware.http.routeralias' }] })),
    ),
    fail(
      G,
      'a Configuration that turns mTLS off',
      edited(
        configuration,
        (x) => (x.spec.mtls = { enabled: false, controlPlaneTrustDomain: 'cluster.local', sentryAddress: 'dapr-sentry.evil.svc.cluster.local:443' }),
      ),
    ),
    fail(
      G,
      "an access-control entry whose namespace is not its app's",
      edited(configuration, (x) => {
        x.spec.accessControl.policies = [{ appId: 'app2', namespace: 'app3-ns', defaultAction: 'allow', trustDomain: 'public' }];
      }),
    ),
    fail(
      G,
      'an access-control entry with per-operation rules',
      edited(configuration, (x) => {
        x.spec.accessControl.policies = [
          { appId: 'app2', namespace: 'app2-ns', defaultAction: 'deny', trustDomain: 'public', operations: [{ name: '/admin', action: 'allow' }] },
        ];
      }),
    ),
  );

  // ---- classes 2 and 8: an app's HelmRelease is that app's --------------------------------
  const fluxNs: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } };
  const rel = (edit: (x: Json) => void) => edited(release, edit);
  cases.push(
    pass(AR, 'the release onboarding writes', release, { identity: tree, namespace: fluxNs }),
    fail(
      AR,
      'a release with a post-renderer (patching past the chart)',
      rel(
        (x) =>
          (x.spec.postRenderers = [
            { kustomize: { patches: [{ target: { kind: 'Deployment' }, patch: '- op: add\n  path: /spec/template/spec/hostNetwork\n  value: true' }] } },
          ]),
      ),
      { identity: tree, namespace: fluxNs },
    ),
    fail(
      AR,
      "a release that installs into app2's namespace",
      rel((x) => (x.spec.targetNamespace = 'app2-ns')),
      { identity: tree, namespace: fluxNs },
    ),
    fail(
      AR,
      'a release that keeps its Helm storage elsewhere',
      rel((x) => (x.spec.storageNamespace = 'flux-system')),
      { identity: tree, namespace: fluxNs },
    ),
    fail(
      AR,
      'a release under another release name',
      rel((x) => (x.spec.releaseName = 'app2')),
      { identity: tree, namespace: fluxNs },
    ),
    fail(
      AR,
      'a release that sets platform values',
      rel((x) => (x.spec.values.platform = { registries: ['docker.io'] })),
      { identity: tree, namespace: fluxNs },
    ),
    fail(
      AR,
      'a release with another values source',
      rel((x) => x.spec.valuesFrom.push({ kind: 'Secret', name: 'more-values' })),
      { identity: tree, namespace: fluxNs },
    ),
    fail(
      AR,
      'a release of an app named admin',
      rel((x) => {
        x.metadata.name = 'admin';
        x.spec.releaseName = 'admin';
        x.spec.targetNamespace = 'admin-ns';
        x.spec.storageNamespace = 'admin-ns';
      }),
      { identity: tree, namespace: fluxNs },
    ),
  );
  return cases;
}
