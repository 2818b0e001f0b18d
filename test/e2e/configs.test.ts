// Stage 5 of the live cluster (issue 12): the configs layer, the platform's
// own services. Vault, Redis and the tenant provisioner run from images built
// here; the admission policies judge on the real API server; a tenant
// namespace gets its own Vault role and Redis user and loses them when it
// goes. Skipped unless PADDOCK_E2E=1 (make e2e).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { clusterImages } from 'paddock/cluster/index.js';
import { hostileVariants, type DeploymentLike } from 'paddock/cluster/hostile-variants.js';
import { paths } from 'paddock/paths.js';
import { loadPolicies } from 'paddock/policies/load.js';
import type { KubeObject } from 'paddock/policies/types.js';
import { tenantNamespace } from 'paddock/policies/check.js';
import { eventually } from '../lib/eventually.js';
import { renderApp } from '../policies/cases.js';
import { apply, getJson, kubectl, ok, readyEventually, SKIP } from './kubectl.js';

const built = new Map(clusterImages(paths.root).map((i) => [i.recipe, i.ref]));
/** A tenant of this test only: its namespace is created and deleted here, as onboarding and offboarding do. */
const PROBE = 'e2eprobe';
const PROBE_NS = `${PROBE}-ns`;

interface Pod {
  metadata: { name: string };
  spec: { nodeName: string; containers: { name: string; image: string }[] };
}

const secret = async (ns: string, name: string, key: string): Promise<string> =>
  Buffer.from(await ok(['-n', ns, 'get', 'secret', name, '-o', `jsonpath={.data.${key}}`]), 'base64').toString();

/** redis-cli in the Redis pod, as USER (none: anonymous). */
async function redis(user: { name: string; password: string } | undefined, ...command: string[]): Promise<string> {
  const auth = user ? ['--user', user.name, '--pass', user.password] : [];
  const r = await kubectl(['-n', 'redis-system', 'exec', 'deploy/redis', '--', 'redis-cli', '--no-auth-warning', ...auth, ...command]);
  return `${r.stdout}${r.stderr}`.trim();
}

/** Vault's HTTP API from inside its pod (busybox wget), with the root token or another. */
async function vault(token: string, path: string, body?: object): Promise<{ code: number; out: string }> {
  const args = [
    '-q',
    '-O',
    '-',
    '--header',
    `X-Vault-Token: ${token}`,
    ...(body ? ['--post-data', JSON.stringify(body)] : []),
    `http://127.0.0.1:8200/v1/${path}`,
  ];
  const r = await kubectl(['-n', 'vault-system', 'exec', 'deploy/vault', '--', 'wget', ...args]);
  return { code: r.code, out: `${r.stdout}${r.stderr}`.trim() };
}

