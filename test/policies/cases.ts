/**
 * For every admission policy: objects that must pass and objects that must
 * fail it. Passing objects are what the real chart renders for app1 (with the
 * binding building block switched on), and the Pod admission sees for its
 * Deployment; failing ones are those objects with one guardrail broken, each
 * still valid to the API server so that admission, not schema validation,
 * is what refuses them.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { admissionPod } from 'paddock/policies/admission-view.js';
import { type InjectorSettings, loadPlatformInjectorSettings } from 'paddock/policies/injector-settings.js';
import { tenantNamespace } from 'paddock/policies/check.js';
import { IDENTITIES, type UserInfo } from 'paddock/policies/identities.js';
import type { KubeObject, Operation } from 'paddock/policies/types.js';
import { paths, tool } from 'paddock/paths.js';
import { platformSettings } from 'paddock/contract/platform-settings.js';

export const APP = 'app1';
export const NAMESPACE = `${APP}-ns`;
export const namespace = tenantNamespace(APP);
/** A second app, spare, whose namespace holds no default-deny and where the platform allows API tokens. */
export const SPARE = 'spare';
export const bareNamespace: KubeObject = (() => {
  const ns = tenantNamespace(SPARE);
  return { ...ns, metadata: { ...ns.metadata, labels: { ...ns.metadata.labels, 'paddock.dev/api-token': 'allowed' } } };
})();

export interface Case {
  /** Short description, used as the test name. */
  name: string;
  /** The policy this case is about. */
  policy: string;
  /** `pass`: no policy may deny it; `fail`: exactly `policy` denies it. */
  expect: 'pass' | 'fail';
  operation?: Operation;
  object: KubeObject | null;
  oldObject?: KubeObject | null;
  /** The namespace it is sent to (default: app1-ns, where the chart's default-deny exists). */
  namespace?: KubeObject;
  /** A subresource request (`ephemeralcontainers`): an UPDATE of `oldObject`, which exists. */
  subResource?: string;
  /** Who sends it (default: Pods as the replicaset-controller, everything else as Flux's helm-controller). */
  identity?: UserInfo;
  /** Other policies that deny it too (`fail` cases). */
  also?: string[];
  /** A request no manifest can hold (a TokenRequest): judged by the API server only. */
  serverOnly?: boolean;
}

/** Who sends a case's request. */
export function identityOf(c: Case): UserInfo {
  const o = c.object ?? c.oldObject;
  return c.identity ?? (o?.kind === 'Pod' && !c.subResource ? IDENTITIES.podController : IDENTITIES.chartDelivery);
}

/** The policies a case expects to deny it. */
export function expectedDenials(c: Case): string[] {
  return c.expect === 'pass' ? [] : [c.policy, ...(c.also ?? [])].sort();
}

type Json = Record<string, any>;

/** app1 rendered by the real chart with the pinned helm, binding on. */
export function renderApp1(): KubeObject[] {
  return renderApp(APP);
}

/** An app rendered by the real chart from app1's values (binding on), under another name. */
export function renderApp(name: string): KubeObject[] {
  const out = execFileSync(
    tool('helm'),
    [
      'template',
      name,
      paths.chart,
      '-f',
      join(paths.root, 'apps', APP, 'values.yaml'),
      '--set',
      `nodepool=${name}`,
      '--set',
      'binding.enabled=true',
      '--set',
      'binding.name=slack',
      '--set',
      'binding.url=https://hooks.slack.com/services/T000/B000/XXXX',
      '--namespace',
      `${name}-ns`,
      '--kube-version',
      platformSettings().kubeVersion,
    ],
    { encoding: 'utf8' },
  );
  return parseAllDocuments(out)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => !!o && typeof o === 'object');
}

export function pick(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`the chart rendered no ${kind}${name ? `/${name}` : ''}`);
  return structuredClone(o);
}

/** A copy of `o` changed by `edit`. */
export function edited(o: KubeObject, edit: (x: Json) => void): KubeObject {
  const c = structuredClone(o) as Json;
  edit(c);
  return c as KubeObject;
}

