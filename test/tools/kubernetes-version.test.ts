/**
 * One Kubernetes pin: KUBERNETES_VERSION in tools/versions.env. The built API
 * server, the chart's platform.kubeVersion (what helm --kube-version and the
 * CLI use), the generated schemas, the Pod Security version onboarding
 * writes and the kind node image all say the same version; the pinned
 * components' CRD sources match the platform's pins.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { VERSIONS } from 'paddock/cluster/versions.js';
import { kubeMinorVersion, platformSettings } from 'paddock/contract/platform-settings.js';
import { renderNamespace } from 'paddock/gitops/entry.js';
import { paths, tool } from 'paddock/paths.js';
import { CRD_SOURCES } from 'paddock/schema/crd-sources.js';
import { ensureSchemas } from 'paddock/schema/generated.js';

const env = Object.fromEntries(
  readFileSync(join(paths.root, 'tools', 'versions.env'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
) as Record<string, string>;
const PIN = env.KUBERNETES_VERSION!;
const minor = (v: string) => /^v?(\d+\.\d+)/.exec(v)?.[1];
const read = (...p: string[]) => readFileSync(join(paths.root, ...p), 'utf8');
const readIn = (dir: string, ...p: string[]) => readFileSync(join(dir, ...p), 'utf8');
/** A module's folder in Go's module cache (downloaded from the module proxy on first use). */
const goModule = (moduleAtVersion: string): string =>
  (
    JSON.parse(
      execFileSync('go', ['mod', 'download', '-json', moduleAtVersion], {
        encoding: 'utf8',
        cwd: tmpdir(),
        env: { ...process.env, GOFLAGS: '-mod=mod', GOWORK: 'off' },
      }),
    ) as { Dir: string }
  ).Dir;

describe('one Kubernetes version, from tools/versions.env', () => {
  it('the pin is a full version', () => assert.match(PIN, /^v1\.\d+\.\d+$/));

  it('tools/bin/kube-apiserver --version says it', () => {
    assert.equal(execFileSync(tool('kube-apiserver'), ['--version'], { encoding: 'utf8' }).trim(), `Kubernetes ${PIN}`);
  });

  it('the wrapper modules build that version and the etcd it is built against', () => {
    const kas = read('tools', 'kube-apiserver', 'go.mod');
    assert.match(kas, new RegExp(`^\\s*k8s\\.io/kubernetes ${PIN.replace(/\./g, '\\.')}$`, 'm'));
    const etcdOfKubernetes = /^\s*go\.etcd\.io\/etcd\/client\/v3 (\S+)/m.exec(kas)?.[1];
    assert.equal(env.ETCD_VERSION, etcdOfKubernetes);
    assert.match(read('tools', 'etcd', 'go.mod'), new RegExp(`go\\.etcd\\.io/etcd/server/v3 ${env.ETCD_VERSION!.replace(/\./g, '\\.')}`));
    assert.equal(env.KUBE_APISERVER_VERSION, undefined, 'no second Kubernetes version in versions.env');
  });

  it("the live cluster's kubelet, kubeadm, kubectl, controller manager and scheduler (tools/kubernetes) build it too", () => {
    const mod = read('tools', 'kubernetes', 'go.mod');
    assert.match(mod, new RegExp(`^\\s*k8s\\.io/kubernetes ${PIN.replace(/\./g, '\\.')}$`, 'm'));
    const staging = `v0.${PIN.slice('v1.'.length)}`;
    const replaces = [...mod.matchAll(/^\s*(k8s\.io\/\S+) => \S+ (\S+)$/gm)];
    assert.ok(replaces.length > 20, 'the staging replaces');
    for (const [, module, version] of replaces) assert.equal(version, staging, module);
  });

  it("the chart's platform.kubeVersion (helm --kube-version, the CLI at run time) says it", () => {
    assert.equal(`v${platformSettings().kubeVersion}`, PIN);
  });

  it('the generated schemas are of it', async () => {
    const provenance = JSON.parse(readFileSync(join(await ensureSchemas(), 'provenance.json'), 'utf8'));
    assert.equal(provenance.kubernetes, PIN);
    assert.equal(provenance.apiserver, PIN);
  });

  it('every kind node runs it', () => {
    const kind = parse(read('platform', 'clusters', 'kind', 'kind-config.yaml'));
    assert.ok(kind.nodes.length >= 2);
    for (const n of kind.nodes) assert.match(n.image, new RegExp(`^kindest/node:${PIN.replace(/\./g, '\\.')}@sha256:[0-9a-f]{64}$`), n.role);
  });

  it('Pod Security labels use its minor, in onboarding and in the tree', () => {
    assert.equal(kubeMinorVersion(), `v${minor(PIN)}`);
    const labels = parse(renderNamespace({ name: 'x', values: {} })).metadata.labels;
    for (const mode of ['enforce', 'warn', 'audit']) assert.equal(labels[`pod-security.kubernetes.io/${mode}-version`], `v${minor(PIN)}`);
    for (const app of readdirSync(join(paths.platform, 'apps'), { withFileTypes: true }).filter((d) => d.isDirectory())) {
      const ns = parse(read('platform', 'apps', app.name, 'namespace.yaml'));
      assert.equal(ns.metadata.labels['pod-security.kubernetes.io/enforce-version'], `v${minor(PIN)}`, app.name);
    }
  });

  it('no code or script passes helm another --kube-version', () => {
    const literal = /--kube-version['"]?,?\s*['"]v?\d/;
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(join(paths.root, dir), { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (!['node_modules', 'dist', '.git', 'generated', 'bin'].includes(e.name)) walk(p);
        } else if (/\.(ts|sh|go|md)$/.test(e.name) && literal.test(read(p))) offenders.push(p);
      }
    };
    for (const d of ['packages', 'test', 'scripts', 'bench', 'tools']) walk(d);
    assert.deepEqual(offenders, []);
  });
});

