/**
 * A throw-away Kubernetes control plane on loopback: the pinned etcd and
 * kube-apiserver (tools/bin, built by tools/build.sh), no nodes, no
 * controllers. Free ports, a fresh data folder, certificates and a token made
 * for this run only. Stopped and removed on stop(), on exit, on Ctrl-C and
 * SIGTERM; a small guard process removes it too if paddock itself is killed.
 *
 * The one implementation: `paddock check --server`, the schema generator and
 * the tests (test/lib/apiserver.ts) all start the control plane here.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../dev/ports.js';
import { tool } from '../paths.js';
import { UserError } from '../report/errors.js';
import { KubeClient, type Connection } from './client.js';

const pexec = promisify(execFile);

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  url: string;
  /** Its data folder (certificates, etcd data, logs, kubeconfig); gone after stop(). */
  dir: string;
  /** A kubeconfig for a cluster-admin (group system:masters) token user. */
  kubeconfig: string;
  connection: Connection;
  client: KubeClient;
  /** The API server's version, as /version reports it (`v1.35.8`). */
  version: string;
  /** Milliseconds from the first process start to /readyz answering ok. */
  readyMs: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Progress lines (stderr in the CLI). */
  say?: (line: string) => void;
  /** Binaries; default tools/bin/{etcd,kube-apiserver}. */
  etcd?: string;
  apiserver?: string;
  timeoutMs?: number;
  /** More kube-apiserver flags (a test that judges the policies alone turns Pod Security admission off). */
  apiserverArgs?: string[];
}

interface Live {
  children: ChildProcess[];
  dir: string;
  guard?: ChildProcess;
}

const live = new Set<Live>();
let handlersInstalled = false;

/** Synchronous last resort (process 'exit'): kill and remove whatever is still there. */
function killAllSync(): void {
  for (const l of live) {
    for (const c of l.children) signal(c, 'SIGKILL');
    rmSync(l.dir, { recursive: true, force: true });
    if (l.guard) signal(l.guard, 'SIGKILL');
  }
  live.clear();
}

function signal(c: ChildProcess, sig: NodeJS.Signals): void {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
  try {
    process.kill(-c.pid, sig);
  } catch {
    /* already gone */
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllSync);
  const codes: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  for (const [sig, code] of Object.entries(codes) as [NodeJS.Signals, number][]) {
    process.on(sig, () => {
      // Stop in order (API server first, so it does not log etcd errors), then leave with the signal's code.
      void Promise.all([...live].map(stopLive)).finally(() => process.exit(code));
    });
  }
}

function exited(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => c.once('exit', () => resolve()));
}

async function stopChild(c: ChildProcess, graceMs = 10_000): Promise<void> {
  signal(c, 'SIGTERM');
  const timer = setTimeout(() => signal(c, 'SIGKILL'), graceMs);
  await exited(c);
  clearTimeout(timer);
}

async function stopLive(l: Live): Promise<void> {
  if (!live.has(l)) return;
  live.delete(l);
  for (const c of [...l.children].reverse()) await stopChild(c);
  rmSync(l.dir, { recursive: true, force: true });
  if (l.guard) signal(l.guard, 'SIGKILL');
}

/**
 * If this process dies without running its handlers (SIGKILL), the guard
 * kills the two servers and removes the folder within a second or so.
 */
function startGuard(l: Live): ChildProcess {
  const pids = l.children
    .map((c) => c.pid)
    .filter(Boolean)
    .join(' ');
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; for p in ${pids}; do kill -KILL -$p 2>/dev/null || kill -KILL $p 2>/dev/null; done; rm -rf '${l.dir}'`;
  const g = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  g.unref();
  return g;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await pexec('openssl', args, { cwd: dir });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new UserError(
        "openssl is not installed; paddock needs it to make the throw-away API server's certificates",
        'Install it (Debian/Ubuntu: apt-get install openssl).',
      );
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() ?? e.message}`);
  }
}