describe("live cluster, stage 5: the configs layer, the platform's own services", { skip: SKIP }, () => {
  after(async () => {
    await kubectl(['delete', 'namespace', PROBE_NS, '--ignore-not-found', '--wait=false']);
  });

  it('Flux reports infrastructure-configs Ready: Vault, Redis and the tenant provisioner on the system pool, from the images built here, Vault seeded', async () => {
    const started = Date.now();
    await readyEventually('kustomization', 'flux-system', 'infrastructure-configs', 1_200_000);
    const nodes = await getJson<{ items: { metadata: { name: string; labels: Record<string, string> } }[] }>(['get', 'nodes']);
    const pool = (node: string) => nodes.items.find((n) => n.metadata.name === node)?.metadata.labels['paddock.dev/nodepool'];
    for (const [ns, name, recipe] of [
      ['vault-system', 'vault', 'vault'],
      ['redis-system', 'redis', 'redis'],
      ['paddock-system', 'tenant-provisioner', 'python'],
    ] as const) {
      const pods = await getJson<{ items: Pod[] }>(['-n', ns, 'get', 'pods', '-l', `app.kubernetes.io/name=${name}`]);
      assert.equal(pods.items.length, 1, `one ${name} pod`);
      const pod = pods.items[0]!;
      assert.equal(pod.spec.containers[0]!.image, built.get(recipe), `${name} runs ${built.get(recipe)}`);
      assert.equal(pool(pod.spec.nodeName), 'system', `${name} runs on the system pool`);
    }
    const job = await getJson<{ status: { succeeded?: number } }>(['-n', 'paddock-system', 'get', 'job', 'tenant-seed']);
    assert.equal(job.status.succeeded, 1, 'the seed Job completed');
    const mounts = await vault(await secret('vault-system', 'vault-root-token', 'token'), 'sys/mounts');
    assert.equal(mounts.code, 0, mounts.out);
    const kv = (JSON.parse(mounts.out) as { data: Record<string, { type: string; options?: { version?: string } }> }).data['secret/'];
    assert.deepEqual([kv?.type, kv?.options?.version], ['kv', '2'], 'KV v2 at secret/');
    console.log(`# infrastructure-configs: Ready ${((Date.now() - started) / 1000).toFixed(1)} s after this test started`);
  });

  it("Redis refuses anyone without a user, and its admin is the provisioner's", async () => {
    assert.match(await redis(undefined, 'GET', 'app1||x'), /NOAUTH/);
    const admin = { name: 'admin', password: await secret('redis-system', 'redis-admin', 'password') };
    assert.equal(await redis(admin, 'PING'), 'PONG');
    assert.match(await redis({ name: 'default', password: 'x' }, 'PING'), /WRONGPASS|NOAUTH|invalid username-password/i);
  });

  it('every admission policy of the tree is on the API server, bound', async () => {
    const set = loadPolicies();
    const live = await getJson<{ items: { metadata: { name: string } }[] }>(['get', 'validatingadmissionpolicies']);
    const bindings = await getJson<{ items: { spec: { policyName: string } }[] }>(['get', 'validatingadmissionpolicybindings']);
    const names = new Set(live.items.map((p) => p.metadata.name));
    for (const p of set.policies) assert.ok(names.has(p.metadata.name!), `policy ${p.metadata.name} is live`);
    const bound = new Set(bindings.items.map((b) => b.spec.policyName));
    for (const p of set.policies) assert.ok(bound.has(p.metadata.name!), `policy ${p.metadata.name} is bound`);
  });

  it('a new tenant namespace gets its own Redis user and Vault role within a provisioning pass, each limited to its own data', async () => {
    const started = Date.now();
    const rendered = renderApp(PROBE);
    const sa = rendered.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === PROBE)!;
    await apply([tenantNamespace(PROBE), sa]);
    const password = await eventually(
      `the provisioner to give ${PROBE_NS} its redis-credentials`,
      async () => {
        const r = await kubectl(['-n', PROBE_NS, 'get', 'secret', 'redis-credentials', '-o', 'jsonpath={.data.password}']);
        return r.code === 0 && r.stdout ? Buffer.from(r.stdout, 'base64').toString() : undefined;
      },
      180_000,
      2000,
    );
    const user = { name: PROBE, password };
    await eventually(`Redis user ${PROBE}`, async () => ((await redis(user, 'PING')) === 'PONG' ? true : undefined), 120_000, 2000);
    assert.match(await redis(user, 'HSET', `${PROBE}||e2e`, 'data', 'ok'), /^[01]$/, 'its own keys');
    assert.match(await redis(user, 'HGET', 'app1||e2e', 'data'), /NOPERM/, "app1's keys");
    assert.match(await redis(user, 'KEYS', '*'), /NOPERM/, 'no key listing');
    const jwt = (await ok(['-n', PROBE_NS, 'create', 'token', PROBE, '--audience', 'vault', '--duration', '10m'])).trim();
    const login = await eventually(
      `Vault role ${PROBE}`,
      async () => {
        const r = await kubectl([
          '-n',
          'vault-system',
          'exec',
          'deploy/vault',
          '--',
          'wget',
          '-q',
          '-O',
          '-',
          '--post-data',
          JSON.stringify({ role: PROBE, jwt }),
          'http://127.0.0.1:8200/v1/auth/kubernetes/login',
        ]);
        return r.code === 0 ? (JSON.parse(r.stdout) as { auth: { client_token: string; policies: string[] } }).auth : undefined;
      },
      120_000,
      3000,
    );
    assert.deepEqual(
      login.policies.filter((p) => p !== 'default'),
      [PROBE],
      'its own policy only',
    );
    const theirs = await vault(login.client_token, 'secret/data/dapr/app1');
    assert.notEqual(theirs.code, 0, "app1's Vault path is denied");
    assert.match(theirs.out, /403|permission denied/i);
    console.log(`# tenant provisioning: ${PROBE_NS} had its Redis user and Vault role ${((Date.now() - started) / 1000).toFixed(1)} s after it was created`);
  });

  it("the real API server judges a tenant's workloads by the policies: the chart's own admitted, a privileged one, one on another app's pool and a moving tag refused, each in the policy's words", async () => {
    const rendered = renderApp(PROBE);
    const deny = rendered.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny')!;
    await apply([deny]);
    const deployment = rendered.find((o) => o.kind === 'Deployment')!;
    const dryRun = (o: KubeObject) => kubectl(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(o));
    const admitted = await eventually(
      "the chart's Deployment to be admitted (policies in force, default-deny present)",
      async () => {
        const r = await dryRun(deployment);
        return r.code === 0 ? r : undefined;
      },
      60_000,
      2000,
    ).catch(async () => dryRun(deployment));
    assert.equal(admitted.code, 0, `the chart's own Deployment: ${admitted.stderr.trim()}`);
    // each variant in the policy's own words, from its message
    const words: Record<string, RegExp> = {
      'paddock-pod-security-restricted': /privileged/i,
      'paddock-pod-node-pool': /nodeSelector asks for node pool app2, but this app may only use its own pool e2eprobe/,
      'paddock-pod-images': /without a fixed version/,
    };
    const variants = hostileVariants('app2');
    assert.deepEqual(variants.map((v) => v.policy).sort(), Object.keys(words).sort(), 'a message to expect for each variant');
    for (const { what, policy, of } of variants) {
      const r = await dryRun(of(deployment as KubeObject & DeploymentLike));
      assert.notEqual(r.code, 0, `${what}: admitted`);
      assert.match(r.stderr, new RegExp(`ValidatingAdmissionPolicy '${policy}' with binding '[^']+' denied request: `), `${what}: ${r.stderr.trim()}`);
      assert.match(r.stderr, words[policy]!, `${what}: in the policy's words`);
    }
  });

  it("a tenant namespace deleted takes its Redis user and Vault role with it (the provisioner's offboarding)", async () => {
    const started = Date.now();
    await ok(['delete', 'namespace', PROBE_NS, '--wait=true', '--timeout=180s']);
    const admin = { name: 'admin', password: await secret('redis-system', 'redis-admin', 'password') };
    const root = await secret('vault-system', 'vault-root-token', 'token');
    await eventually(
      `the provisioner to remove Redis user ${PROBE} and Vault role ${PROBE}`,
      async () => {
        const users = await redis(admin, 'ACL', 'USERS');
        const role = await vault(root, `auth/kubernetes/role/${PROBE}`);
        return !users.split('\n').includes(PROBE) && role.code !== 0 ? true : undefined;
      },
      180_000,
      3000,
    );
    console.log(`# offboarding: Redis user and Vault role of ${PROBE} gone ${((Date.now() - started) / 1000).toFixed(1)} s after its namespace was deleted`);
  });
});
