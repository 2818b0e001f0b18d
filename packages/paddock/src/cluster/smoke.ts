import { spawn } from 'node:child_process';
import { exec } from './runner.js';
import { CLUSTER } from './versions.js';

/** One smoke check's outcome. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

const kubectl = (...args: string[]): string[] => ['kubectl', '--context', CLUSTER.context, ...args];

/** Forward a local port to svc/<app> in <app>-ns; resolves with the base URL and a stop function. */
function portForward(app: string): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = kubectl('port-forward', '-n', `${app}-ns`, `svc/${app}`, ':80');
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`kubectl port-forward to ${app} did not start`));
    }, 30000);
    child.stdout.on('data', (d: Buffer) => {
      const m = /127\.0\.0\.1:(\d+)/.exec(d.toString());
      if (m) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${m[1]}`, stop: () => child.kill() });
      }
    });
    child.on('error', (err) => reject(err));
  });
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: res.status, body };
}

type Check = () => Promise<string>;

async function runChecks(list: [string, Check][]): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const [name, check] of list) {
    try {
      out.push({ name, ok: true, detail: await check() });
    } catch (err) {
      out.push({ name, ok: false, detail: (err as Error).message });
    }
  }
  return out;
}

function expect(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}

/** The seed's test:app1 and test:app2, with assertions, plus the isolation the platform promises. */
export async function smokeTests(): Promise<CheckResult[]> {
  const app1 = await portForward('app1');
  const app2 = await portForward('app2').catch((err: Error) => {
    app1.stop();
    throw err;
  });
  const ids: string[] = [];
  const classify =
    (base: string, path: string, message: string, want: string): Check =>
    async () => {
      const r = await json(`${base}${path}`, { method: 'POST', body: JSON.stringify({ message }) });
      const body = r.body as { id?: string; classification?: string };
      expect(r.status === 200, `HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
      expect(body.classification === want, `classified as ${body.classification}, expected ${want}`);
      if (body.id) ids.push(body.id);
      return `${body.classification} (${body.id})`;
    };
  const historyHas =
    (base: string, path: string): Check =>
    async () => {
      const r = await json(`${base}${path}`);
      expect(r.status === 200 && Array.isArray(r.body), `HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
      const got = (r.body as { id?: string }[]).map((e) => e.id);
      const missing = ids.filter((id) => !got.includes(id));
      expect(missing.length === 0, `history lacks ${missing.join(', ')}`);
      return `${got.length} entries, all ${ids.length} new ones present`;
    };
  const health =
    (base: string): Check =>
    async () => {
      const r = await json(`${base}/health`);
      expect(r.status === 200, `HTTP ${r.status}`);
      return 'HTTP 200';
    };
  try {
    return await runChecks([
      ['app1: health', health(app1.url)],
      ['app1: classify a bug report', classify(app1.url, '/classify', 'the login page is broken', 'bug')],
      ['app1: classify a feature request', classify(app1.url, '/classify', 'I want to add dark mode', 'feature_request')],
      ['app1: history (Redis through Dapr state)', historyHas(app1.url, '/history')],
      ['app2: health', health(app2.url)],
      [
        'app2 → app1: classify through Dapr service invocation (mTLS, access control)',
        classify(app2.url, '/api/classify', 'the database keeps crashing', 'bug'),
      ],
      ['app2 → app1: history through Dapr service invocation', historyHas(app2.url, '/api/history')],
      ['app1 runs on its own node pool', onOwnPool('app1')],
      ['app2 runs on its own node pool', onOwnPool('app2')],
      ["app1's Redis user cannot touch app2's keys", redisIsolation('app1', 'app2')],
      ["app2's Vault role cannot read app1's secrets", vaultIsolation('app2', 'app1')],
    ]);
  } finally {
    app1.stop();
    app2.stop();
  }
}

function onOwnPool(app: string): Check {
  return async () => {
    const pods = await exec(kubectl('get', 'pods', '-n', `${app}-ns`, '-l', `app.kubernetes.io/name=${app}`, '-o', 'jsonpath={.items[*].spec.nodeName}'));
    const nodes = pods.stdout.trim().split(/\s+/).filter(Boolean);
    expect(nodes.length > 0, 'no pods found');
    for (const node of nodes) {
      const pool = await exec(kubectl('get', 'node', node, '-o', 'jsonpath={.metadata.labels.paddock\\.dev/nodepool}'));
      expect(pool.stdout.trim() === app, `pod on ${node}, whose pool is "${pool.stdout.trim()}"`);
    }
    return `on ${[...new Set(nodes)].join(', ')}`;
  };
}

function redisIsolation(app: string, other: string): Check {
  return async () => {
    const pw = await exec(kubectl('get', 'secret', 'redis-credentials', '-n', `${app}-ns`, '-o', 'jsonpath={.data.password}'));
    expect(pw.code === 0 && pw.stdout.length > 0, `no redis-credentials Secret in ${app}-ns`);
    const password = Buffer.from(pw.stdout, 'base64').toString();
    const redis = (...command: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      exec(kubectl('exec', '-n', 'redis-system', 'deploy/redis', '--', 'redis-cli', '--no-auth-warning', '--user', app, '--pass', password, ...command));
    const own = await redis('HSET', `${app}||smoke`, 'data', 'ok');
    expect(/^[01]$/.test(own.stdout.trim()), `${app} cannot write its own keys: ${own.stdout.trim()}`);
    const r = await redis('HGET', `${other}||smoke`, 'data');
    expect(/NOPERM/.test(r.stdout + r.stderr), `expected NOPERM, got: ${(r.stdout + r.stderr).trim().slice(0, 200)}`);
    return "own keys writable, the other app's refused (NOPERM)";
  };
}

function vaultIsolation(app: string, other: string): Check {
  return async () => {
    const jwt = await exec(kubectl('create', 'token', app, '-n', `${app}-ns`, '--audience', 'vault', '--duration', '10m'));
    expect(jwt.code === 0, `cannot create a token for ${app}: ${jwt.stderr.trim()}`);
    const vault = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      exec(kubectl('exec', '-n', 'vault-system', 'deploy/vault', '--', 'env', 'VAULT_ADDR=http://127.0.0.1:8200', 'vault', ...args));
    const login = await vault('write', '-field=token', 'auth/kubernetes/login', `role=${app}`, `jwt=${jwt.stdout.trim()}`);
    expect(login.code === 0, `${app} cannot log in to Vault: ${login.stderr.trim().slice(0, 200)}`);
    const token = login.stdout.trim();
    const theirs = await exec(
      kubectl(
        'exec',
        '-n',
        'vault-system',
        'deploy/vault',
        '--',
        'env',
        'VAULT_ADDR=http://127.0.0.1:8200',
        `VAULT_TOKEN=${token}`,
        'vault',
        'kv',
        'get',
        `secret/dapr/${other}`,
      ),
    );
    expect(theirs.code !== 0 && /permission denied|403/.test(theirs.stderr), `expected permission denied, got exit ${theirs.code}`);
    return `${app} logs in with its own role; secret/dapr/${other} is denied`;
  };
}
