// onboard / offboard on a throw-away copy of platform/, through the real CLI:
// validation first; consent on both sides (onboarding writes only its own
// entry and proposes the other side); names have an owner (takeover needs
// --replace); reserved names and topic collisions refused with nothing
// written; a round trip back to the committed tree byte for byte; a tree that
// still builds and validates.
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

/** A values file written where an app author would keep it: <tmp>/<name>/values.yaml. */
function valuesFile(name: string, values: Record<string, unknown>): string {
  const dir = join(mkdtempSync(join(tmpdir(), `paddock-${name}-`)), name);
  mkdirSync(dir);
  const file = join(dir, 'values.yaml');
  writeFileSync(file, stringify({ image: { repository: `localhost:30000/platform/dapr-${name}`, tag: '0.3.0' }, port: 8080, ...values }));
  return file;
}

/** A third app that calls app1. */
function app3Values(): string {
  return valuesFile('app3', { networkPolicy: { allowIngressFrom: [], allowEgressTo: ['app1-ns'] }, statestore: { enabled: true } });
}

type Json = {
  changes: { path: string; action: string }[];
  notes: string[];
  warnings: string[];
  proposals: { app: string; file: string; field: string; add: string; line: string; message: string }[];
  findings: { message: string; fix?: string }[];
};

