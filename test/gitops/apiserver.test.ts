// The tree against a real API server of the pinned Kubernetes (server/control-plane.ts,
// no nodes): every object of every Flux path is accepted by a server-side
// dry-run with strict field validation (the CRD kinds served from the pinned
// CRD schemas), and the tenant provisioner's Kubernetes side does its job on
// real namespaces: finds the tenants, generates each Secret once; and a whole
// provisioning pass with the real API server, a real Redis and a Vault test
// double (fake-vault.ts: Vault cannot run here).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { collectionPath, crdFor, startApiServer, type ApiServer } from '../lib/apiserver.js';
import { build, FLUX_PATHS, platform, redisCli, startRedisLikeTheDeployment, type Obj } from './lib.js';
import { startFakeVault } from './fake-vault.js';

const pexec = promisify(execFile);
const env: Record<string, string> = {};

let api: ApiServer;
const call = (method: string, path: string, body?: unknown) => api.call(method, path, body);

const objects: Obj[] = [];

before(async () => {
  api = await startApiServer();
  Object.assign(env, api.env);
  const seen = new Set<string>();
  for (const p of FLUX_PATHS) {
    for (const o of await build(p)) {
      const k = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
      if (!seen.has(k)) objects.push(o);
      seen.add(k);
    }
  }
  // What exists before Flux applies the tree: flux-system (flux install) and the CRDs the charts bring.
  const crds = new Map<string, Obj>();
  for (const o of objects) {
    const [group, version] = o.apiVersion.split('/');
    if (version && !/\.k8s\.io$/.test(group!) && !['apps', 'batch', 'policy'].includes(group!))
      crds.set(`${group}/${o.kind}`, crdFor(group!, o.kind, version) as Obj);
  }
  for (const crd of crds.values())
    assert.equal((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201, crd.metadata.name);
  for (const ns of [{ metadata: { name: 'flux-system' } }, ...objects.filter((o) => o.kind === 'Namespace')]) {
    const r = await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', ...ns });
    assert.ok([201, 409].includes(r.status), JSON.stringify(r.body));
  }
  // CRDs take a moment to be served.
  for (const crd of crds.values()) {
    for (let i = 0; i < 100; i++) {
      const r = await call('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      if (r.body?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True')) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  }
});

after(() => api?.stop());

describe('the tree on a real API server', () => {
  it('every object passes a server-side dry run with strict field validation', async () => {
    const refused: string[] = [];
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) {
      const r = await call('POST', `${collectionPath(o as never)}?dryRun=All&fieldValidation=Strict`, o);
      if (r.status !== 201 && r.status !== 200)
        refused.push(`${o.kind}/${o.metadata.name}: ${r.status} ${r.body?.message ?? JSON.stringify(r.body).slice(0, 300)}`);
    }
    assert.deepEqual(refused, []);
    assert.ok(objects.length > 40, `${objects.length} objects`);
  });
});