/** A CA, a serving certificate for 127.0.0.1 signed by it, and the service-account signing key pair. */
async function makeCredentials(dir: string): Promise<{ token: string }> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=paddock-throwaway-ca', '-days', '2']);
  await openssl(dir, ['req', ...ec, '-keyout', 'serving.key', '-out', 'serving.csr', '-subj', '/CN=kube-apiserver']);
  writeFileSync(join(dir, 'serving.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n');
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    'serving.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'serving.ext',
    '-out',
    'serving.crt',
  ]);
  const sa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(join(dir, 'sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},paddock-admin,paddock-admin,"system:masters"\n`, { mode: 0o600 });
  return { token };
}

function spawnLogged(file: string, args: string[], log: string): ChildProcess {
  const fd = openSync(log, 'a');
  try {
    // Its own process group: Ctrl-C reaches paddock, which stops the servers in order.
    return spawn(file, args, { detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
}

function tail(file: string, n = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function etcdArgs(dir: string, client: number, peer: number): string[] {
  return [
    '--name',
    'paddock',
    '--data-dir',
    join(dir, 'etcd'),
    '--listen-client-urls',
    `http://127.0.0.1:${client}`,
    '--advertise-client-urls',
    `http://127.0.0.1:${client}`,
    '--listen-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--initial-cluster',
    `paddock=http://127.0.0.1:${peer}`,
    '--unsafe-no-fsync',
    '--log-level',
    'warn',
  ];
}

function apiserverArgs(dir: string, etcdClient: number, port: number, extra: string[]): string[] {
  return [
    '--etcd-servers',
    `http://127.0.0.1:${etcdClient}`,
    '--bind-address',
    '127.0.0.1',
    '--advertise-address',
    '127.0.0.1',
    '--secure-port',
    String(port),
    '--tls-cert-file',
    join(dir, 'serving.crt'),
    '--tls-private-key-file',
    join(dir, 'serving.key'),
    '--cert-dir',
    join(dir, 'certs'),
    '--anonymous-auth=false',
    '--token-auth-file',
    join(dir, 'tokens.csv'),
    // RBAC, as in a real cluster: the identities paddock impersonates get only what it grants them.
    '--authorization-mode',
    'RBAC',
    '--service-account-issuer',
    'https://kubernetes.default.svc.cluster.local',
    '--service-account-key-file',
    join(dir, 'sa.pub'),
    '--service-account-signing-key-file',
    join(dir, 'sa.key'),
    '--service-cluster-ip-range',
    '10.96.0.0/16',
    '--profiling=false',
    ...extra,
  ];
}

function writeKubeconfig(dir: string, url: string, token: string): string {
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: paddock',
      '  cluster:',
      `    server: ${url}`,
      `    certificate-authority: ${join(dir, 'ca.crt')}`,
      'users:',
      '- name: paddock-admin',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: paddock',
      '  context: {cluster: paddock, user: paddock-admin}',
      'current-context: paddock',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return kubeconfig;
}

/** Polls /readyz until it says ok; fails with the servers' last log lines when either exits or the time is up. */
async function waitReady(client: KubeClient, etcd: ChildProcess, apiserver: ChildProcess, dir: string, timeoutMs: number): Promise<void> {
  const failed = (what: string): Error => {
    const logs = ['etcd.log', 'kube-apiserver.log'].map((f) => [f, tail(join(dir, f))] as const).filter(([, t]) => t);
    return new Error(`${what}${logs.map(([f, t]) => `\nlast lines of ${f}:\n${t}`).join('')}`);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (etcd.exitCode !== null || etcd.signalCode !== null) throw failed('etcd exited during start-up');
    if (apiserver.exitCode !== null || apiserver.signalCode !== null) throw failed('kube-apiserver exited during start-up');
    const r = await client.request('GET', '/readyz', undefined, { timeoutMs: 2000 }).catch(() => undefined);
    if (r?.status === 200) return;
    if (Date.now() > deadline) throw failed(`kube-apiserver not ready after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(100);
  }
}

/** Starts etcd and kube-apiserver and resolves once /readyz says ok. */
export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  const say = opts.say ?? (() => {});
  const etcdBin = opts.etcd ?? tool('etcd');
  const apiserverBin = opts.apiserver ?? tool('kube-apiserver');
  for (const b of [etcdBin, apiserverBin]) {
    if (!existsSync(b))
      throw new UserError(
        `${b} is not installed`,
        'Run `make setup` (or tools/build.sh kube-apiserver etcd) in the repository root; it builds the pinned API server.',
      );
  }
  installHandlers();
  const dir = mkdtempSync(join(tmpdir(), 'paddock-apiserver-'));
  const l: Live = { children: [], dir };
  live.add(l);
  const stop = () => stopLive(l);
  try {
    const { token } = await makeCredentials(dir);
    const [etcdClient, etcdPeer, port] = [await freePort(), await freePort(), await freePort()];
    const started = Date.now();
    const etcd = spawnLogged(etcdBin, etcdArgs(dir, etcdClient, etcdPeer), join(dir, 'etcd.log'));
    l.children.push(etcd);
    const apiserver = spawnLogged(apiserverBin, apiserverArgs(dir, etcdClient, port, opts.apiserverArgs ?? []), join(dir, 'kube-apiserver.log'));
    l.children.push(apiserver);
    l.guard = startGuard(l);

    const url = `https://127.0.0.1:${port}`;
    const connection: Connection = { server: url, ca: readFileSync(join(dir, 'ca.crt')), token };
    const client = new KubeClient(connection);
    await waitReady(client, etcd, apiserver, dir, opts.timeoutMs ?? 120_000);
    const readyMs = Date.now() - started;
    const version = String((await client.request('GET', '/version')).body?.gitVersion ?? '');
    const kubeconfig = writeKubeconfig(dir, url, token);
    say(`kube-apiserver ${version} ready at ${url} after ${(readyMs / 1000).toFixed(1)} s`);
    return { url, dir, kubeconfig, connection, client, version, readyMs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
