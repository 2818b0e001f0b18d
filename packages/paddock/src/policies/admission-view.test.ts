/** The Pod admission sees, following the Dapr 1.17.5 injector (pkg/injector/patcher). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admissionPod, admissionPods } from './admission-view.js';
import { loadPlatformInjectorSettings } from './injector-settings.js';
import type { KubeObject } from './types.js';

function deployment(annotations: Record<string, string>, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app1', namespace: 'app1-ns' },
    spec: {
      template: {
        metadata: { labels: { app: 'app1' }, annotations },
        spec: {
          automountServiceAccountToken: false,
          containers: [{ name: 'app', image: 'localhost:30000/platform/app1:1.0.0' }],
          volumes: [{ name: 'app-secrets', secret: { secretName: 's' } }],
          ...spec,
        },
      },
    },
  };
}

const chartAnnotations = {
  'dapr.io/enabled': 'true',
  'dapr.io/app-id': 'app1',
  'dapr.io/app-port': '8080',
  'dapr.io/config': 'app1',
  'dapr.io/sidecar-seccomp-profile-type': 'RuntimeDefault',
  'dapr.io/sidecar-cpu-request': '50m',
  'dapr.io/sidecar-cpu-limit': '300m',
  'dapr.io/sidecar-memory-request': '48Mi',
  'dapr.io/sidecar-memory-limit': '128Mi',
  'dapr.io/volume-mounts': 'app-secrets:/var/run/secrets/paddock,missing:/nowhere',
};

const spec = (o: KubeObject) => o.spec as any;
const daprd = (o: KubeObject) => spec(o).containers.find((c: any) => c.name === 'daprd');

test('the injector adds daprd with the platform settings and the annotations', () => {
  const pod = admissionPod(deployment(chartAnnotations))!;
  assert.equal(pod.kind, 'Pod');
  assert.equal(pod.metadata.namespace, 'app1-ns');
  const c = daprd(pod);
  assert.equal(c.image, loadPlatformInjectorSettings().sidecarImage);
  assert.deepEqual(c.securityContext, {
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    seccompProfile: { type: 'RuntimeDefault' },
    capabilities: { drop: ['ALL'] },
  });
  assert.deepEqual(c.resources, { requests: { cpu: '50m', memory: '48Mi' }, limits: { cpu: '300m', memory: '128Mi' } });
  assert.deepEqual(
    c.ports.map((p: any) => [p.name, p.containerPort]),
    [
      ['dapr-http', 3500],
      ['dapr-grpc', 50001],
      ['dapr-internal', 50002],
      ['dapr-metrics', 9090],
    ],
  );
  // Only volumes the pod has are mounted (sidecar_volumes.go getVolumeMounts), read-only; then the Sentry token.
  assert.deepEqual(c.volumeMounts, [
    { name: 'app-secrets', mountPath: '/var/run/secrets/paddock', readOnly: true },
    { name: 'dapr-identity-token', mountPath: '/var/run/secrets/dapr.io/sentrytoken', readOnly: true },
  ]);
  const token = spec(pod).volumes.find((v: any) => v.name === 'dapr-identity-token');
  assert.equal(token.projected.sources[0].serviceAccountToken.audience, 'spiffe://cluster.local/ns/dapr-system/dapr-sentry');
  assert.equal(pod.metadata.labels?.['dapr.io/sidecar-injected'], 'true');
  assert.ok(c.args.includes('--config') && c.args.includes('app1'));
  // The app container gets the Dapr ports in its environment.
  assert.ok(spec(pod).containers[0].env.some((e: any) => e.name === 'DAPR_HTTP_PORT'));
});

test('injector defaults: without SIDECAR_DROP_ALL_CAPABILITIES nothing is dropped; no seccomp without the annotation', () => {
  const { 'dapr.io/sidecar-seccomp-profile-type': _, ...rest } = chartAnnotations;
  const pod = admissionPod(deployment(rest), { ...loadPlatformInjectorSettings(), sidecarDropALLCapabilities: false })!;
  const sc = daprd(pod).securityContext;
  assert.equal(sc.capabilities, undefined);
  assert.equal(sc.seccompProfile, undefined);
});

test('an unparsable sidecar quantity drops all sidecar resources, as the injector does', () => {
  const pod = admissionPod(deployment({ ...chartAnnotations, 'dapr.io/sidecar-memory-limit': '128MB' }))!;
  assert.equal(daprd(pod).resources, undefined);
});

test('SSL_CERT_DIR in dapr.io/env turns the sidecar into root with a writable root filesystem', () => {
  const pod = admissionPod(deployment({ ...chartAnnotations, 'dapr.io/env': 'SSL_CERT_DIR=C:\\certs' }))!;
  const sc = daprd(pod).securityContext;
  assert.equal(sc.runAsNonRoot, false);
  assert.equal(sc.readOnlyRootFilesystem, false);
});

test('enable-debug runs daprd under dlv with a debug port', () => {
  const c = daprd(admissionPod(deployment({ ...chartAnnotations, 'dapr.io/enable-debug': 'true' }))!);
  assert.equal(c.args[0], '/dlv');
  assert.ok(c.ports.some((p: any) => p.name === 'dapr-debug' && p.containerPort === 40000));
});

test('dapr.io/sidecar-image overrides the platform image', () => {
  const c = daprd(admissionPod(deployment({ ...chartAnnotations, 'dapr.io/sidecar-image': 'docker.io/evil/daprd:latest' }))!);
  assert.equal(c.image, 'docker.io/evil/daprd:latest');
});

test('no sidecar unless dapr.io/enabled is truthy, and never a second one', () => {
  assert.equal(daprd(admissionPod(deployment({ ...chartAnnotations, 'dapr.io/enabled': 'false' }))!), undefined);
  assert.ok(daprd(admissionPod(deployment({ ...chartAnnotations, 'dapr.io/enabled': 'yes' }))!));
  const own = admissionPod(
    deployment(chartAnnotations, {
      containers: [
        { name: 'daprd', image: 'x' },
        { name: 'app', image: 'y' },
      ],
    }),
  )!;
  assert.equal(spec(own).containers.length, 2);
});

test('the ServiceAccount plugin mounts an API token unless automount is off', () => {
  const off = admissionPod(deployment({}))!;
  assert.ok(!spec(off).volumes.some((v: any) => v.name.startsWith('kube-api-access')));
  const on = admissionPod(deployment({}, { automountServiceAccountToken: undefined }))!;
  const v = spec(on).volumes.find((x: any) => x.name.startsWith('kube-api-access'));
  assert.ok(v.projected.sources[0].serviceAccountToken);
  assert.ok(spec(on).containers[0].volumeMounts.some((m: any) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount'));
});

test('every workload kind with a pod template becomes a Pod; other objects do not', () => {
  const cron: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'c', namespace: 'n' },
    spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'x', image: 'y' }] } } } } },
  };
  const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } };
  const pods = admissionPods([deployment(chartAnnotations), cron, cm]);
  assert.deepEqual(
    pods.map((p) => p.metadata.name),
    ['app1', 'c'],
  );
  assert.equal(admissionPod(cm), undefined);
});

test('the workload is not modified', () => {
  const d = deployment(chartAnnotations);
  const before = JSON.stringify(d);
  admissionPod(d);
  assert.equal(JSON.stringify(d), before);
});

test('the platform Dapr release hardens the sidecar as the admission view assumes', async () => {
  const { injectorSettingsFromRelease, daprReleaseFile } = await import('./injector-settings.js');
  const s = injectorSettingsFromRelease(daprReleaseFile);
  assert.ok(s, 'platform/infrastructure/controllers/dapr.yaml holds the Dapr HelmRelease');
  assert.equal(s.sidecarDropALLCapabilities, true);
  assert.equal(s.sidecarRunAsNonRoot, true);
  assert.equal(s.sidecarReadOnlyRootFilesystem, true);
  assert.equal(s.controlPlaneNamespace, 'dapr-system');
  assert.deepEqual(loadPlatformInjectorSettings(), s, 'the settings paddock judges with are the release');
  assert.match(s.sidecarImage, /daprd:1\.17\.5$/);
});

test('the platform Dapr release pulls daprd from the platform registry', async () => {
  // Else paddock-pod-images refuses every injected pod (dapr_sidecar_injector.image.name in dapr.yaml).
  const { injectorSettingsFromRelease, daprReleaseFile } = await import('./injector-settings.js');
  const s = injectorSettingsFromRelease(daprReleaseFile)!;
  assert.ok(
    ['localhost:30000/', 'harbor.harbor-system.svc.cluster.local/'].some((r) => s.sidecarImage.startsWith(r)),
    s.sidecarImage,
  );
  assert.equal(s.sidecarImage, 'localhost:30000/dapr/daprd:1.17.5');
});