describe('tenant provisioner: the Kubernetes side, on real namespaces', () => {
  const script = join(platform, 'infrastructure/configs/tenant-provisioner');
  const py = (code: string) =>
    pexec('python3', ['-c', `import sys, json; sys.path.insert(0, ${JSON.stringify(script)}); import provisioner as p\nk = p.Kube()\n${code}`], {
      env: {
        ...process.env,
        KUBE_API: env.APISERVER_URL,
        KUBE_TOKEN_FILE: '/nonexistent',
        KUBE_TOKEN: env.APISERVER_TOKEN,
        KUBE_CA_FILE: env.APISERVER_CA,
        PYTHONDONTWRITEBYTECODE: '1',
      },
    }).then((r) => r.stdout.trim().split('\n').pop() ?? ''); // the last line; log lines come first

  it('finds the app namespaces by their labels (app1, app2 from platform/apps); impostors and reserved names are skipped', async () => {
    const tenant = (name: string, app: string) =>
      call('POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, labels: { 'paddock.dev/tenant': 'true', 'paddock.dev/app': app } },
      });
    await tenant('impostor-ns', 'app1');
    await tenant('admin-ns', 'admin');
    const [tenants, skipped] = JSON.parse(await py('print(json.dumps(p.select_tenants(k.namespaces())))'));
    assert.deepEqual(Object.keys(tenants).sort(), ['app1', 'app2']);
    assert.equal(tenants.app1.namespace, 'app1-ns');
    assert.deepEqual(skipped.map((s: string[]) => s[0]).sort(), ['admin-ns', 'impostor-ns']);
  });

  it('generates redis-credentials once per app namespace and never rotates it by accident', async () => {
    const first = await py("print(k.ensure_secret('app1-ns', 'redis-credentials', 'password', p.password))");
    const again = await py("print(k.ensure_secret('app1-ns', 'redis-credentials', 'password', p.password))");
    assert.equal(first, again);
    assert.ok(first.length >= 32);
    const s = await call('GET', '/api/v1/namespaces/app1-ns/secrets/redis-credentials');
    assert.equal(Buffer.from(s.body.data.password, 'base64').toString(), first);
    assert.equal(s.body.metadata.labels['app.kubernetes.io/managed-by'], 'paddock-tenant-provisioner');
    const other = await py("print(k.ensure_secret('app2-ns', 'redis-credentials', 'password', p.password))");
    assert.notEqual(other, first, 'each app gets its own password');
  });
  it("rolls an app's pods when the Secret ESO writes for it changes, and only then (Dapr's file secret store reads it once, at start)", async () => {
    const secretsJson = (v: string) => ({ 'secrets.json': Buffer.from(JSON.stringify({ 'anthropic-api-key': v })).toString('base64') });
    const deployment = (name: string, app: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: { 'app.kubernetes.io/name': app } },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': app } },
        template: { metadata: { labels: { 'app.kubernetes.io/name': app } }, spec: { containers: [{ name: 'app', image: 'localhost:30000/platform/x:1' }] } },
      },
    });
    const get = async (name: string) => (await call('GET', `/apis/apps/v1/namespaces/app1-ns/deployments/${name}`)).body;
    const HASH = 'paddock.dev/secrets-hash';
    assert.equal((await call('POST', '/apis/apps/v1/namespaces/app1-ns/deployments', deployment('app1', 'app1'))).status, 201);
    assert.equal((await call('POST', '/apis/apps/v1/namespaces/app1-ns/deployments', deployment('bystander', 'other'))).status, 201);
    const roll = () => py("k.roll_on_secret_change('app1', 'app1-ns'); print('done')");

    await roll(); // no Secret yet (ESO has not written it): nothing happens
    const created = await get('app1');
    assert.equal(created.metadata.annotations?.[HASH], undefined);

    await call('POST', '/api/v1/namespaces/app1-ns/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'app1-secrets' },
      data: secretsJson('one'),
    });
    await roll();
    const first = await get('app1');
    const recorded = first.metadata.annotations?.[HASH];
    assert.match(recorded, /^[0-9a-f]{16}$/, 'the first sight is recorded on the Deployment');
    assert.deepEqual(first.spec.template, created.spec.template, 'its pods started with this data: the pod template is left alone');

    await roll();
    assert.equal((await get('app1')).metadata.resourceVersion, first.metadata.resourceVersion, 'unchanged Secret: nothing written');

    await call('PUT', '/api/v1/namespaces/app1-ns/secrets/app1-secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'app1-secrets' },
      data: secretsJson('rotated-in-vault'),
    });
    await roll();
    const after = await get('app1');
    const now = after.metadata.annotations[HASH];
    assert.notEqual(now, recorded);
    assert.equal(after.spec.template.metadata.annotations?.[HASH], now, 'a changed Secret rolls the pods (pod template annotation)');
    assert.equal((await get('bystander')).metadata.annotations?.[HASH], undefined, "another app's Deployment is never touched");
    assert.ok(
      !JSON.stringify(after).includes('rotated-in-vault') && !JSON.stringify(after).includes(Buffer.from('rotated-in-vault').toString('base64')),
      'no secret value written',
    );
  });
});