export function buildCases(objects: KubeObject[] = renderApp1(), injector: InjectorSettings = loadPlatformInjectorSettings()): Case[] {
  const deployment = pick(objects, 'Deployment');
  const pod = admissionPod(deployment, injector)!;
  const tpl = (x: Json) => x.spec.template.spec;
  const app = (x: Json) => x.spec.containers[0];
  const appT = (x: Json) => x.spec.template.spec.containers[0];
  const daprd = (x: Json) => x.spec.containers.find((c: Json) => c.name === 'daprd');
  const statestore = pick(objects, 'Component', 'statestore');
  const binding = pick(objects, 'Component', 'slack');
  const configuration = pick(objects, 'Configuration');
  const denyAll = pick(objects, 'NetworkPolicy', 'default-deny');
  const secretStore = pick(objects, 'SecretStore');
  const externalSecret = pick(objects, 'ExternalSecret');
  const podFrom = (d: KubeObject, s: InjectorSettings = injector) => admissionPod(d, s)!;
  // spare: a second app, in a namespace without default-deny (see bareNamespace).
  const spare = renderApp(SPARE);
  const spareDeployment = pick(spare, 'Deployment');
  const admin: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
  // `kubectl debug`: an ephemeral container added to the running pod through pods/ephemeralcontainers.
  const hardened = { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
  // Only a cluster administrator may add one (paddock-dapr-sidecar); the other policies still judge it.
  const debug = (container: Json): Partial<Case> & { object: KubeObject } => ({
    operation: 'UPDATE',
    subResource: 'ephemeralcontainers',
    identity: admin,
    oldObject: pod,
    object: edited(
      pod,
      (x) => (x.spec.ephemeralContainers = [{ name: 'debug', image: 'localhost:30000/platform/debug:1.0.0', securityContext: hardened, ...container }]),
    ),
  });
  const bindingTo = (url: string) =>
    edited(binding, (x) => {
      x.spec.metadata = [{ name: 'url', value: url }];
    });

  const pass = (policy: string, name: string, object: KubeObject, extra: Partial<Case> = {}): Case => ({ name, policy, expect: 'pass', object, ...extra });
  const fail = (policy: string, name: string, object: KubeObject | null, extra: Partial<Case> = {}): Case => ({
    name,
    policy,
    expect: 'fail',
    object,
    ...extra,
  });

  const S = 'paddock-pod-security-restricted';
  const H = 'paddock-pod-host-isolation';
  const R = 'paddock-pod-resources';
  const I = 'paddock-pod-images';
  const T = 'paddock-pod-service-account-token';
  const N = 'paddock-pod-node-pool';
  const D = 'paddock-dapr-sidecar';
  const C = 'paddock-dapr-component-scope';
  const B = 'paddock-dapr-binding-hosts';
  const G = 'paddock-dapr-configuration';
  const P = 'paddock-network-default-deny';
  const Q = 'paddock-pod-requires-default-deny';
  const inBare = (o: KubeObject) => edited(o, (x) => (x.metadata.namespace = bareNamespace.metadata.name));
  const V = 'paddock-secretstore-vault';
  const E = 'paddock-externalsecret-path';

  return [
    // Pod Security "restricted", judged on the Pod the injector produces.
    pass(S, "the chart's Deployment", deployment),
    pass(S, 'its Pod with the Dapr sidecar', pod),
    fail(
      S,
      'app container without allowPrivilegeEscalation: false',
      edited(pod, (x) => delete app(x).securityContext.allowPrivilegeEscalation),
    ),
    fail(S, 'sidecar keeps capabilities when the injector does not drop ALL', podFrom(deployment, { ...injector, sidecarDropALLCapabilities: false })),
    fail(
      S,
      'sidecar without a seccomp profile (annotation and pod-level profile removed)',
      edited(pod, (x) => delete daprd(x).securityContext.seccompProfile && delete x.spec.securityContext.seccompProfile),
    ),
    fail(
      S,
      'pod-level runAsNonRoot off and no container sets it',
      edited(pod, (x) => {
        x.spec.securityContext.runAsNonRoot = false;
        delete app(x).securityContext.runAsNonRoot;
      }),
    ),
    fail(
      S,
      'runAsUser 0',
      edited(deployment, (x) => (appT(x).securityContext.runAsUser = 0)),
    ),
    fail(
      S,
      'added capability SYS_ADMIN',
      edited(deployment, (x) => (appT(x).securityContext.capabilities.add = ['SYS_ADMIN'])),
    ),
    fail(
      S,
      'an init container without a securityContext',
      edited(deployment, (x) => (tpl(x).initContainers = [{ name: 'setup', image: 'localhost:30000/platform/tools:1.0.0', resources: appT(x).resources }])),
    ),
    fail(
      S,
      'an nfs volume',
      edited(deployment, (x) => tpl(x).volumes.push({ name: 'shared', nfs: { server: 'nfs.example.com', path: '/' } })),
    ),
    fail(
      S,
      'an unsafe sysctl',
      edited(deployment, (x) => (tpl(x).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }])),
    ),
    fail(
      S,
      'AppArmor Unconfined',
      edited(deployment, (x) => (appT(x).securityContext.appArmorProfile = { type: 'Unconfined' })),
    ),
    fail(
      S,
      'SELinux user set',
      edited(deployment, (x) => (appT(x).securityContext.seLinuxOptions = { user: 'system_u' })),
    ),
    pass(S, 'a hardened debug container (kubectl debug)', debug({}).object, debug({})),
    fail(S, 'a debug container that may escalate', debug({ securityContext: undefined }).object, debug({ securityContext: undefined })),

    // Host namespaces, paths, ports.
    pass(H, 'its Pod with the Dapr sidecar', pod),
    fail(
      H,
      'hostNetwork',
      edited(pod, (x) => {
        x.spec.hostNetwork = true;
      }),
    ),
    fail(
      H,
      'a hostPath volume',
      edited(deployment, (x) => tpl(x).volumes.push({ name: 'node', hostPath: { path: '/var/run' } })),
    ),
    fail(
      H,
      'a hostPort',
      edited(deployment, (x) => (appT(x).ports[0].hostPort = 8080)),
    ),

    // Resources.
    pass(R, 'its Pod with the Dapr sidecar', pod),
    fail(
      R,
      'app memory limit above 2Gi',
      edited(deployment, (x) => (appT(x).resources.limits.memory = '3Gi')),
    ),
    // A limit of 0 is no limit at all; judged by value however it is written (negative ones the API server refuses itself).
    fail(
      R,
      'app CPU request and limit of 0',
      edited(deployment, (x) => (appT(x).resources.requests.cpu = appT(x).resources.limits.cpu = '0')),
    ),
    fail(
      R,
      'app CPU request and limit written 0m',
      edited(deployment, (x) => (appT(x).resources.requests.cpu = appT(x).resources.limits.cpu = '0m')),
    ),
    fail(
      R,
      'app CPU request and limit as the JSON number 0',
      edited(deployment, (x) => (appT(x).resources.requests.cpu = appT(x).resources.limits.cpu = 0)),
    ),
    fail(
      R,
      'app memory request and limit of 0Mi',
      edited(deployment, (x) => (appT(x).resources.requests.memory = appT(x).resources.limits.memory = '0Mi')),
    ),
    fail(
      R,
      'app CPU request of 0 under a real limit',
      edited(deployment, (x) => (appT(x).resources.requests.cpu = '0')),
    ),
    fail(
      R,
      'sidecar CPU of 0 through its annotations',
      podFrom(
        edited(deployment, (x) => {
          x.spec.template.metadata.annotations['dapr.io/sidecar-cpu-request'] = '0';
          x.spec.template.metadata.annotations['dapr.io/sidecar-cpu-limit'] = '0';
        }),
      ),
    ),
    fail(
      R,
      'app container without limits',
      edited(deployment, (x) => delete appT(x).resources.limits),
    ),
    // Node disk: every app container asks for some, at most 1Gi (the sidecar gets the LimitRange's default).
    fail(
      R,
      'app container without an ephemeral-storage request and limit',
      edited(deployment, (x) => {
        delete appT(x).resources.requests['ephemeral-storage'];
        delete appT(x).resources.limits['ephemeral-storage'];
      }),
    ),
    fail(
      R,
      'app ephemeral-storage limit above 1Gi',
      edited(deployment, (x) => (appT(x).resources.limits['ephemeral-storage'] = '5Gi')),
    ),
    fail(
      R,
      'app ephemeral-storage request of 0',
      edited(deployment, (x) => (appT(x).resources.requests['ephemeral-storage'] = '0')),
    ),
    fail(
      R,
      'sidecar sized above the maximum through its annotation',
      podFrom(edited(deployment, (x) => (x.spec.template.metadata.annotations['dapr.io/sidecar-cpu-limit'] = '2500m'))),
    ),
    fail(
      R,
      'sidecar without resources (no sizing annotations)',
      podFrom(
        edited(deployment, (x) => {
          for (const k of ['cpu-request', 'cpu-limit', 'memory-request', 'memory-limit']) delete x.spec.template.metadata.annotations[`dapr.io/sidecar-${k}`];
        }),
      ),
      { also: [D] },
    ),

    // Images.
    pass(I, 'its Pod with the Dapr sidecar', pod),
    pass(
      I,
      'an image pinned by digest only',
      edited(deployment, (x) => (appT(x).image = `localhost:30000/platform/dapr-app1@sha256:${'a'.repeat(64)}`)),
    ),
    fail(
      I,
      'image from Docker Hub',
      edited(deployment, (x) => (appT(x).image = 'docker.io/library/nginx:1.27.0')),
    ),
    fail(
      I,
      'image tagged latest',
      edited(deployment, (x) => (appT(x).image = 'localhost:30000/platform/dapr-app1:latest')),
    ),
    fail(
      I,
      'image without a tag',
      edited(deployment, (x) => (appT(x).image = 'localhost:30000/platform/dapr-app1')),
    ),
    fail(I, 'a debug container from Docker Hub', debug({ image: 'docker.io/library/busybox:1.37' }).object, debug({ image: 'docker.io/library/busybox:1.37' })),
    fail(
      I,
      'sidecar image overridden by annotation',
      podFrom(edited(deployment, (x) => (x.spec.template.metadata.annotations['dapr.io/sidecar-image'] = 'ghcr.io/dapr/daprd:1.17.5'))),
      { also: [D] },
    ),

    // Service-account token.
    pass(T, 'its Pod with the Dapr sidecar (Sentry token has an audience)', pod),
    pass(
      T,
      'a pod in a namespace the platform lets have API tokens',
      edited(spareDeployment, (x) => {
        tpl(x).automountServiceAccountToken = true;
      }),
      { namespace: bareNamespace },
    ),
    fail(
      T,
      "a pod that says it needs the API itself (the annotation is not the platform's word)",
      edited(deployment, (x) => {
        tpl(x).automountServiceAccountToken = true;
        x.spec.template.metadata.annotations['paddock.dev/needs-api-token'] = 'true';
      }),
    ),
    fail(
      T,
      'automount left on',
      edited(deployment, (x) => delete tpl(x).automountServiceAccountToken),
    ),
    fail(
      T,
      'a projected API token volume',
      edited(deployment, (x) => tpl(x).volumes.push({ name: 'api', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } })),
    ),

    // Node pool.
    pass(N, 'its Pod with the Dapr sidecar', pod),
    fail(
      N,
      "toleration for app2's pool",
      edited(deployment, (x) => (tpl(x).tolerations[0].value = 'app2')),
    ),
    fail(
      N,
      'toleration of every taint',
      edited(deployment, (x) => tpl(x).tolerations.push({ operator: 'Exists' })),
    ),
    fail(
      N,
      'no node affinity',
      edited(deployment, (x) => delete tpl(x).affinity),
    ),
    fail(
      N,
      "nodeSelector for app2's pool",
      edited(deployment, (x) => (tpl(x).nodeSelector = { 'paddock.dev/nodepool': 'app2' })),
    ),
    fail(
      N,
      'nodeName set',
      edited(pod, (x) => (x.spec.nodeName = 'worker-1')),
    ),

    // Dapr sidecar annotations.
    pass(D, "the chart's Deployment", deployment),
    fail(
      D,
      'dapr.io/enabled missing',
      edited(deployment, (x) => delete x.spec.template.metadata.annotations['dapr.io/enabled']),
    ),
    fail(
      D,
      'app-id of another app',
      edited(deployment, (x) => (x.spec.template.metadata.annotations['dapr.io/app-id'] = 'app2')),
    ),
    fail(
      D,
      'config of another app',
      edited(deployment, (x) => (x.spec.template.metadata.annotations['dapr.io/config'] = 'daprsystem')),
    ),
    fail(
      D,
      'debug on',
      edited(deployment, (x) => (x.spec.template.metadata.annotations['dapr.io/enable-debug'] = 'true')),
    ),
    fail(
      D,
      'listening on all addresses',
      edited(deployment, (x) => (x.spec.template.metadata.annotations['dapr.io/sidecar-listen-addresses'] = '0.0.0.0')),
    ),
    fail(
      D,
      'built-in Kubernetes secret store on',
      edited(deployment, (x) => delete x.spec.template.metadata.annotations['dapr.io/disable-builtin-k8s-secret-store']),
    ),
    fail(
      D,
      'sidecar memory limit not a quantity',
      edited(deployment, (x) => (x.spec.template.metadata.annotations['dapr.io/sidecar-memory-limit'] = '128MB')),
    ),

    // Dapr components.
    pass(C, 'the state store', statestore),
    pass(C, 'the binding', binding),
    fail(
      C,
      'scoped to two apps',
      edited(statestore, (x) => (x.scopes = ['app1', 'app2'])),
    ),
    fail(
      C,
      'not scoped',
      edited(statestore, (x) => delete x.scopes),
    ),
    fail(
      C,
      'a component type the platform does not offer',
      edited(statestore, (x) => (x.spec.type = 'state.postgresql')),
    ),

    // HTTP binding hosts.
    pass(B, 'https to a public host', binding),
    pass(B, 'https with port 443 and a query', bindingTo('https://api.example.com:443/v1/hook?x=1')),
    pass(B, 'a public host written in capitals', bindingTo('https://HOOKS.SLACK.COM/services/T000/B000/XXXX')),
    fail(B, 'plain http', bindingTo('http://hooks.slack.com/services/x')),
    fail(B, 'an IP address', bindingTo('https://10.0.0.7/hook')),
    fail(B, 'a cluster-internal host', bindingTo('https://redis.redis-system.svc.cluster.local/')),
    fail(B, 'localhost', bindingTo('https://localhost:3500/v1.0/state')),
    // Names the pod's DNS search path resolves inside the cluster, and public names that lead to private addresses.
    ...[
      ['the API server by its short name', 'https://kubernetes.default/api'],
      ['Vault by namespace', 'https://vault.vault-system:8200/v1/secret'],
      ['Vault by namespace, port 443', 'https://vault.vault-system/v1/secret'],
      ['Redis by namespace', 'https://redis.redis-system/'],
      ["another app's sidecar", 'https://app2-dapr.app2-ns/v1.0/invoke'],
      ['a .svc name', 'https://x.svc/'],
      ['a cluster-internal host in capitals', 'https://VAULT.VAULT-SYSTEM/'],
      ['a host with a trailing dot', 'https://hooks.slack.com./services/x'],
      ['a percent-encoded dot', 'https://vault%2evault-system/'],
      ['a user name before the host', 'https://hooks.slack.com@vault.vault-system/'],
      ['a port other than 443', 'https://hooks.slack.com:8443/services/x'],
      ['localtest.me (resolves to 127.0.0.1)', 'https://localtest.me/'],
      ['nip.io (resolves to the address it spells)', 'https://10.0.0.1.nip.io/'],
      ['an IPv6 address', 'https://[::1]/'],
      ['a decimal IPv4 address', 'https://2130706433/'],
      ['a hex IPv4 address', 'https://0x7f000001/'],
      ['an octal IPv4 address', 'https://0177.0.0.1/'],
      ['a public name with a platform namespace in it', 'https://x.monitoring.com/'],
      ['a public name with an app namespace in it', 'https://app2.app2-ns.com/'],
    ].map(([what, url]) => fail(B, what!, bindingTo(url!))),
    fail(
      B,
      'url from a secret',
      edited(binding, (x) => (x.spec.metadata = [{ name: 'url', secretKeyRef: { name: 'hook', key: 'url' } }])),
      { also: [C] },
    ),

    // Dapr configuration.
    pass(G, "the app's configuration", configuration),
    fail(
      G,
      'default allow',
      edited(configuration, (x) => (x.spec.accessControl.defaultAction = 'allow')),
    ),

    // NetworkPolicy default-deny: created (in the namespace that has none yet), kept, not deleted.
    pass(P, 'the default-deny', inBare(denyAll), { namespace: bareNamespace }),
    fail(P, 'a default-deny that lets egress out', inBare(edited(denyAll, (x) => (x.spec.egress = [{}]))), { namespace: bareNamespace }),
    fail(P, 'a default-deny for some pods only', inBare(edited(denyAll, (x) => (x.spec.podSelector = { matchLabels: { tier: 'web' } }))), {
      namespace: bareNamespace,
    }),
    fail(P, 'deleting the default-deny', null, { operation: 'DELETE', oldObject: denyAll }),

    // Pods only where default-deny holds.
    pass(Q, 'its Pod, next to the default-deny', pod),
    fail(Q, 'its Pod in a namespace without default-deny', podFrom(spareDeployment), { namespace: bareNamespace }),

    // Secret store.
    pass(V, "the app's SecretStore", secretStore),
    fail(
      V,
      'role of another app',
      edited(secretStore, (x) => (x.spec.provider.vault.auth.kubernetes.role = 'app2')),
    ),
    fail(
      V,
      'another Vault server',
      edited(secretStore, (x) => (x.spec.provider.vault.server = 'https://vault.example.com')),
    ),
    fail(
      V,
      'a token instead of Kubernetes auth',
      edited(secretStore, (x) => (x.spec.provider.vault.auth = { tokenSecretRef: { name: 'root', key: 'token' } })),
    ),

    // ExternalSecret.
    pass(E, "the app's ExternalSecret", externalSecret),
    fail(
      E,
      "reading app2's path",
      edited(externalSecret, (x) => (x.spec.data[0].remoteRef.key = 'dapr/app2')),
    ),
    fail(
      E,
      'through a ClusterSecretStore',
      edited(externalSecret, (x) => (x.spec.secretStoreRef.kind = 'ClusterSecretStore')),
    ),
    fail(
      E,
      'finding secrets by pattern',
      edited(externalSecret, (x) => {
        delete x.spec.data;
        x.spec.dataFrom = [{ find: { name: { regexp: '.*' } } }];
      }),
    ),
  ];
}

/** Every policy's name, from the policy files. */
export const policyNames = [
  'paddock-tenant-namespace',
  'paddock-tenant-objects',
  'paddock-tenant-services',
  'paddock-rbac-tenant-subjects',
  'paddock-serviceaccount-token-requests',
  'paddock-app-release',
  'paddock-pod-security-restricted',
  'paddock-pod-host-isolation',
  'paddock-pod-resources',
  'paddock-pod-images',
  'paddock-pod-service-account-token',
  'paddock-pod-node-pool',
  'paddock-dapr-sidecar',
  'paddock-dapr-component-scope',
  'paddock-dapr-binding-hosts',
  'paddock-dapr-configuration',
  'paddock-network-default-deny',
  'paddock-pod-requires-default-deny',
  'paddock-secretstore-vault',
  'paddock-externalsecret-path',
];
