// The shared chart travels as Flux pulls it from Harbor: packaged, pushed with
// `helm push` to a real OCI registry (CNCF distribution, tools/bin/registry) on
// loopback, and pulled and rendered back from oci:// at the version the app
// releases pin, with the platform settings and the app values the HelmRelease carries.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { paths, tool } from 'paddock/paths.js';
import { run } from 'paddock/run.js';
import { build, freePort, kubeconform, type Obj } from './lib.js';

const work = mkdtempSync(join(tmpdir(), 'paddock-oci-'));
// helm keeps its registry login, cache and config here, not in the user's home.
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(work, 'cache'),
  HELM_CONFIG_HOME: join(work, 'config'),
  HELM_DATA_HOME: join(work, 'data'),
  HELM_REGISTRY_CONFIG: join(work, 'registry.json'),
};
const helm = (args: string[]) => run(tool('helm'), args, { env: helmEnv });
let registry: ChildProcess;
let host = '';
let pinned = '';
let apps: Obj[] = [];

before(async () => {
  const port = await freePort();
  host = `127.0.0.1:${port}`;
  const config = join(work, 'registry.yaml');
  writeFileSync(
    config,
    stringify({ version: 0.1, log: { level: 'error' }, storage: { filesystem: { rootdirectory: join(work, 'storage') } }, http: { addr: host } }),
  );
  registry = spawn(tool('registry'), ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://${host}/v2/`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (i > 100) throw new Error('the registry did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  apps = await build('apps');
  pinned = apps.find((o) => o.kind === 'OCIRepository' && o.metadata.name === 'app-chart')!.spec.ref.tag;
});

after(() => registry?.kill());

describe('the shared chart through a real OCI registry', () => {
  let packaged = '';
  it('helm package + helm push to oci://…/platform', async () => {
    const p = await helm(['package', paths.chart, '--destination', work]);
    assert.equal(p.code, 0, p.stderr);
    packaged = join(work, `app-${pinned}.tgz`);
    const push = await helm(['push', packaged, `oci://${host}/platform`, '--plain-http']);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout + push.stderr, new RegExp(`Pushed: ${host.replace(/\./g, '\\.')}/platform/app:${pinned.replace(/\./g, '\\.')}`));
  });

  it('pulled back at the pinned version, byte for byte what was pushed', async () => {
    const dest = mkdtempSync(join(work, 'pull-'));
    const r = await helm(['pull', `oci://${host}/platform/app`, '--version', pinned, '--plain-http', '--destination', dest]);
    assert.equal(r.code, 0, r.stderr);
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    assert.equal(sha(join(dest, `app-${pinned}.tgz`)), sha(packaged));
  });

  for (const app of ['app1', 'app2']) {
    it(`renders ${app} from oci:// with the HelmRelease's settings and values, valid for the pinned schemas`, async () => {
      const hr = apps.find((o) => o.kind === 'HelmRelease' && o.metadata.name === app)!;
      const settings = apps.find((o) => o.kind === 'ConfigMap' && o.metadata.name === hr.spec.valuesFrom[0].name)!;
      const settingsFile = join(work, `${app}-settings.yaml`);
      const valuesFile = join(work, `${app}-values.yaml`);
      writeFileSync(settingsFile, settings.data[hr.spec.valuesFrom[0].valuesKey]);
      writeFileSync(valuesFile, stringify(hr.spec.values));
      const kubeVersion = parse(readFileSync(join(paths.chart, 'values.yaml'), 'utf8')).platform.kubeVersion;
      // Flux's order: valuesFrom first, then spec.values.
      const r = await helm([
        'template',
        hr.spec.releaseName,
        `oci://${host}/platform/app`,
        '--version',
        pinned,
        '--plain-http',
        '--namespace',
        hr.spec.targetNamespace,
        '--kube-version',
        kubeVersion,
        '-f',
        settingsFile,
        '-f',
        valuesFile,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const objects = parseAllDocuments(r.stdout)
        .map((d) => d.toJS() as Obj)
        .filter(Boolean);
      const deploy = objects.find((o) => o.kind === 'Deployment');
      assert.equal(deploy?.metadata.name, app);
      assert.equal(deploy?.metadata.namespace, `${app}-ns`);
      const v = await kubeconform(r.stdout);
      assert.deepEqual(v.problems, []);
      if (app === 'app1') {
        const store = objects.find((o) => o.kind === 'SecretStore')!;
        assert.equal(store.metadata.name, 'app1-vault');
        assert.equal(store.spec.provider.vault.auth.kubernetes.role, 'app1');
        assert.deepEqual(store.spec.provider.vault.auth.kubernetes.serviceAccountRef, { name: 'app1', audiences: ['vault'] });
        assert.equal(store.spec.provider.vault.server, 'http://vault.vault-system.svc.cluster.local:8200');
        const state = objects.find((o) => o.kind === 'Component' && o.metadata.name === 'statestore')!;
        const meta = Object.fromEntries(state.spec.metadata.map((m: { name: string }) => [m.name, m]));
        assert.deepEqual(meta.redisPassword.secretKeyRef, { name: 'redis-credentials', key: 'password' });
        assert.equal(meta.redisUsername.value, 'app1');
        assert.equal(meta.keyPrefix.value, 'appid');
      }
    });
  }
});
