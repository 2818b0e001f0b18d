// The Dapr sidecar's image, one name in three places that must agree: the
// platform's Dapr release (what the injector adds to every app pod), the
// offline check's admission view (what paddock-pod-images judges), and the
// bootstrap (what it mirrors into Harbor and loads onto the nodes before any
// app pod can start). The real chart's rendering of the name is in
// dapr-chart.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { CLUSTER, daprSidecarMirror, upPlan, type Step } from 'paddock/cluster/index.js';
import { paths } from 'paddock/paths.js';
import { daprReleaseFile, injectorSettingsFromRelease } from 'paddock/policies/injector-settings.js';
import { copyOfPlatform, paddock } from './lib.js';

const release = parseDocument(readFileSync(daprReleaseFile, 'utf8').split(/^---$/m)[1]!).toJS();
const chartVersion: string = release.spec.chart.spec.version;
const sidecar = injectorSettingsFromRelease(daprReleaseFile)!.sidecarImage;

const argv = (s: Step): string => (s.action.kind === 'exec' ? s.action.argv.join(' ') : '');

/** A repository root whose platform/ is a copy with the Dapr release's values changed; the rest links to this repository. */
function rootWithDaprValues(edit: (values: any) => void): string {
  const platform = copyOfPlatform();
  const root = dirname(platform);
  for (const d of ['charts', 'schemas', 'tools', 'apps']) symlinkSync(join(paths.root, d), join(root, d));
  const file = join(platform, 'infrastructure', 'controllers', 'dapr.yaml');
  const [ns, hr] = readFileSync(file, 'utf8').split(/^---$/m);
  const values = parseDocument(hr!).toJS();
  edit(values.spec.values);
  writeFileSync(file, `${ns}---\n${JSON.stringify(values, null, 2)}\n`);
  return root;
}

describe('the Dapr sidecar image', () => {
  it('is daprd at the Dapr chart version, in the platform registry', () => {
    assert.equal(sidecar, `${CLUSTER.harborHost}/dapr/daprd:${chartVersion}`);
  });

  it('is read from the release as the chart does: a name with "/" as is, else global.registry/name:global.tag', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'paddock-dapr-release-')), 'dapr.yaml');
    const hr = (values: string) =>
      `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: dapr, namespace: dapr-system}\nspec:\n  chart: {spec: {chart: dapr, version: 1.17.5}}\n  values: ${values}\n`;
    for (const [values, image] of [
      ['{}', 'ghcr.io/dapr/daprd:1.17.5'],
      ['{global: {registry: localhost:30000/dapr}}', 'localhost:30000/dapr/daprd:1.17.5'],
      ['{global: {registry: r.example/d, tag: "1.17.4"}, dapr_sidecar_injector: {image: {name: mydaprd}}}', 'r.example/d/mydaprd:1.17.4'],
      ['{global: {registry: ignored}, dapr_sidecar_injector: {image: {name: "localhost:30000/dapr/daprd:1.17.5"}}}', 'localhost:30000/dapr/daprd:1.17.5'],
    ] as const) {
      writeFileSync(file, hr(values));
      assert.equal(injectorSettingsFromRelease(file)!.sidecarImage, image, values);
    }
  });

  it('cluster up mirrors it into Harbor and loads it onto the nodes, after Harbor is up and before the chart push', () => {
    const steps = upPlan({ root: paths.root, revision: 'x', workDir: '/w' });
    assert.deepEqual(daprSidecarMirror(paths.root), { image: sidecar, upstream: `ghcr.io/dapr/daprd:${chartVersion}` });
    const at = (pred: (s: Step) => boolean, what: string): number => {
      const i = steps.findIndex(pred);
      assert.ok(i >= 0, `the plan has a step that ${what}`);
      return i;
    };
    const harborUp = at((s) => s.action.kind === 'wait-flux' && (s.action.names ?? []).includes('infrastructure-controllers'), 'waits for Harbor');
    const project = at((s) => s.action.kind === 'http' && (s.action.body as { project_name?: string })?.project_name === 'dapr', 'creates the dapr project');
    const mirror = at(
      (s) =>
        argv(s).includes(
          `copy --all --dest-tls-verify=false --dest-creds "admin:$HARBOR_PASSWORD" docker://ghcr.io/dapr/daprd:${chartVersion} docker://${CLUSTER.harborInCluster}/dapr/daprd:${chartVersion}`,
        ),
      'mirrors daprd',
    );
    const exported = at(
      (s) => argv(s).includes(`docker://${CLUSTER.harborInCluster}/dapr/daprd:${chartVersion} docker-archive:/images/daprd-image.tar:${sidecar}`),
      'exports daprd under the name pods use',
    );
    const load = at((s) => argv(s) === `kind load image-archive /w/daprd-image.tar --name ${CLUSTER.name}`, 'loads it onto the nodes');
    // The apps' HelmReleases install from the chart in Harbor: no app pod exists before it is pushed.
    const chartPush = at((s) => argv(s).includes(' && helm push '), 'pushes the chart');
    assert.ok(
      harborUp < project && project < mirror && mirror < exported && exported < load && load < chartPush,
      JSON.stringify({ harborUp, project, mirror, exported, load, chartPush }),
    );
    // The export writes the archive into the work folder; the mirror needs neither it nor more than the password.
    assert.match(argv(steps[exported]!), /-v \/w:\/images:rw /);
    assert.doesNotMatch(argv(steps[exported]!), /HARBOR_PASSWORD/);
  });

  it('paddock check passes the example apps with the platform release', async () => {
    const r = await paddock(['check', 'apps/app1/values.yaml', 'apps/app2/values.yaml', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('a Dapr release that leaves daprd at ghcr.io fails paddock check with paddock-pod-images and paddock-dapr-sidecar, and cluster up mirrors nothing', async () => {
    const root = rootWithDaprValues((v) => delete v.dapr_sidecar_injector.image);
    const r = await paddock(['check', join(root, 'apps/app1/values.yaml'), join(root, 'apps/app2/values.yaml'), '--json'], {
      ...process.env,
      PADDOCK_HOME: root,
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const findings = (JSON.parse(r.stdout) as { findings: { rule: string; message: string; path?: string }[] }).findings;
    // The registry rule, and the sidecar rule that the daprd container is the platform's image.
    assert.deepEqual([...new Set(findings.map((f) => f.rule))].sort(), ['paddock-dapr-sidecar', 'paddock-pod-images']);
    assert.ok(findings.length >= 2);
    assert.ok(findings.some((f) => f.rule === 'paddock-dapr-sidecar' && /is not the platform's Dapr sidecar/.test(f.message)));
    for (const f of findings.filter((x) => x.rule === 'paddock-pod-images')) {
      assert.match(f.message, /Container daprd uses an image from outside the platform registry/);
      assert.match(f.path ?? '', /its Pod as admitted, with the Dapr sidecar/);
    }
    assert.equal(daprSidecarMirror(root), undefined);
    assert.ok(!upPlan({ root, revision: 'x', workDir: '/w' }).some((s) => argv(s).includes('daprd')));
  });
});