describe('tenant provisioner: whole passes (real API server and Redis, Vault test double)', () => {
  const script = join(platform, 'infrastructure/configs/tenant-provisioner/provisioner.py');
  const secret = async (ns: string, name: string, key: string) => {
    const r = await call('GET', `/api/v1/namespaces/${ns}/secrets/${name}`);
    return r.status === 200 ? Buffer.from(r.body.data[key], 'base64').toString() : undefined;
  };

  it('provisions every tenant, is idempotent, and removes what an offboarded app had', async () => {
    const vault = await startFakeVault();
    const ADMIN = 'redis-admin-from-the-secret';
    // The Redis admin password the provisioner would generate, made first so the local Redis can start with it.
    await call('POST', '/api/v1/namespaces/redis-system/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'redis-admin' },
      data: { password: Buffer.from(ADMIN).toString('base64') },
    });
    // A root token Vault would refuse (its own token format's prefix: `vault server -dev` exits), as an earlier provisioner wrote it.
    await call('POST', '/api/v1/namespaces/vault-system/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'vault-root-token' },
      data: { token: Buffer.from('hvs.refused-by-vault').toString('base64') },
    });
    const redis = await startRedisLikeTheDeployment(ADMIN);
    const pass = () =>
      pexec('python3', [script, 'once'], {
        env: {
          ...process.env,
          KUBE_API: env.APISERVER_URL,
          KUBE_TOKEN_FILE: '/nonexistent',
          KUBE_TOKEN: env.APISERVER_TOKEN,
          KUBE_CA_FILE: env.APISERVER_CA,
          VAULT_ADDR: vault.url,
          REDIS_HOST: '127.0.0.1',
          REDIS_PORT: String(redis.port),
          DEMO_SECRETS_FILE: join(platform, 'infrastructure/configs/tenant-provisioner/demo-secrets.json'),
          PYTHONDONTWRITEBYTECODE: '1',
        },
      });
    try {
      await call('DELETE', '/api/v1/namespaces/impostor-ns');
      // admin-ns (from the test above) claims the Redis admin's name: skipped, said once, and the admin keeps its password.
      const first = await pass();
      assert.match(first.stdout, /pass complete: 2 tenant\(s\): app1, app2/);
      assert.equal(first.stdout.match(/skipped \(not provisioned\): admin-ns: the app name \\"admin\\" is reserved/g)?.length, 1, first.stdout);
      assert.equal(await redisCli(redis.port, 'admin', ADMIN, 'PING'), 'PONG');
      assert.equal(await secret('admin-ns', 'redis-credentials', 'password'), undefined, 'no Secret for a skipped namespace');
      assert.ok(!vault.roles.has('admin') && !vault.policies.has('admin'));

      // Vault: the generated root token is what the provisioner presents.
      const root = await secret('vault-system', 'vault-root-token', 'token');
      assert.ok(root && !/^(hvs|hvb|hvr|s|b|r)\./.test(root), `a root token ID Vault accepts, not ${root?.slice(0, 4)}…`);
      assert.ok(root && vault.requests.every((r) => r.token === root));
      assert.deepEqual(
        vault.kv.get('dapr/app1'),
        JSON.parse(readFileSync(join(platform, 'infrastructure/configs/tenant-provisioner/demo-secrets.json'), 'utf8')).app1,
      );
      assert.equal(vault.policies.get('app1'), 'path "secret/data/dapr/app1" {\n  capabilities = ["read"]\n}\n');
      assert.deepEqual(vault.roles.get('app1'), {
        bound_service_account_names: ['app1'],
        bound_service_account_namespaces: ['app1-ns'],
        audience: 'vault',
        token_policies: ['app1'],
        token_ttl: '10m',
        token_max_ttl: '10m',
      });
      assert.deepEqual([...vault.roles.keys()].sort(), ['app1', 'app2']);

      // Redis: each app signs in with the password in its own namespace's Secret.
      const pw1 = await secret('app1-ns', 'redis-credentials', 'password');
      assert.equal(await redisCli(redis.port, 'app1', pw1, 'HSET', 'app1||k', 'data', 'v'), '1');
      assert.match(await redisCli(redis.port, 'app1', pw1, 'HGET', 'app2||k', 'data'), /NOPERM/);

      // A second pass changes nothing and rewrites no demo secret.
      vault.kv.set('dapr/app1', { 'anthropic-api-key': 'the real one' });
      const writesBefore = vault.requests.filter((r) => r.method === 'POST' && r.path.startsWith('secret/data/')).length;
      await pass();
      assert.equal(vault.requests.filter((r) => r.method === 'POST' && r.path.startsWith('secret/data/')).length, writesBefore);
      assert.deepEqual(vault.kv.get('dapr/app1'), { 'anthropic-api-key': 'the real one' });
      assert.equal(await secret('app1-ns', 'redis-credentials', 'password'), pw1);

      // app2 is offboarded: its namespace goes (it stays Terminating here: no controllers), and with it its role, policy and user.
      await call('DELETE', '/api/v1/namespaces/app2-ns');
      const ns = await call('GET', '/api/v1/namespaces/app2-ns');
      assert.ok(ns.status === 404 || ns.body.metadata.deletionTimestamp, JSON.stringify(ns.body.metadata));
      const last = await pass();
      assert.match(last.stdout, /pass complete: 1 tenant\(s\): app1/, last.stdout);
      assert.deepEqual([...vault.roles.keys()], ['app1']);
      assert.deepEqual([...vault.policies.keys()], ['app1']);
      assert.doesNotMatch(await redisCli(redis.port, 'admin', ADMIN, 'ACL', 'USERS'), /app2/);
    } finally {
      redis.process.kill();
      await vault.close();
    }
  });
});
