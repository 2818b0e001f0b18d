// The Dapr HelmRelease's values and post-renderer, applied to the real Dapr
// chart at the pinned version (the dapr/dapr Go module, v1.17.5, from Go's
// module cache or proxy) the way Flux applies them: helm template, then the
// kustomize patches. Proves the value names are the chart's, that the sidecars
// are hardened, that daprsystem has mTLS and metrics, and that the control
// plane fits the dapr-system namespace's Pod Security level.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { paths, tool } from 'paddock/paths.js';
import { daprSidecarMirror } from 'paddock/cluster/index.js';
import { injectorSettingsFromRelease } from 'paddock/policies/injector-settings.js';
import { run } from 'paddock/run.js';
import { build, kubeconform, kustomize, restrictedProblems, type Obj } from './lib.js';

let release: Obj;
let namespace: Obj;
let objects: Obj[] = [];
let rendered = '';

before(async () => {
  const controllers = await build('infrastructure/controllers');
  release = controllers.find((o) => o.kind === 'HelmRelease' && o.metadata.name === 'dapr')!;
  namespace = controllers.find((o) => o.kind === 'Namespace' && o.metadata.name === release.metadata.namespace)!;
  const version = release.spec.chart.spec.version as string;
  // The chart at the pinned version: Go's module cache, or the Go module proxy.
  const mod = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `github.com/dapr/dapr@v${version}`], { encoding: 'utf8', cwd: tmpdir() })) as {
    Dir: string;
  };
  const work = mkdtempSync(join(tmpdir(), 'paddock-dapr-chart-'));
  writeFileSync(join(work, 'values.yaml'), stringify(release.spec.values));
  const kubeVersion = parse(readFileSync(join(paths.chart, 'values.yaml'), 'utf8')).platform.kubeVersion;
  const r = await run(tool('helm'), [
    'template',
    release.metadata.name,
    join(mod.Dir, 'charts', 'dapr'),
    '--namespace',
    release.metadata.namespace!,
    '--kube-version',
    kubeVersion,
    '-f',
    join(work, 'values.yaml'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  // Flux's post-renderer: the HelmRelease's kustomize patches over the rendered manifests.
  writeFileSync(join(work, 'rendered.yaml'), r.stdout);
  writeFileSync(join(work, 'kustomization.yaml'), stringify({ resources: ['rendered.yaml'], patches: release.spec.postRenderers[0].kustomize.patches }));
  const k = await run(kustomize(), ['build', work]);
  assert.equal(k.code, 0, k.stderr);
  rendered = k.stdout;
  objects = parseAllDocuments(rendered)
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
});

const env = (o: Obj, name: string): string | undefined =>
  o.spec.template.spec.containers.flatMap((c: { env?: { name: string; value?: string }[] }) => c.env ?? []).find((e: { name: string }) => e.name === name)
    ?.value;

describe('Dapr 1.17.5 as the platform installs it', () => {
  it('injected sidecars: non-root, read-only root filesystem, all capabilities dropped', () => {
    const injector = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'dapr-sidecar-injector')!;
    assert.equal(env(injector, 'SIDECAR_RUN_AS_NON_ROOT'), 'true');
    assert.equal(env(injector, 'SIDECAR_READ_ONLY_ROOT_FILESYSTEM'), 'true');
    assert.equal(env(injector, 'SIDECAR_DROP_ALL_CAPABILITIES'), 'true');
  });

  it('injected sidecars pull daprd from the platform registry: the image the offline check judges and cluster up mirrors', () => {
    const injector = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'dapr-sidecar-injector')!;
    const image = env(injector, 'SIDECAR_IMAGE');
    assert.equal(image, `localhost:30000/dapr/daprd:${release.spec.chart.spec.version}`);
    assert.equal(image, injectorSettingsFromRelease()!.sidecarImage);
    assert.equal(image, daprSidecarMirror(paths.root)?.image);
    assert.equal(env(injector, 'SIDECAR_IMAGE_PULL_POLICY'), 'IfNotPresent', 'the image loaded onto the nodes is used as is');
    // The control plane (dapr-system, which the tenant policies do not bind) pulls from Dapr's registry:
    // Harbor comes up in the same Flux layer, so it cannot be the control plane's source.
    const images = objects
      .filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
      .flatMap((o) => o.spec.template.spec.containers.map((c: { image: string }) => c.image));
    for (const i of images) assert.match(i, /^ghcr\.io\/dapr\//);
  });

  it('the cluster-wide daprsystem Configuration has mTLS and metrics', () => {
    const config = objects.find((o) => o.kind === 'Configuration' && o.metadata.name === 'daprsystem')!;
    assert.equal(config.spec.mtls.enabled, true);
    assert.deepEqual(config.spec.metric, { enabled: true });
  });

  it(`the control plane meets its namespace's Pod Security level and runs on the system pool`, () => {
    assert.equal(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    const workloads = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
    assert.ok(workloads.length >= 5, workloads.map((w) => w.metadata.name).join(', '));
    for (const w of workloads) {
      const pod = w.spec.template.spec;
      assert.equal(pod.nodeSelector?.['paddock.dev/nodepool'], 'system', `${w.metadata.name} on the system pool`);
      assert.deepEqual(restrictedProblems(w.metadata.name, pod), []);
    }
  });

  it('every rendered object is valid for the pinned Kubernetes and CRDs', async () => {
    const v = await kubeconform(rendered);
    assert.deepEqual(v.problems, []);
    assert.ok(v.checked >= 20, `${v.checked} objects checked`);
  });
});
