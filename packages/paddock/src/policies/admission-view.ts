/**
 * The Pod that validating admission sees for a rendered workload.
 *
 * In the cluster the mutating step runs first: the ServiceAccount admission
 * plugin adds the API-token volume (unless automount is off), then the Dapr
 * sidecar injector (a mutating webhook, Dapr 1.17.5) adds the `daprd` container
 * and its volumes. Only then do ValidatingAdmissionPolicies judge the Pod, so
 * the sidecar must pass the Pod policies too. This module rebuilds that Pod
 * offline from the pod template and the injector's settings, following
 * github.com/dapr/dapr@v1.17.5/pkg/injector (file and line references in
 * docs/policies.md).
 */
import { isQuantityText } from '../contract/quantity.js';
import { type InjectorSettings, loadPlatformInjectorSettings } from './injector-settings.js';
import type { KubeObject } from './types.js';

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects as JSON, walked field by field
type Json = Record<string, any>;

/** Kinds whose objects carry a pod template, and where it sits. */
function templateOf(o: KubeObject): { metadata?: Json; spec?: Json } | undefined {
  const spec = o.spec as Json | undefined;
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
    case 'ReplicationController':
      return spec?.template;
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template;
    default:
      return undefined;
  }
}

export function hasPodTemplate(o: KubeObject): boolean {
  return templateOf(o) !== undefined;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOfObj = (v: unknown) => v === undefined || (Array.isArray(v) && v.every(isObj));

/** A template the injector could patch: objects where objects belong (else the schema check reports it). */
function wellFormed(t: { metadata?: unknown; spec?: unknown }): boolean {
  const m = t.metadata;
  const spec = t.spec;
  if (m !== undefined && !(isObj(m) && (m.annotations === undefined || isObj(m.annotations)) && (m.labels === undefined || isObj(m.labels)))) return false;
  if (spec !== undefined && !isObj(spec)) return false;
  const sp = (spec ?? {}) as Json;
  return (
    ['containers', 'initContainers', 'ephemeralContainers', 'volumes'].every((k) => listOfObj(sp[k])) &&
    [...(sp.containers ?? []), ...(sp.initContainers ?? [])].every((c: Json) => listOfObj(c.env) && listOfObj(c.volumeMounts))
  );
}

/** dapr/kit strings.IsTruthy. */
function truthy(v: string | undefined): boolean {
  if (v === undefined) return false;
  const t = v.trim().toLowerCase();
  return ['y', 'yes', 'true', 't', 'on', '1'].includes(t);
}

function int(v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? dflt : n;
}

/** patcher/sidecar_container.go getResourceRequirements: any unparsable value drops them all. */
function sidecarResources(a: Record<string, string>): Json | undefined {
  const pick: Array<[string, 'requests' | 'limits', 'cpu' | 'memory']> = [
    ['dapr.io/sidecar-cpu-request', 'requests', 'cpu'],
    ['dapr.io/sidecar-cpu-limit', 'limits', 'cpu'],
    ['dapr.io/sidecar-memory-request', 'requests', 'memory'],
    ['dapr.io/sidecar-memory-limit', 'limits', 'memory'],
  ];
  const r: Json = { requests: {}, limits: {} };
  for (const [key, part, res] of pick) {
    const v = a[key];
    if (v === undefined || v === '') continue;
    if (!isQuantityText(v)) return undefined;
    r[part][res] = v;
  }
  if (!Object.keys(r.requests).length && !Object.keys(r.limits).length) return undefined;
  if (!Object.keys(r.requests).length) delete r.requests;
  if (!Object.keys(r.limits).length) delete r.limits;
  return r;
}

/** patcher/sidecar_volumes.go parseVolumeMountsString. */
function parseMounts(s: string | undefined, readOnly: boolean, volumes: Json[]): Json[] {
  if (!s) return [];
  const out: Json[] = [];
  for (const part of s.split(',')) {
    const fields = part.trim().split(':');
    if (fields.length !== 2) continue;
    const [name, mountPath] = fields as [string, string];
    // Go's encoding leaves `readOnly: false` out.
    if (volumes.some((v) => v.name === name)) out.push(readOnly ? { name, mountPath, readOnly } : { name, mountPath });
  }
  return out;
}

/** patcher/sidecar_container.go parseEnvVars (dapr.io/env), simplified to `K=V,K2=V2`. */
function parseEnv(s: string | undefined): Json[] {
  if (!s) return [];
  const parts = s.split(/,(?=\s*[a-zA-Z_][a-zA-Z0-9_]*=)/);
  return parts.flatMap((p) => {
    const i = p.indexOf('=');
    return i < 0 ? [] : [{ name: p.slice(0, i).trim(), value: p.slice(i + 1) }];
  });
}

const TOKEN_VOLUME = 'dapr-identity-token';
const TOKEN_PATH = '/var/run/secrets/dapr.io/sentrytoken';

/** The daprd container and the volumes the injector adds for these annotations (patcher/sidecar_patcher.go GetPatch). */
function sidecarFor(pod: { metadata: Json; spec: Json }, namespace: string, s: InjectorSettings): { container: Json; volumes: Json[] } {
  const a: Record<string, string> = pod.metadata.annotations ?? {};
  const { volumes, mounts } = sidecarVolumes(a, pod.spec.volumes ?? [], s);
  const { ports, args } = daprdCommand(a, pod.metadata.name ?? '', s);
  const env = sidecarEnv(a, namespace, s);
  const container: Json = {
    name: 'daprd',
    image: a['dapr.io/sidecar-image'] || s.sidecarImage,
    imagePullPolicy: s.imagePullPolicy,
    securityContext: sidecarSecurityContext(a, s, env),
    ports,
    args,
    env,
    volumeMounts: mounts,
    ...sidecarProbes(a),
  };
  const resources = sidecarResources(a);
  if (resources) container.resources = resources;
  return { container, volumes };
}

const HTTP_PORT = 3500;
const PUBLIC_PORT = 3501;

/** The volumes the injector adds and daprd's mounts: annotated mounts, the unix socket, the Sentry token. */
function sidecarVolumes(a: Record<string, string>, podVolumes: Json[], s: InjectorSettings): { volumes: Json[]; mounts: Json[] } {
  const volumes: Json[] = [];
  const mounts = [...parseMounts(a['dapr.io/volume-mounts'], true, podVolumes), ...parseMounts(a['dapr.io/volume-mounts-rw'], false, podVolumes)];
  if (a['dapr.io/unix-domain-socket-path']) {
    volumes.push({ name: 'dapr-unix-domain-socket', emptyDir: { medium: 'Memory' } });
    mounts.push({ name: 'dapr-unix-domain-socket', mountPath: '/var/run/dapr-sockets' });
  }
  volumes.push({
    name: TOKEN_VOLUME,
    projected: {
      defaultMode: 420,
      sources: [
        {
          serviceAccountToken: {
            audience: `spiffe://${s.controlPlaneTrustDomain}/ns/${s.controlPlaneNamespace}/dapr-sentry`,
            expirationSeconds: 7200,
            path: 'token',
          },
        },
      ],
    },
  });
  mounts.push({ name: TOKEN_VOLUME, mountPath: TOKEN_PATH, readOnly: true });
  return { volumes, mounts };
}

/** daprd's ports and its command line (under dlv when debugging), from the annotations. */
function daprdCommand(a: Record<string, string>, podName: string, s: InjectorSettings): { ports: Json[]; args: string[] } {
  const grpcPort = int(a['dapr.io/grpc-port'], 50001);
  const internalPort = int(a['dapr.io/internal-grpc-port'], 50002);
  const metricsPort = int(a['dapr.io/metrics-port'], 9090);
  const ports: Json[] = [
    { containerPort: HTTP_PORT, name: 'dapr-http' },
    { containerPort: grpcPort, name: 'dapr-grpc' },
    { containerPort: internalPort, name: 'dapr-internal' },
    { containerPort: metricsPort, name: 'dapr-metrics' },
  ];
  const args = [
    '--dapr-http-port',
    String(HTTP_PORT),
    '--dapr-grpc-port',
    String(grpcPort),
    '--dapr-internal-grpc-port',
    String(internalPort),
    '--dapr-listen-addresses',
    a['dapr.io/sidecar-listen-addresses'] ?? '[::1],127.0.0.1',
    '--dapr-public-port',
    String(PUBLIC_PORT),
    '--app-id',
    a['dapr.io/app-id'] || podName,
    '--app-protocol',
    a['dapr.io/app-protocol'] ?? 'http',
    '--log-level',
    a['dapr.io/log-level'] ?? 'info',
    '--dapr-graceful-shutdown-seconds',
    String(int(a['dapr.io/graceful-shutdown-seconds'], -1)),
    '--mode',
    'kubernetes',
    // The injector's own addresses (pod_patch.go: operator and Sentry services in the control-plane namespace).
    '--control-plane-address',
    `dapr-api.${s.controlPlaneNamespace}.svc.cluster.local:443`,
    '--sentry-address',
    `dapr-sentry.${s.controlPlaneNamespace}.svc.cluster.local:443`,
    ...optionalDaprdArgs(a, metricsPort),
  ];
  if (!truthy(a['dapr.io/enable-debug'])) return { ports, args: ['/daprd', ...args] };
  const debugPort = int(a['dapr.io/debug-port'], 40000);
  ports.push({ name: 'dapr-debug', containerPort: debugPort });
  return {
    ports,
    args: ['/dlv', '--listen', `:${debugPort}`, '--accept-multiclient', '--headless=true', '--log', '--api-version=2', 'exec', '/daprd', '--', ...args],
  };
}

/** The flags daprd gets only when an annotation asks (patcher/sidecar_container.go getSidecarContainer). */
function optionalDaprdArgs(a: Record<string, string>, metricsPort: number): string[] {
  const args: string[] = [];
  const enableMetrics = a['dapr.io/enable-metrics'] === undefined ? true : truthy(a['dapr.io/enable-metrics']);
  if (int(a['dapr.io/app-port'], 0) > 0) args.push('--app-port', String(int(a['dapr.io/app-port'], 0)));
  if (enableMetrics) args.push('--enable-metrics', '--metrics-port', String(metricsPort));
  if (a['dapr.io/config']) args.push('--config', a['dapr.io/config']);
  if (a['dapr.io/app-channel-address']) args.push('--app-channel-address', a['dapr.io/app-channel-address']);
  if (a['dapr.io/placement-host-address']?.trim()) args.push('--placement-host-address', a['dapr.io/placement-host-address']);
  if (a['dapr.io/enable-api-logging'] !== undefined) args.push(`--enable-api-logging=${truthy(a['dapr.io/enable-api-logging'])}`);
  if (truthy(a['dapr.io/disable-builtin-k8s-secret-store'])) args.push('--disable-builtin-k8s-secret-store');
  if (truthy(a['dapr.io/enable-app-health-check'])) {
    args.push(
      '--enable-app-health-check',
      '--app-health-check-path',
      a['dapr.io/app-health-check-path'] ?? '/healthz',
      '--app-health-probe-interval',
      String(int(a['dapr.io/app-health-probe-interval'], 5)),
      '--app-health-probe-timeout',
      String(int(a['dapr.io/app-health-probe-timeout'], 500)),
      '--app-health-threshold',
      String(int(a['dapr.io/app-health-threshold'], 3)),
    );
  }
  if (truthy(a['dapr.io/log-as-json'])) args.push('--log-as-json');
  if (truthy(a['dapr.io/enable-profiling'])) args.push('--enable-profiling');
  args.push('--enable-mtls');
  if (truthy(a['dapr.io/app-ssl'])) args.push('--app-ssl');
  if (a['dapr.io/app-max-concurrency']) args.push('--app-max-concurrency', String(int(a['dapr.io/app-max-concurrency'], 0)));
  if (a['dapr.io/max-body-size']) args.push('--max-body-size', a['dapr.io/max-body-size']);
  if (a['dapr.io/read-buffer-size']) args.push('--read-buffer-size', a['dapr.io/read-buffer-size']);
  if (a['dapr.io/unix-domain-socket-path']) args.push('--unix-domain-socket', '/var/run/dapr-sockets');
  if (a['dapr.io/block-shutdown-duration'] !== undefined) args.push('--dapr-block-shutdown-duration', a['dapr.io/block-shutdown-duration']);
  return args;
}

/** patcher/sidecar_container.go: the securityContext from the injector's settings. */
function sidecarSecurityContext(a: Record<string, string>, s: InjectorSettings, env: Json[]): Json {
  const securityContext: Json = {
    allowPrivilegeEscalation: false,
    runAsNonRoot: s.sidecarRunAsNonRoot,
    readOnlyRootFilesystem: s.sidecarReadOnlyRootFilesystem,
  };
  if (s.sidecarRunAsUser !== undefined) securityContext.runAsUser = s.sidecarRunAsUser;
  if (s.sidecarRunAsGroup !== undefined) securityContext.runAsGroup = s.sidecarRunAsGroup;
  if (a['dapr.io/sidecar-seccomp-profile-type']) securityContext.seccompProfile = { type: a['dapr.io/sidecar-seccomp-profile-type'] };
  if (s.sidecarDropALLCapabilities) securityContext.capabilities = { drop: ['ALL'] };
  // A Windows-style SSL_CERT_DIR makes the injector run daprd as root with a writable root filesystem.
  if (env.some((e) => e.name === 'SSL_CERT_DIR')) {
    securityContext.windowsOptions = { runAsUserName: 'ContainerAdministrator' };
    securityContext.runAsNonRoot = false;
    securityContext.readOnlyRootFilesystem = false;
    delete securityContext.runAsUser;
    delete securityContext.runAsGroup;
  }
  return securityContext;
}

/** daprd's environment: the injector's own variables, then dapr.io/env. */
function sidecarEnv(a: Record<string, string>, namespace: string, s: InjectorSettings): Json[] {
  const env: Json[] = [
    { name: 'NAMESPACE', value: namespace },
    { name: 'DAPR_TRUST_ANCHORS' },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'DAPR_CONTROLPLANE_NAMESPACE', value: s.controlPlaneNamespace },
    { name: 'DAPR_CONTROLPLANE_TRUST_DOMAIN', value: s.controlPlaneTrustDomain },
  ];
  if (s.enableK8sDownwardAPIs) env.push({ name: 'DAPR_HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
  const extra = parseEnv(a['dapr.io/env']);
  env.push(...extra);
  if (extra.length) env.push({ name: 'DAPR_ENV_KEYS', value: extra.map((e) => e.name).join(' ') });
  return env;
}

/** daprd's probes, with the annotations' timings. */
function sidecarProbes(a: Record<string, string>): { readinessProbe: Json; livenessProbe: Json } {
  return {
    readinessProbe: {
      httpGet: { path: '/v1.0/healthz', port: PUBLIC_PORT },
      initialDelaySeconds: int(a['dapr.io/sidecar-readiness-probe-delay-seconds'], 3),
      timeoutSeconds: int(a['dapr.io/sidecar-readiness-probe-timeout-seconds'], 3),
      periodSeconds: int(a['dapr.io/sidecar-readiness-probe-period-seconds'], 6),
      failureThreshold: int(a['dapr.io/sidecar-readiness-probe-threshold'], 3),
    },
    livenessProbe: {
      tcpSocket: { port: PUBLIC_PORT },
      initialDelaySeconds: int(a['dapr.io/sidecar-liveness-probe-delay-seconds'], 3),
      timeoutSeconds: int(a['dapr.io/sidecar-liveness-probe-timeout-seconds'], 3),
      periodSeconds: int(a['dapr.io/sidecar-liveness-probe-period-seconds'], 6),
      failureThreshold: int(a['dapr.io/sidecar-liveness-probe-threshold'], 3),
    },
  };
}

/** The ServiceAccount admission plugin: an API token for every container unless automount is off. */
function addApiToken(spec: Json): void {
  if (spec.automountServiceAccountToken === false) return;
  const mountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
  const all: Json[] = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  if (all.some((c) => (c.volumeMounts ?? []).some((m: Json) => m.mountPath === mountPath))) return;
  const name = 'kube-api-access-paddock';
  spec.volumes = [
    ...(spec.volumes ?? []),
    {
      name,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
  ];
  for (const c of all) c.volumeMounts = [...(c.volumeMounts ?? []), { name, mountPath, readOnly: true }];
}

/** patcher/sidecar_container.go GetAppProtocol. */
function appProtocol(a: Record<string, string>): string {
  const p = (a['dapr.io/app-protocol'] ?? '').toLowerCase();
  const ssl = truthy(a['dapr.io/app-ssl']);
  if (['grpcs', 'https', 'h2c'].includes(p)) return p;
  if (p === 'http' || p === '') return ssl ? 'https' : 'http';
  if (p === 'grpc') return ssl ? 'grpcs' : 'grpc';
  return '';
}

/** The injector's env vars for app containers (patcher/sidecar_patcher.go addDaprEnvVarsToContainers). */
function addDaprEnv(containers: Json[], a: Record<string, string>): void {
  for (const c of containers) {
    const env: Json[] = (c.env ??= []);
    for (const [name, value] of [
      ['DAPR_HTTP_PORT', '3500'],
      ['DAPR_GRPC_PORT', a['dapr.io/grpc-port'] ?? '50001'],
      ['APP_PROTOCOL', appProtocol(a)],
    ] as const) {
      if (value && !env.some((e) => e.name === name)) env.push({ name, value });
    }
  }
}

/**
 * The Pod that validating admission sees for a workload (or a Pod as given),
 * after the ServiceAccount plugin and the Dapr injector. Undefined for objects
 * without a pod template, or with one too malformed to patch.
 */
export function admissionPod(workload: KubeObject, settings: InjectorSettings = loadPlatformInjectorSettings()): KubeObject | undefined {
  const isPod = workload.kind === 'Pod' && workload.apiVersion === 'v1';
  const template = isPod ? { metadata: workload.metadata, spec: workload.spec as Json } : templateOf(workload);
  if (!isObj(template) || !wellFormed(template)) return undefined;
  const namespace = workload.metadata?.namespace ?? 'default';
  const pod = structuredClone({ metadata: template.metadata ?? {}, spec: template.spec ?? {} }) as { metadata: Json; spec: Json };
  pod.metadata.name ??= workload.metadata?.name;
  pod.metadata.namespace = namespace;
  pod.spec.containers ??= [];
  addApiToken(pod.spec);

  const a: Record<string, string> = pod.metadata.annotations ?? {};
  const injected = truthy(a['dapr.io/enabled']) && !pod.spec.containers.some((c: Json) => c.name === 'daprd');
  if (injected) {
    const appContainers = pod.spec.containers.slice();
    const { container, volumes } = sidecarFor(pod, namespace, settings);
    const existing = new Set((pod.spec.volumes ?? []).map((v: Json) => v.name));
    pod.spec.volumes = [...(pod.spec.volumes ?? []), ...volumes.filter((v) => !existing.has(v.name))];
    pod.spec.containers.push(container);
    pod.metadata.labels = {
      ...(pod.metadata.labels ?? {}),
      'dapr.io/sidecar-injected': 'true',
      'dapr.io/app-id': a['dapr.io/app-id'] || pod.metadata.name,
      'dapr.io/metrics-enabled': String(a['dapr.io/enable-metrics'] === undefined ? true : truthy(a['dapr.io/enable-metrics'])),
    };
    addDaprEnv(appContainers, a);
    const uds = a['dapr.io/unix-domain-socket-path'];
    if (uds) for (const c of appContainers) c.volumeMounts = [...(c.volumeMounts ?? []), { name: 'dapr-unix-domain-socket', mountPath: uds }];
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata as KubeObject['metadata'], spec: pod.spec };
}

/** The Pods admission sees for every workload in a rendered set. */
export function admissionPods(objects: KubeObject[], settings: InjectorSettings = loadPlatformInjectorSettings()): KubeObject[] {
  return objects.filter((o) => o && hasPodTemplate(o)).flatMap((o) => admissionPod(o, settings) ?? []);
}
