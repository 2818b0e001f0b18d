// Stage 6 of the live cluster (issue 12), onboarding: `paddock onboard` a
// third app and `paddock cluster sync` bring it up on its own node pool,
// reachable only as declared (`paddock cluster test` then covers three apps);
// `offboard` and a sync remove it, its Vault role and its Redis user. The
// tree changed is a copy (`--platform`): the checkout is never touched. Skipped
// unless PADDOCK_E2E=1, and unless the cluster has a worker for the pool
// (make e2e creates it with `cluster up --pool app3`).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { appPods, liveApps } from 'paddock/cluster/live-apps.js';
import { paths } from 'paddock/paths.js';
import { eventually } from '../lib/eventually.js';
import { kubectl, LIVE, ok } from './kubectl.js';

const APP = 'app3';
const NS = `${APP}-ns`;
const cli = join(paths.root, 'packages', 'paddock', 'bin', 'paddock.js');

const paddock = (args: string[], timeoutMs = 1_200_000): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) =>
    execFile('node', [cli, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

const secret = async (ns: string, name: string, key: string): Promise<string> =>
  Buffer.from(await ok(['-n', ns, 'get', 'secret', name, '-o', `jsonpath={.data.${key}}`]), 'base64').toString();
const redisUsers = async (): Promise<string[]> => {
  const r = await kubectl(
    ['exec', '-i', '-n', 'redis-system', 'deploy/redis', '--', 'redis-cli', '--no-auth-warning'],
    `AUTH admin "${await secret('redis-system', 'redis-admin', 'password')}"\nACL USERS\n`,
  );
  return r.stdout.trim().split('\n').slice(1);
};
const vaultRole = async (): Promise<boolean> => {
  const r = await kubectl(
    [
      'exec',
      '-i',
      '-n',
      'vault-system',
      'deploy/vault',
      '--',
      'sh',
      '-c',
      `read -r VAULT_TOKEN; export VAULT_TOKEN VAULT_ADDR=http://127.0.0.1:8200; vault read auth/kubernetes/role/${APP}`,
    ],
    `${await secret('vault-system', 'vault-root-token', 'token')}\n`,
  );
  return r.code === 0;
};

async function poolSkip(): Promise<string | false> {
  if (!LIVE) return 'run by make e2e (PADDOCK_E2E=1), needs the live cluster';
  const r = await kubectl(['get', 'nodes', '-l', `paddock.dev/nodepool=${APP}`, '-o', 'name']);
  return r.stdout.trim() ? false : `the cluster has no worker for pool ${APP} (make e2e creates it with cluster up --pool ${APP})`;
}

describe(`live cluster, stage 6: onboarding ${APP} and offboarding it`, {
  skip: LIVE ? false : 'run by make e2e (PADDOCK_E2E=1), needs the live cluster',
}, () => {
  const work = mkdtempSync(join(tmpdir(), 'paddock-onboard-'));
  const tree = join(work, 'platform');
  const values = join(work, APP, 'values.yaml');
  let skip: string | false = false;
  before(async () => {
    skip = await poolSkip();
    cpSync(paths.platform, tree, { recursive: true });
    cpSync(join(paths.root, 'apps', 'app1'), join(work, APP), { recursive: true });
    // A new team's app: app1's image (built and published by cluster up), its own name, owner and pool, called by no one.
    writeFileSync(
      values,
      [
        'image: { repository: localhost:30000/platform/dapr-app1, tag: "1.0.0" }',
        'port: 8080',
        'healthPath: /health',
        'owner: e2e-onboarding',
        `nodepool: ${APP}`,
        'networkPolicy: { allowIngressFrom: [], allowEgressTo: [] }',
        'statestore: { enabled: true }',
        'secretstore: { enabled: false }',
        'pubsub: { enabled: false }',
        'binding: { enabled: false }',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    if (!skip) {
      // whatever happened above, the cluster goes back to the checkout's tree
      await paddock(['offboard', APP, '--platform', tree]);
      await paddock(['cluster', 'sync', '--platform', tree]);
    }
    rmSync(work, { recursive: true, force: true });
  });

  it(`onboard + cluster sync: ${APP} runs on its own pool with its sidecar, its Redis user and Vault role made, reachable only as declared`, async (t) => {
    if (skip) return t.skip(skip);
    const started = Date.now();
    const onboard = await paddock(['onboard', values, '--name', APP, '--platform', tree]);
    assert.equal(onboard.code, 0, onboard.stdout + onboard.stderr);
    const sync = await paddock(['cluster', 'sync', '--platform', tree]);
    assert.equal(sync.code, 0, `cluster sync: ${sync.stderr.slice(-2000)}`);
    const app = await eventually(
      `${APP}'s pod to be Ready`,
      async () => {
        const a = (await liveApps()).find((x) => x.name === APP);
        return a && (await appPods(a)).some((p) => p.ready) ? a : undefined;
      },
      600_000,
      5000,
    );
    const [pod] = (await appPods(app)).filter((p) => p.ready);
    assert.deepEqual([...pod!.containers].sort(), ['app', 'daprd']);
    assert.equal((await ok(['get', 'node', pod!.node, '-o', 'jsonpath={.metadata.labels.paddock\\.dev/nodepool}'])).trim(), APP);
    assert.ok((await redisUsers()).includes(APP), `Redis user ${APP}`);
    assert.ok(await vaultRole(), `Vault role ${APP}`);
    console.log(`# onboarding: ${APP} Ready on its pool ${((Date.now() - started) / 1000).toFixed(0)} s after onboard`);

    const test = await paddock(['cluster', 'test', '--json']);
    const report = JSON.parse(test.stdout) as { checks: { name: string; ok: boolean; detail: string; skipped?: boolean }[] };
    const broken = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    assert.deepEqual(broken, [], 'cluster test with three apps');
    const mine = report.checks.filter((c) => c.name.includes(APP));
    for (const want of [
      `Cilium: ${APP} cannot open a connection to app1's pod`,
      `Cilium: app2 cannot open a connection to ${APP}'s pod`,
      `Dapr: app2 may not invoke ${APP}`,
      `Redis: ${APP}'s user cannot touch app1's keys, nor sign in as app1`,
      `${APP}: runs on its own node pool`,
    ])
      assert.ok(
        mine.some((c) => c.name === want && c.ok && !c.skipped),
        `${want}: ${JSON.stringify(mine.find((c) => c.name === want))}`,
      );
  });

  it(`offboard + cluster sync: ${APP}'s namespace, Redis user and Vault role are gone`, async (t) => {
    if (skip) return t.skip(skip);
    const started = Date.now();
    const offboard = await paddock(['offboard', APP, '--platform', tree]);
    assert.equal(offboard.code, 0, offboard.stdout + offboard.stderr);
    const sync = await paddock(['cluster', 'sync', '--platform', tree]);
    assert.equal(sync.code, 0, `cluster sync: ${sync.stderr.slice(-2000)}`);
    await eventually(
      `${NS}, Redis user ${APP} and Vault role ${APP} to be gone`,
      async () => {
        const ns = await kubectl(['get', 'namespace', NS]);
        return ns.code !== 0 && !(await redisUsers()).includes(APP) && !(await vaultRole()) ? true : undefined;
      },
      600_000,
      5000,
    );
    console.log(`# offboarding: ${APP}'s namespace, Redis user and Vault role gone ${((Date.now() - started) / 1000).toFixed(0)} s after offboard`);
  });
});