describe('the CRD sources are the platform pins', () => {
  const source = (component: string) => CRD_SOURCES.find((s) => s.component === component)!;
  const chartVersion = (file: string) => {
    const docs = parseAllDocuments(read('platform', 'infrastructure', 'controllers', file)).map((d) => d.toJS());
    return docs.find((d) => d?.kind === 'HelmRelease').spec.chart.spec.version as string;
  };

  it('Dapr: the Dapr release and daprd', () => {
    assert.equal(source('Dapr').version, `v${chartVersion('dapr.yaml')}`);
    assert.equal(source('Dapr').version, env.DAPRD_VERSION);
  });
  it('External Secrets Operator: its release', () => assert.equal(source('External Secrets Operator').version, chartVersion('external-secrets.yaml')));
  it('Cilium: the bootstrap', () => assert.equal(source('Cilium').version, `v${VERSIONS.cilium}`));
  it('Flux: the bootstrap installs 2.9.5, whose controllers these are (its manifests/bases)', () => {
    assert.equal(VERSIONS.flux, 'v2.9.5');
    const flux2 = goModule(`github.com/fluxcd/flux2/v2@${VERSIONS.flux}`);
    for (const s of CRD_SOURCES.filter((c) => c.component.startsWith('Flux '))) {
      const controller = s.component.slice('Flux '.length);
      const kustomization = readIn(flux2, 'manifests', 'bases', controller, 'kustomization.yaml');
      assert.match(kustomization, new RegExp(`/${controller}/releases/download/${s.version.replace(/\./g, '\\.')}/`), controller);
      assert.equal(s.module, `github.com/fluxcd/${controller}/api`);
    }
    assert.deepEqual(
      CRD_SOURCES.filter((s) => s.component.startsWith('Flux')).map((s) => s.component),
      ['Flux source-controller', 'Flux kustomize-controller', 'Flux helm-controller', 'Flux notification-controller'],
    );
  });
  it("Flux: its conformance suite runs the pinned Kubernetes minor (the release's support claim)", () => {
    const workflow = readIn(goModule(`github.com/fluxcd/flux2/v2@${VERSIONS.flux}`), '.github', 'workflows', 'conformance.yaml');
    const kind = parse(workflow).jobs['conform-kubernetes'].strategy.matrix.KUBERNETES_VERSION as string[];
    assert.ok(
      kind.map(String).some((v) => minor(v) === minor(PIN)),
      `Flux ${VERSIONS.flux} tests Kubernetes ${kind.join(', ')}, not ${minor(PIN)}`,
    );
  });
  it('controller-gen: the version the Flux CRDs record', () => {
    const hc = source('Flux helm-controller');
    const crd = readIn(goModule(`github.com/fluxcd/helm-controller@${hc.version}`), 'config', 'crd', 'bases', 'helm.toolkit.fluxcd.io_helmreleases.yaml');
    assert.equal(parse(crd).metadata.annotations['controller-gen.kubebuilder.io/version'], env.CONTROLLER_GEN_VERSION);
  });
  it('prometheus-operator: the one kube-prometheus-stack 83.6.0 ships', () => {
    assert.equal(chartVersion('kube-prometheus-stack.yaml'), '83.6.0');
    assert.equal(source('prometheus-operator').version, 'v0.90.1');
  });
});
