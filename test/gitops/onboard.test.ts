// onboard / offboard on a throw-away copy of platform/, through the real CLI:
// validation first, the callee side kept in step, a round trip back to the
// committed tree byte for byte, and a tree that still builds and validates.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { build, copyOfPlatform, kubeconform, paddock, platform } from './lib.js';

function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p), readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return out;
}

const release = (root: string, app: string) => parse(readFileSync(join(root, 'apps', app, 'release.yaml'), 'utf8'));
const appsList = (root: string): string[] => parse(readFileSync(join(root, 'apps', 'kustomization.yaml'), 'utf8')).resources;

/** A third app that calls app1, written where an app author would keep it. */
function app3Values(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'paddock-app3-')), 'app3');
  mkdirSync(dir);
  const file = join(dir, 'values.yaml');
  writeFileSync(file, stringify({
    image: { repository: 'localhost:30000/platform/dapr-app3', tag: '0.3.0' },
    port: 8080,
    networkPolicy: { allowIngressFrom: [], allowEgressTo: ['app1-ns'] },
    statestore: { enabled: true },
  }));
  return file;
}

describe('onboard / offboard', () => {
  it('offboard app2, onboard it again: the tree is back byte for byte', async () => {
    const root = copyOfPlatform();
    const before = snapshot(root);
    const off = await paddock(['offboard', 'app2', '--platform', root]);
    assert.equal(off.code, 0, off.stderr);
    assert.ok(!existsSync(join(root, 'apps', 'app2')), 'app2 entry removed');
    assert.deepEqual(appsList(root), ['app-chart.yaml', 'platform-settings.yaml', 'app1']);
    assert.deepEqual(release(root, 'app1').spec.values.networkPolicy.allowIngressFrom, [], "app2-ns left app1's callers");
    assert.match(off.stdout, /app2-ns is removed from app1's networkPolicy.allowIngressFrom/);
    assert.equal((await build('apps', root)).filter((o) => o.kind === 'HelmRelease').length, 1);

    const on = await paddock(['onboard', 'apps/app2/values.yaml', '--platform', root]);
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /app1 now accepts calls from app2-ns/);
    assert.deepEqual(snapshot(root), before);
  });

  it('a new caller updates the callee, and offboarding it takes that back', async () => {
    const root = copyOfPlatform();
    const before = snapshot(root);
    const file = app3Values();
    const on = await paddock(['onboard', file, '--platform', root, '--json']);
    assert.equal(on.code, 0, on.stderr);
    const out = JSON.parse(on.stdout) as { changes: { path: string; action: string }[]; notes: string[] };
    assert.deepEqual(out.changes.map((c) => `${c.action} ${c.path}`).sort(), [
      'create platform/apps/app3/kustomization.yaml',
      'create platform/apps/app3/namespace.yaml',
      'create platform/apps/app3/release.yaml',
      'update platform/apps/app1/release.yaml',
      'update platform/apps/kustomization.yaml',
    ]);
    assert.ok(out.notes.some((n) => /app1 now accepts calls from app3-ns/.test(n)), out.notes.join('\n'));
    assert.ok(out.notes.some((n) => /no worker for node pool "app3"/.test(n)), out.notes.join('\n'));
    assert.deepEqual(release(root, 'app1').spec.values.networkPolicy.allowIngressFrom, ['app2-ns', 'app3-ns']);
    const app3 = release(root, 'app3');
    assert.equal(app3.spec.releaseName, 'app3');
    assert.equal(app3.spec.targetNamespace, 'app3-ns');
    assert.deepEqual(appsList(root).slice(2), ['app1', 'app2', 'app3']);

    // The changed tree still builds and validates strictly.
    const objects = await build('apps', root);
    const v = await kubeconform(objects.map((o) => stringify(o)).join('---\n'));
    assert.deepEqual(v.problems, []);

    // Re-onboarding app1 from its own values keeps the grant app3's onboarding made.
    const again = await paddock(['onboard', 'apps/app1/values.yaml', '--platform', root]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(release(root, 'app1').spec.values.networkPolicy.allowIngressFrom, ['app2-ns', 'app3-ns']);

    const off = await paddock(['offboard', 'app3', '--platform', root]);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /app3-ns is removed from app1's networkPolicy.allowIngressFrom/);
    assert.deepEqual(snapshot(root), before);
  });

  it('--dry-run prints the diff and writes nothing', async () => {
    const root = copyOfPlatform();
    const before = snapshot(root);
    const r = await paddock(['onboard', app3Values(), '--platform', root, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\+\+\+ b\/platform\/apps\/app3\/release.yaml/);
    assert.match(r.stdout, /\+ +- app3-ns/);
    assert.match(r.stdout, /dry run: nothing was written/);
    const off = await paddock(['offboard', 'app1', '--platform', root, '--dry-run', '--json']);
    assert.equal(off.code, 0, off.stderr);
    assert.ok((JSON.parse(off.stdout) as { changes: { diff: string }[] }).changes.every((c) => typeof c.diff === 'string'));
    assert.deepEqual(snapshot(root), before);
  });

  it('bad values are refused with the field named, and nothing changes', async () => {
    const root = copyOfPlatform();
    const before = snapshot(root);
    const file = app3Values();
    writeFileSync(file, readFileSync(file, 'utf8').replace('tag: 0.3.0', 'tag: latest'));
    const r = await paddock(['onboard', file, '--platform', root]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /image\.tag/);
    assert.deepEqual(snapshot(root), before);
  });

  it('offboarding an app that is not there is a usage error', async () => {
    const r = await paddock(['offboard', 'ghost', '--platform', copyOfPlatform()]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ghost is not onboarded/);
  });

  it('the committed tree is untouched by these tests', () => {
    assert.ok(existsSync(join(platform, 'apps', 'app2', 'release.yaml')));
  });
});
