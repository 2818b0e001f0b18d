// `paddock cluster up --dry-run` prints the bootstrap plan, and that plan is
// the data `cluster up` executes (same module). Nothing here needs Docker: the
// real run stops at its first step when the tools are missing, having changed nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CLUSTER, REQUIRED_TOOLS, VERSIONS, downPlan, hostFacts, missingTools, upPlan, type Action, type Step } from 'paddock/cluster/index.js';
import { allReady, fluxObjects, progressLine, statusRows } from 'paddock/cluster/index.js';
import { paths } from 'paddock/paths.js';
import { paddock, platform } from './lib.js';

const argvOf = (s: Step): string[] => (s.action.kind === 'exec' ? s.action.argv : []);
const isChartPush = (s: Step): boolean => argvOf(s).at(-1)?.includes(' && helm push ') ?? false;

describe('cluster up --dry-run', () => {
  it('prints the full ordered plan and runs nothing', async () => {
    const r = await paddock(['cluster', 'up', '--images', 'pull', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => /^\s*\d+\. \[/.test(l));
    const phases = lines.map((l) => /\[(\w+)\]/.exec(l)?.[1]);
    // prerequisites → cluster → network → gitops → converge/publish → summary, in that order.
    const order = ['prerequisites', 'cluster', 'network', 'gitops', 'converge', 'publish', 'converge', 'summary'];
    assert.deepEqual(
      phases.filter((p, i) => p !== phases[i - 1]),
      order,
    );
    // The tree's kind config as it is, or on a cgroup v1 host a copy with the kubelet setting it needs.
    const kindConfig = hostFacts().cgroupV1 ? '/tmp/paddock-cluster-XXXXXX/kind-config.yaml' : 'platform/clusters/kind/kind-config.yaml';
    for (const must of [
      `kind create cluster --config ${kindConfig}`,
      `--version ${VERSIONS.cilium}`,
      'kubeProxyReplacement=true',
      `flux install --version=${VERSIONS.flux}`,
      'flux push artifact oci://localhost:5050/paddock/platform:latest --path=platform',
      'kubectl --context kind-paddock apply -k platform/clusters/kind/flux-system',
      'helm package charts/app',
      'helm push /charts/app-0.1.0.tgz oci://paddock-control-plane:30000/platform --plain-http',
      'docker build -t localhost:30000/platform/dapr-app1:1.0.0 apps/app1',
      'kind load docker-image localhost:30000/platform/dapr-app2:1.0.0 --name paddock',
      'docker-archive:/images/app1-image.tar docker://paddock-control-plane:30000/platform/dapr-app1:1.0.0',
      'docker://ghcr.io/dapr/daprd:1.17.5 docker://paddock-control-plane:30000/dapr/daprd:1.17.5',
      '/daprd-image.tar --name paddock',
      'kind load image-archive ',
      'until all are Ready',
    ])
      assert.ok(r.stdout.includes(must), `the plan says: ${must}`);
  });

  it('--json is the same plan as the data cluster up executes', async () => {
    const r = await paddock(['cluster', 'up', '--images', 'pull', '--dry-run', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as { steps: { title: string; action: Step['action'] }[] };
    const data = upPlan({ root: paths.root, revision: 'x', workDir: '/tmp/paddock-cluster-XXXXXX', images: 'pull', host: hostFacts() });
    assert.deepEqual(
      printed.steps.map((s) => s.title),
      data.map((s) => s.title),
    );
    assert.deepEqual(
      printed.steps.map((s) => s.action.kind),
      data.map((s) => s.action.kind),
    );
    assert.deepEqual(
      printed.steps.map((s) => s.action.kind === 'exec' && s.action.argv[0]),
      data.map((s) => s.action.kind === 'exec' && s.action.argv[0]),
    );
  });

  it('cluster sync --dry-run re-pushes the tree and reconciles, nothing else', async () => {
    const r = await paddock(['cluster', 'sync', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /flux push artifact oci:\/\/localhost:5050\/paddock\/platform:latest --path=platform/);
    assert.match(r.stdout, /flux reconcile kustomization platform --with-source/);
    assert.doesNotMatch(r.stdout, /kind create|helm upgrade/);
  });

  it('cluster sync --platform hands another copy of the tree to Flux; a folder that is no tree is refused', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'paddock-tree-'));
    cpSync(paths.platform, copy, { recursive: true });
    try {
      const r = await paddock(['cluster', 'sync', '--dry-run', '--platform', copy]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`flux push artifact oci://localhost:5050/paddock/platform:latest --path=${copy} `));
      const bad = await paddock(['cluster', 'sync', '--dry-run', '--platform', join(copy, 'apps')]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--platform .*apps is not a GitOps tree \(no apps\/ and clusters\/ in it\)/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('cluster down --dry-run deletes only the cluster and the bootstrap registry', async () => {
    const r = await paddock(['cluster', 'down', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kind delete cluster --name paddock/);
    assert.match(r.stdout, /docker rm -f paddock-registry/);
    assert.deepEqual(
      downPlan().map((s) => s.action.kind),
      ['tools', 'exec', 'exec'],
    );
  });
});

describe('cluster up on a machine without the tools', () => {
  it('names every missing tool, one clear message each, and changes nothing', async () => {
    const r = await paddock(['cluster', 'up', '--images', 'pull'], { ...process.env, PATH: '/nonexistent' });
    assert.equal(r.code, 2);
    for (const t of REQUIRED_TOOLS) assert.match(r.stderr, new RegExp(`${t.name} is not installed \\(needed: [^)]+\\)\\. Install it: https://`));
    assert.match(r.stderr, /nothing was changed/);
    assert.doesNotMatch(r.stderr, /\[2\//, 'stopped at step 1');
  });
  it('missingTools finds nothing missing when every tool is on PATH', () => {
    assert.deepEqual(missingTools(['node'], join(process.execPath, '..')), []);
  });
});

describe('the plan and the tree agree', () => {
  it('cluster name, registry, Harbor and chart names are the same on both sides', () => {
    const kind = parse(readFileSync(join(platform, 'clusters/kind/kind-config.yaml'), 'utf8'));
    assert.equal(kind.name, CLUSTER.name);
    assert.equal(`${kind.name}-control-plane`, CLUSTER.controlPlane);
    const source = parse(readFileSync(join(platform, 'clusters/kind/flux-system/platform-source.yaml'), 'utf8').split('---')[0]!);
    assert.equal(source.spec.url, `oci://${CLUSTER.registry}:5000/${CLUSTER.treeRepository}`);
    assert.equal(source.spec.ref.tag, 'latest');
    const harbor = parse(readFileSync(join(platform, 'infrastructure/controllers/harbor.yaml'), 'utf8').split('---')[1]!);
    assert.equal(harbor.spec.values.externalURL, `http://${CLUSTER.harborInCluster}`);
    assert.equal(harbor.spec.values.expose.nodePort.ports.http.nodePort, 30000);
    const chartSource = parse(readFileSync(join(platform, 'apps/app-chart.yaml'), 'utf8'));
    assert.equal(chartSource.spec.url, `oci://${CLUSTER.harborInCluster}/${CLUSTER.harborProject}/app`);
    const push = upPlan({ root: paths.root, revision: 'x', workDir: '/w' }).find(isChartPush);
    assert.ok(push && argvOf(push).join(' ').includes(`oci://${CLUSTER.harborInCluster}/${CLUSTER.harborProject}`));
  });

  it('waits for the Metrics API to answer (not only its APIService to be Available) once the controllers are Ready, before the apps, pulled or built', () => {
    for (const images of ['pull', 'build'] as const) {
      const steps = upPlan({ root: paths.root, revision: 'x', workDir: '/w', images, host: hostFacts() });
      const controllers = steps.findIndex((s) => s.action.kind === 'wait-flux' && (s.action.names ?? []).includes('infrastructure-controllers'));
      const api = steps.findIndex((s) => s.action.kind === 'wait-api');
      const all = steps.findIndex((s) => s.action.kind === 'wait-flux' && !s.action.names);
      assert.ok(controllers >= 0 && api > controllers && all > api, `${images}: controllers ${controllers}, Metrics API ${api}, everything ${all}`);
      const a = steps[api]!.action as Extract<Action, { kind: 'wait-api' }>;
      const [, group, version] = /^\/apis\/([^/]+)\/([^/]+)\//.exec(a.path)!;
      assert.equal(a.apiService, `${version}.${group}`, 'the APIService that serves the path');
    }
  });
});

describe('the chart push inside the helm container', () => {
  it("writes helm's registry login for Harbor from HARBOR_PASSWORD (run here with sh)", async () => {
    const step = upPlan({ root: paths.root, revision: 'x', workDir: '/w' }).find(isChartPush)!;
    const script = argvOf(step).at(-1)!;
    assert.match(script, / && helm push \/charts\/app-[\d.]+\.tgz oci:\/\/paddock-control-plane:30000\/platform --plain-http$/);
    const home = mkdtempSync(join(tmpdir(), 'paddock-helm-home-'));
    execFileSync('sh', ['-c', script.replace(/ && helm push.*$/, '')], { env: { ...process.env, HOME: home, HARBOR_PASSWORD: 's3cret' } });
    const config = JSON.parse(readFileSync(join(home, '.config/helm/registry/config.json'), 'utf8'));
    assert.equal(Buffer.from(config.auths[CLUSTER.harborInCluster].auth, 'base64').toString(), 'admin:s3cret');
  });
});

describe('status and waiting read Flux objects', () => {
  const list = JSON.stringify({
    items: [
      {
        kind: 'Kustomization',
        metadata: { name: 'apps', namespace: 'flux-system' },
        status: { conditions: [{ type: 'Ready', status: 'False', message: 'dependency not ready' }] },
      },
      {
        kind: 'Kustomization',
        metadata: { name: 'infrastructure-controllers', namespace: 'flux-system' },
        status: { conditions: [{ type: 'Ready', status: 'True', message: 'Applied revision' }] },
      },
      {
        kind: 'HelmRelease',
        metadata: { name: 'dapr', namespace: 'dapr-system' },
        status: { conditions: [{ type: 'Ready', status: 'True', message: 'Helm install succeeded' }] },
      },
      { kind: 'HelmRelease', metadata: { name: 'app1', namespace: 'flux-system' } },
    ],
  });
  it('rows for Flux, the platform releases and the apps', () => {
    const eso = JSON.stringify({
      items: [
        {
          kind: 'ExternalSecret',
          metadata: { name: 'app1-secrets', namespace: 'app1-ns' },
          status: { conditions: [{ type: 'Ready', status: 'True', message: 'secret synced' }] },
        },
      ],
    });
    const rows = statusRows(fluxObjects(list), ['app1'], fluxObjects(eso));
    assert.deepEqual(
      rows.map((r) => [r.component, r.kind, r.ready]),
      [
        ['Flux: apps', 'Kustomization', 'False'],
        ['Flux: infrastructure-controllers', 'Kustomization', 'True'],
        ['Dapr', 'HelmRelease', 'True'],
        ['app: app1', 'HelmRelease', 'Unknown'],
        ['secrets: app1', 'ExternalSecret', 'True'],
      ],
    );
  });
  it('waits until the named (or all) objects are Ready', () => {
    const objects = fluxObjects(list);
    assert.equal(allReady(objects, ['infrastructure-controllers']), true);
    assert.equal(allReady(objects), false);
    assert.equal(allReady(objects, ['not-there']), false);
    assert.match(progressLine(objects), /^2\/4 ready — waiting for ks\/apps, hr\/app1$/);
  });
});
