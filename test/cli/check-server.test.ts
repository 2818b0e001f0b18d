/**
 * `paddock check --server` and `--kubeconfig FILE`, through the real CLI and
 * the real pinned API server: the example apps pass; a manifest with one broken
 * guardrail is refused by that policy, with the server's message (the same the
 * offline evaluator gives), its file and line, and the policy's fix; nothing is
 * left behind, not on success and not after Ctrl-C mid-run; an existing
 * cluster is judged through a kubeconfig file and never written to.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { IDENTITIES } from 'paddock/policies/identities.js';
import { loadPlatformInjectorSettings } from 'paddock/policies/injector-settings.js';
import { loadPolicies } from 'paddock/policies/load.js';
import { paths } from 'paddock/paths.js';
import { KubeClient } from 'paddock/server/client.js';
import { pinnedCrds } from 'paddock/server/crds.js';
import { preparePlatform } from 'paddock/server/judge.js';
import type { Finding } from 'paddock/report/finding.js';
import { startApiServer, type ApiServer } from '../lib/apiserver.js';
import { paddock, STACK } from '../lib/cli.js';
import { renderApp1 } from '../policies/cases.js';

const apps = ['apps/app1/values.yaml', 'apps/app2/values.yaml'];
const work = mkdtempSync(join(tmpdir(), 'paddock-check-server-'));

/** A hand-written Deployment in app1-ns with exactly one broken guardrail: an image from outside the platform registry. */
const rogue = join(work, 'rogue.yaml');
{
  const d = structuredClone(renderApp1().find((o) => o.kind === 'Deployment')!) as any;
  d.metadata = { name: 'rogue', namespace: 'app1-ns', labels: d.metadata.labels };
  d.spec.template.spec.containers[0].image = 'docker.io/library/nginx:1.27.0';
  writeFileSync(rogue, `# a tenant's own Deployment\n${stringify(d)}`);
}

/** A private TMPDIR for one run: whatever the run leaves behind stays in it. */
function privateTmp(): string {
  return mkdtempSync(join(work, 'tmp-'));
}