describe('onboard / offboard', () => {
  it('offboard app2, onboard it again: app1 must accept it again from its own values; then the tree is back byte for byte', async () => {
    const root = copyOfPlatform();
    const before = snapshot(root);
    const off = await paddock(['offboard', 'app2', '--platform', root]);
    assert.equal(off.code, 0, off.stderr);
    assert.ok(!existsSync(join(root, 'apps', 'app2')), 'app2 entry removed');
    assert.deepEqual(appsList(root), ['app-chart.yaml', 'platform-settings.yaml', 'app1']);
    assert.deepEqual(release(root, 'app1').spec.values.networkPolicy.allowIngressFrom, [], "app2-ns left app1's callers");
    assert.match(off.stdout, /app2-ns is removed from app1's networkPolicy.allowIngressFrom/);
    assert.match(
      off.stdout,
      /apps\/app1\/values.yaml still lists it: take it out there too, or app1's next onboarding accepts whichever app is named app2 next/,
    );
    assert.equal((await build('apps', root)).filter((o) => o.kind === 'HelmRelease').length, 1);

    const on = await paddock(['onboard', 'apps/app2/values.yaml', '--platform', root]);
    assert.equal(on.code, 0, on.stderr);
    assert.deepEqual(release(root, 'app1').spec.values.networkPolicy.allowIngressFrom, [], 'onboarding app2 does not open app1');
    assert.match(
      on.stdout,
      /app2 calls app1 \(networkPolicy.allowEgressTo: app1-ns\), but app1 does not accept app2-ns: the call stays refused until app1's owner \(marketing-analytics\) adds app2-ns to networkPolicy.allowIngressFrom in apps\/app1\/values.yaml\n\s+allowIngressFrom: \[app2-ns\]\n\s+and onboards app1 again/,
    );
    // app1's owner onboards app1 from its own values, which accept app2-ns.
    const back = await paddock(['onboard', 'apps/app1/values.yaml', '--platform', root]);
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual(snapshot(root), before);
  });

  it("a new caller changes only its own entry; the callee's side is proposed (text and --json), never written", async () => {
    const root = copyOfPlatform();
    const before = snapshot(root);
    const file = app3Values();
    const on = await paddock(['onboard', file, '--platform', root, '--json']);
    assert.equal(on.code, 0, on.stderr);
    const out = JSON.parse(on.stdout) as Json;
    assert.deepEqual(out.changes.map((c) => `${c.action} ${c.path}`).sort(), [
      'create platform/apps/app3/kustomization.yaml',
      'create platform/apps/app3/namespace.yaml',
      'create platform/apps/app3/release.yaml',
      'update platform/apps/kustomization.yaml',
    ]);
    assert.deepEqual(
      out.proposals.map(({ message: _, ...p }) => p),
      [
        {
          app: 'app1',
          owner: 'marketing-analytics',
          file: 'apps/app1/values.yaml',
          field: 'networkPolicy.allowIngressFrom',
          add: 'app3-ns',
          line: 'allowIngressFrom: [app2-ns, app3-ns]',
          reason: 'app3 calls app1 (networkPolicy.allowEgressTo: app1-ns)',
        },
      ],
    );
    assert.match(out.proposals[0]!.message, /the call stays refused until/);
    assert.ok(
      out.notes.some((n) => /no worker for node pool "app3"/.test(n)),
      out.notes.join('\n'),
    );
    assert.equal(readFileSync(join(root, 'apps', 'app1', 'release.yaml'), 'utf8'), before.get('apps/app1/release.yaml'), "app1's entry is untouched");
    const app3 = release(root, 'app3');
    assert.equal(app3.spec.releaseName, 'app3');
    assert.equal(app3.spec.targetNamespace, 'app3-ns');
    assert.deepEqual(app3.metadata.annotations, { 'paddock.dev/values-file': file }, 'where it came from (no owner in the file)');
    assert.deepEqual(appsList(root).slice(2), ['app1', 'app2', 'app3']);

    // The changed tree still builds and validates strictly.
    const objects = await build('apps', root);
    const v = await kubeconform(objects.map((o) => stringify(o)).join('---\n'));
    assert.deepEqual(v.problems, []);

    // Re-onboarding app1 from its own values grants app3 nothing.
    const again = await paddock(['onboard', 'apps/app1/values.yaml', '--platform', root]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already up to date/);
    assert.deepEqual(release(root, 'app1').spec.values.networkPolicy.allowIngressFrom, ['app2-ns']);

    const off = await paddock(['offboard', 'app3', '--platform', root]);
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(snapshot(root), before);
  });

  it("re-onboarding writes exactly the app's own values: a grant it does not declare goes, naming who loses it", async () => {
    const root = copyOfPlatform();
    // An entry as the old onboarding left it: app1 accepting app3-ns, which apps/app1/values.yaml does not list.
    const path = join(root, 'apps', 'app1', 'release.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('        - app2-ns\n', '        - app2-ns\n        - app3-ns\n'));
    assert.deepEqual(release(root, 'app1').spec.values.networkPolicy.allowIngressFrom, ['app2-ns', 'app3-ns']);
    const r = await paddock(['onboard', 'apps/app1/values.yaml', '--platform', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(release(root, 'app1').spec.values.networkPolicy.allowIngressFrom, ['app2-ns']);
    assert.match(
      r.stdout,
      /app1 no longer accepts calls from app3-ns: it was in platform\/apps\/app1\/release.yaml, but apps\/app1\/values.yaml does not list it in networkPolicy.allowIngressFrom; app3's calls are refused/,
    );
  });

  it('a values file from elsewhere under an onboarded name is refused, naming both, and writes nothing; --replace takes over, loudly', async () => {
    const root = copyOfPlatform();
    const before = snapshot(root);
    const file = valuesFile('app1', { owner: 'someone-else', statestore: { enabled: true }, secretstore: { enabled: true } });
    for (const args of [[], ['--json'], ['--dry-run']]) {
      const r = await paddock(['onboard', file, '--platform', root, ...args]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /The app name \\?"app1\\?" belongs to apps\/app1\/values.yaml \(owner marketing-analytics\)/);
      assert.ok(r.stdout.includes(`this file is ${file} (owner someone-else)`), r.stdout);
      assert.match(r.stdout, /--replace/);
      assert.doesNotMatch(r.stdout, /\n\s+at .+:\d+:\d+/);
    }
    assert.deepEqual(snapshot(root), before, 'a refused onboard writes no file');

    const r = await paddock(['onboard', file, '--platform', root, '--replace']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /--replace: app1 \(apps\/app1\/values.yaml \(owner marketing-analytics\)\) is replaced by .*: its image localhost:30000\/platform\/dapr-app1:1.0.0 gives way to this file's, this file's app reads app1's secrets \(Vault path dapr\/app1, in use\), and its data in Redis \(keys app1\|\|\*, in use\)/,
    );
    assert.deepEqual(release(root, 'app1').metadata.annotations, { 'paddock.dev/values-file': file, 'paddock.dev/owner': 'someone-else' });
    // Now the original file is the stranger.
    const back = await paddock(['onboard', 'apps/app1/values.yaml', '--platform', root]);
    assert.equal(back.code, 1);
  });

  it('reserved and over-long names are refused before anything is written', async () => {
    const root = copyOfPlatform();
    const before = snapshot(root);
    const cases: [string[], RegExp][] = [
      [[valuesFile('admin', {})], /"admin" is reserved/],
      [[valuesFile('app9', {}), '--name', 'system'], /"system" is reserved/],
      [[valuesFile('app9', {}), '--name', 'kube-tools'], /starts with "kube-"/],
      [[valuesFile('app9', {}), '--name', 'dapr-x'], /starts with "dapr-"/],
      [[valuesFile('app9', {}), '--name', 'a'.repeat(54)], /54 characters long; at most 53/],
      [[valuesFile('app9', {}), '--name', 'Bad_Name'], /must use only lowercase letters/],
    ];
    for (const [args, message] of cases) {
      const r = await paddock(['onboard', ...args, '--platform', root]);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, message, args.join(' '));
    }
    assert.deepEqual(snapshot(root), before);
  });

  it("topics: one publisher each, the publisher's consent for subscribers, and the namespace tells the provisioner", async () => {
    const root = copyOfPlatform();
    const shop = valuesFile('shop', { owner: 'sales', pubsub: { enabled: true, publishes: ['orders'], allowSubscribersFrom: ['mail-ns'] } });
    assert.equal((await paddock(['onboard', shop, '--platform', root])).code, 0);
    const ns = parse(readFileSync(join(root, 'apps', 'shop', 'namespace.yaml'), 'utf8'));
    assert.deepEqual(ns.metadata.annotations, {
      'paddock.dev/pubsub-publishes': 'orders',
      'paddock.dev/pubsub-subscribes': '',
      'paddock.dev/pubsub-subscribers': 'mail-ns',
    });

    const before = snapshot(root);
    const rival = valuesFile('rival', { pubsub: { enabled: true, publishes: ['returns', 'orders'] } });
    const refused = await paddock(['onboard', rival, '--platform', root]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stdout,
      /pubsub.publishes[\s\S]*The topic "orders" is already published by shop \(.*shop\/values.yaml \(owner sales\)\); a topic has one publisher/,
    );
    assert.deepEqual(snapshot(root), before, 'nothing written');

    const snoop = valuesFile('snoop', { pubsub: { enabled: true, subscribes: ['orders', 'nobody-sends-this'] } });
    const on = await paddock(['onboard', snoop, '--platform', root, '--json']);
    assert.equal(on.code, 0, on.stdout);
    const out = JSON.parse(on.stdout) as Json;
    assert.deepEqual(
      out.proposals.map((p) => [p.app, p.field, p.line]),
      [['shop', 'pubsub.allowSubscribersFrom', 'allowSubscribersFrom: [mail-ns, snoop-ns]']],
    );
    assert.match(
      out.proposals[0]!.message,
      /snoop subscribes to "orders", which shop publishes, but shop does not accept snoop-ns: snoop receives nothing until shop's owner \(sales\) adds snoop-ns/,
    );
    assert.ok(
      out.notes.some((n) => /"nobody-sends-this", which no onboarded app publishes yet/.test(n)),
      out.notes.join('\n'),
    );
    assert.equal(readFileSync(join(root, 'apps', 'shop', 'namespace.yaml'), 'utf8'), before.get('apps/shop/namespace.yaml'), "shop's side is not written");

    // Offboarding a subscriber the publisher accepted takes it off the publisher's list (that only tightens).
    const mail = valuesFile('mail', { pubsub: { enabled: true, subscribes: ['orders'] } });
    assert.equal((await paddock(['onboard', mail, '--platform', root])).code, 0);
    const off = await paddock(['offboard', 'mail', '--platform', root]);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /mail-ns is removed from shop's pubsub.allowSubscribersFrom/);
    assert.equal(parse(readFileSync(join(root, 'apps', 'shop', 'namespace.yaml'), 'utf8')).metadata.annotations['paddock.dev/pubsub-subscribers'], '');
  });

  it('a worker (port: none) onboards with no Service and no ingress; a caller of it is told it answers no calls, nothing is proposed', async () => {
    const root = copyOfPlatform();
    const before = snapshot(root);
    const worker = valuesFile('mailer', { port: 'none', pubsub: { enabled: true, subscribes: ['orders'] } });
    const on = await paddock(['onboard', worker, '--platform', root, '--json']);
    assert.equal(on.code, 0, on.stderr);
    assert.equal(release(root, 'mailer').spec.values.port, 'none');
    const caller = valuesFile('app3', { networkPolicy: { allowEgressTo: ['mailer-ns'] } });
    const out = JSON.parse((await paddock(['onboard', caller, '--platform', root, '--json'])).stdout) as Json;
    assert.deepEqual(out.proposals, [], 'nothing the worker could add would make the call work');
    assert.ok(
      out.notes.some((n) => /mailer has no port \(port: none\): it answers no calls.*Remove mailer-ns from networkPolicy.allowEgressTo/.test(n)),
      out.notes.join('\n'),
    );
    // The tree with the worker still builds and validates strictly.
    const objects = await build('apps', root);
    assert.deepEqual((await kubeconform(objects.map((o) => stringify(o)).join('---\n'))).problems, []);
    for (const name of ['app3', 'mailer']) assert.equal((await paddock(['offboard', name, '--platform', root])).code, 0);
    assert.deepEqual(snapshot(root), before);
  });

  it('--dry-run prints the diff and writes nothing', async () => {
    const root = copyOfPlatform();
    const before = snapshot(root);
    const r = await paddock(['onboard', app3Values(), '--platform', root, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\+\+\+ b\/platform\/apps\/app3\/release.yaml/);
    assert.match(r.stdout, /\+ +paddock.dev\/values-file: \/.*\/app3\/values.yaml/);
    assert.doesNotMatch(r.stdout, /b\/platform\/apps\/app1\//, 'app1 is not changed');
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
