/**
 * The admission view against Dapr's own injector code: test/policies/injector
 * is a small Go program that runs github.com/dapr/dapr@v1.17.5's patcher
 * (pkg/injector/patcher) the way the injector service drives it, on a Pod; its
 * output must equal the Pod paddock's admission view builds, for the chart's
 * annotations and for the variants that matter to the policies.
 *
 * The program is built on first use with the pinned module versions (the same
 * go.mod as tools/daprd, so Go's build cache is shared); a failed build fails
 * this test.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { admissionPod } from 'paddock/policies/admission-view.js';
import { type InjectorSettings, loadPlatformInjectorSettings } from 'paddock/policies/injector-settings.js';
import type { KubeObject } from 'paddock/policies/types.js';
import { paths } from 'paddock/paths.js';
import { renderApp1 } from './cases.js';

const source = join(paths.root, 'test', 'policies', 'injector');
const binary = join(dirname(fileURLToPath(import.meta.url)), 'dapr-inject');

function build(): string {
  const inputs = ['main.go', 'go.mod', 'go.sum'].map((f) => statSync(join(source, f)).mtimeMs);
  if (existsSync(binary) && statSync(binary).mtimeMs > Math.max(...inputs)) return binary;
  execFileSync('go', ['build', '-o', binary, '.'], { cwd: source, stdio: ['ignore', 'inherit', 'inherit'] });
  return binary;
}

type Json = Record<string, any>;

/** Drops what Go's encoding adds for empty values (null, {}, creationTimestamp). */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (v && typeof v === 'object') {
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'creationTimestamp') continue;
      const p = prune(x);
      if (p === null || p === undefined || p === '' || (typeof p === 'object' && !Array.isArray(p) && Object.keys(p as object).length === 0)) continue;
      out[k] = p;
    }
    return out;
  }
  return v;
}

function injectWithDapr(deployment: KubeObject, settings: InjectorSettings): Json {
  const tpl = (deployment.spec as Json).template;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...tpl.metadata, name: deployment.metadata.name, namespace: deployment.metadata.namespace },
    spec: tpl.spec,
  };
  return JSON.parse(execFileSync(build(), { input: JSON.stringify({ pod, settings }), encoding: 'utf8' }));
}

const deployment = renderApp1().find((o) => o.kind === 'Deployment')!;

function variant(annotations: Record<string, string | undefined>): KubeObject {
  const d = structuredClone(deployment) as Json;
  const a = d.spec.template.metadata.annotations;
  for (const [k, v] of Object.entries(annotations)) {
    if (v === undefined) delete a[k];
    else a[k] = v;
  }
  return d as KubeObject;
}

const variants: Array<[string, KubeObject, InjectorSettings]> = [
  ["the chart's annotations, platform settings", deployment, loadPlatformInjectorSettings()],
  ["Dapr's default settings (capabilities not dropped)", deployment, { ...loadPlatformInjectorSettings(), sidecarDropALLCapabilities: false }],
  [
    'run as user/group and downward API',
    deployment,
    { ...loadPlatformInjectorSettings(), sidecarRunAsUser: 1000, sidecarRunAsGroup: 1000, enableK8sDownwardAPIs: true },
  ],
  ['no seccomp annotation', variant({ 'dapr.io/sidecar-seccomp-profile-type': undefined }), loadPlatformInjectorSettings()],
  ['debug and profiling on', variant({ 'dapr.io/enable-debug': 'true', 'dapr.io/enable-profiling': 'true' }), loadPlatformInjectorSettings()],
  ['an unparsable sidecar quantity', variant({ 'dapr.io/sidecar-memory-limit': '128MB' }), loadPlatformInjectorSettings()],
  [
    'no sidecar sizing',
    variant({
      'dapr.io/sidecar-cpu-request': undefined,
      'dapr.io/sidecar-cpu-limit': undefined,
      'dapr.io/sidecar-memory-request': undefined,
      'dapr.io/sidecar-memory-limit': undefined,
    }),
    loadPlatformInjectorSettings(),
  ],
  ['SSL_CERT_DIR in dapr.io/env', variant({ 'dapr.io/env': 'SSL_CERT_DIR=C:\\certs,OTHER=1' }), { ...loadPlatformInjectorSettings(), sidecarRunAsUser: 1000 }],
  [
    'sidecar image, ports and listen addresses from annotations',
    variant({
      'dapr.io/sidecar-image': 'docker.io/x/daprd:1',
      'dapr.io/grpc-port': '50011',
      'dapr.io/metrics-port': '9099',
      'dapr.io/sidecar-listen-addresses': '0.0.0.0',
    }),
    loadPlatformInjectorSettings(),
  ],
  [
    'read-write volume mount and a missing volume',
    variant({ 'dapr.io/volume-mounts': 'missing:/x', 'dapr.io/volume-mounts-rw': 'tmp:/scratch' }),
    loadPlatformInjectorSettings(),
  ],
  ['unix domain socket', variant({ 'dapr.io/unix-domain-socket-path': '/tmp/dapr' }), loadPlatformInjectorSettings()],
  [
    'grpc app with ssl, no metrics, no health check',
    variant({ 'dapr.io/app-protocol': 'grpc', 'dapr.io/app-ssl': 'true', 'dapr.io/enable-metrics': 'false', 'dapr.io/enable-app-health-check': undefined }),
    loadPlatformInjectorSettings(),
  ],
  ['Dapr disabled', variant({ 'dapr.io/enabled': 'false' }), loadPlatformInjectorSettings()],
];

for (const [name, d, settings] of variants) {
  test(`admission view == Dapr 1.17.5's patcher: ${name}`, () => {
    const dapr = prune(injectWithDapr(d, settings)) as Json;
    const ours = prune(admissionPod(d, settings)) as Json;
    const daprd = (p: Json) => p.spec.containers.find((c: Json) => c.name === 'daprd');
    assert.deepEqual(daprd(ours), daprd(dapr), 'the daprd container');
    assert.deepEqual(ours.spec.volumes, dapr.spec.volumes, 'the volumes');
    assert.deepEqual(
      ours.spec.containers.filter((c: Json) => c.name !== 'daprd'),
      dapr.spec.containers.filter((c: Json) => c.name !== 'daprd'),
      'the app containers',
    );
    assert.deepEqual(ours.metadata.labels, dapr.metadata.labels, 'the labels');
    assert.deepEqual(ours.spec, dapr.spec, 'the whole pod spec');
  });
}