/** Processes whose command line names `dir` (the servers carry their data folder in their flags). */
function processesUsing(dir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir)) out.push(`${pid} ${cmd.slice(0, 120)}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

const findingsOf = (stdout: string): Finding[] => (JSON.parse(stdout) as { findings: Finding[] }).findings;

after(() => rmSync(work, { recursive: true, force: true }));

describe('paddock check --server', { timeout: 15 * 60_000 }, () => {
  it('passes the example apps on a throw-away API server, and leaves nothing behind', async () => {
    const tmp = privateTmp();
    const r = await paddock(['check', ...apps, '--server'], { env: { TMPDIR: tmp } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /admission \(judged by a throw-away kube-apiserver v1\.35\.8\)/);
    assert.match(r.stderr, /\[server\] kube-apiserver v1\.35\.8 ready at https:\/\/127\.0\.0\.1:\d+ after [\d.]+ s/);
    assert.match(r.stderr, /sending \d+ objects and 2 Pods/);
    assert.match(r.stderr, /stopped the throw-away API server and removed its data/);
    assert.deepEqual(readdirSync(tmp), [], 'its data folder is gone');
    assert.deepEqual(processesUsing(tmp), [], 'etcd and kube-apiserver are gone');
  });

  it("refuses a broken guardrail by the policy that guards it, in the server's words, with file, line and fix", async () => {
    const server = await paddock(['check', rogue, '--server', '--json']);
    const offline = await paddock(['check', rogue, '--json']);
    assert.equal(server.code, 1, server.stderr);
    assert.equal(offline.code, 1, offline.stderr);
    const refusal = findingsOf(server.stdout).find((f) => f.rule === 'paddock-pod-images');
    assert.ok(refusal, server.stdout);
    assert.equal(refusal.severity, 'error');
    assert.equal(refusal.file, rogue);
    assert.equal(refusal.line, 2);
    assert.equal(refusal.path, 'Deployment/rogue');
    const policy = loadPolicies().policies.find((p) => p.metadata.name === 'paddock-pod-images')!;
    assert.equal(refusal.fix, policy.metadata.annotations?.['paddock.dev/fix']);
    // The server's own message is the one the offline evaluator gives.
    const mine = findingsOf(offline.stdout)
      .filter((f) => f.rule === 'paddock-pod-images' && f.path === 'Deployment/rogue')
      .map((f) => f.message);
    assert.ok(mine.includes(refusal.message), `server: ${refusal.message}\noffline: ${mine.join(' | ')}`);
    assert.doesNotMatch(server.stdout + server.stderr, STACK);
  });

  /** Starts `check --server` with a private TMPDIR and resolves once its API server is ready. */
  async function startMidRun(tmp: string) {
    const child = spawn(process.execPath, [join(paths.root, 'packages/paddock/bin/paddock.js'), 'check', ...apps, '--server'], {
      cwd: paths.root,
      env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = { child, stderr: '', exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d) => {
        run.stderr += String(d);
        if (/ready at/.test(run.stderr)) resolve();
      });
      void run.exited.then(() => reject(new Error(`exited before the server was ready:\n${run.stderr}`)));
    });
    assert.notDeepEqual(processesUsing(tmp), [], 'the servers run while the check does');
    return run;
  }

  it('Ctrl-C mid-run stops etcd and the API server and removes their folder', async () => {
    const tmp = privateTmp();
    const run = await startMidRun(tmp);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 130, run.stderr);
    assert.deepEqual(readdirSync(tmp), [], 'its data folder is gone');
    assert.deepEqual(processesUsing(tmp), [], 'etcd and kube-apiserver are gone');
  });

  it('even when paddock is killed outright (SIGKILL), its guard removes the servers and their folder', async () => {
    const tmp = privateTmp();
    const run = await startMidRun(tmp);
    run.child.kill('SIGKILL');
    await run.exited;
    for (let i = 0; i < 100 && (readdirSync(tmp).length > 0 || processesUsing(tmp).length > 0); i++) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(readdirSync(tmp), [], 'its data folder is gone');
    assert.deepEqual(processesUsing(tmp), [], 'etcd and kube-apiserver are gone');
  });

  it('--help says what --server and --kubeconfig do; both at once is a usage error', async () => {
    const help = await paddock(['check', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--server/);
    assert.match(help.stdout, /--kubeconfig <file>/);
    const both = await paddock(['check', ...apps, '--server', '--kubeconfig', 'x']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--server and --kubeconfig exclude each other/);
    const missing = await paddock(['check', ...apps, '--kubeconfig', join(work, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml does not exist/);
    assert.doesNotMatch(both.stderr + missing.stderr, STACK);
  });
});

describe('paddock check --kubeconfig FILE (an existing cluster)', { timeout: 15 * 60_000 }, () => {
  let api: ApiServer;
  let client: KubeClient;
  const list = async (path: string) => ((await api.call('GET', path)).body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name).sort();

  before(async () => {
    api = await startApiServer();
    client = new KubeClient({ server: api.env.APISERVER_URL!, ca: readFileSync(api.env.APISERVER_CA!), token: api.env.APISERVER_TOKEN! });
    // The cluster as the platform runs it, before app1 and app2 are applied.
    await preparePlatform(
      client,
      {
        objects: [],
        identity: () => IDENTITIES.tenant,
        apps: [
          { name: 'app1', values: {} },
          { name: 'app2', values: {} },
        ],
        policies: loadPolicies(),
        injector: loadPlatformInjectorSettings(),
        say: () => {},
      },
      pinnedCrds() as never,
    );
  });

  after(async () => {
    client?.close();
    await api?.stop();
  });

  it('judges the apps against that cluster, only with dry runs', async () => {
    const r = await paddock(['check', ...apps, '--kubeconfig', api.env.KUBECONFIG!, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /dry run only, nothing is written/);
    const findings = findingsOf(r.stdout);
    // The apps are not applied there yet: their Pods cannot be judged, and that is said, not passed silently.
    assert.ok(
      findings.some((f) => f.rule === 'not-judged' && f.severity === 'warning' && /serviceaccount "app1" not found/.test(f.message)),
      r.stdout,
    );
    assert.ok(
      findings.every((f) => f.severity !== 'error'),
      r.stdout,
    );
    // Nothing was created.
    assert.deepEqual(await list('/apis/apps/v1/namespaces/app1-ns/deployments'), []);
    assert.deepEqual(await list('/apis/networking.k8s.io/v1/namespaces/app1-ns/networkpolicies'), []);
    assert.deepEqual(await list('/api/v1/namespaces/app1-ns/serviceaccounts'), ['default']);
    assert.deepEqual(await list('/apis/dapr.io/v1alpha1/namespaces/app1-ns/components'), []);
  });

  it('refuses the broken guardrail there too', async () => {
    const r = await paddock(['check', rogue, '--kubeconfig', api.env.KUBECONFIG!, '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      findingsOf(r.stdout).some((f) => f.rule === 'paddock-pod-images' && f.file === rogue && f.severity === 'error'),
      r.stdout,
    );
    assert.deepEqual(await list('/apis/apps/v1/namespaces/app1-ns/deployments'), []);
  });

  it('the client for an existing cluster refuses any request that would write', async () => {
    const ro = new KubeClient(client.connection, { readOnly: true });
    try {
      await assert.rejects(
        ro.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }),
        /only reads and dry-runs/,
      );
      await assert.rejects(ro.request('DELETE', '/api/v1/namespaces/app1-ns'), /only reads and dry-runs/);
      assert.equal((await ro.request('POST', '/api/v1/namespaces?dryRun=All', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })).status, 201);
      assert.deepEqual((await list('/api/v1/namespaces')).includes('x'), false);
    } finally {
      ro.close();
    }
  });
});
