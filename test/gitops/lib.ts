import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { freePort } from 'paddock/dev/ports.js';
import { paths, tool } from 'paddock/paths.js';
import { kubeconformArgs } from 'paddock/schema/index.js';
import { run } from 'paddock/run.js';

export const platform = paths.platform;
const cli = join(paths.root, 'packages', 'paddock', 'bin', 'paddock.js');

/** The Flux Kustomization paths of the kind cluster, and the entry point the bootstrap applies. */
export const FLUX_PATHS = ['clusters/kind', 'clusters/kind/flux-system', 'infrastructure/controllers', 'infrastructure/configs', 'apps'];
/** The paths Flux reconciles instead where images and charts are built here (test/gitops/airgapped.test.ts checks them). */
export const AIRGAPPED_FLUX_PATHS = ['clusters/kind-airgapped', 'clusters/kind-airgapped/controllers', 'clusters/kind-airgapped/prometheus'];

export type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: any;
  [k: string]: any;
};

/** The real kustomize, pinned in tools/versions.env (tools/build.sh builds it when missing; warm, it costs milliseconds). */
export function kustomize(): string {
  execFileSync(join(paths.root, 'tools', 'build.sh'), ['kustomize'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return tool('kustomize');
}

/** `kustomize build <root>/<dir>` parsed into objects. */
export async function build(dir: string, root = platform): Promise<Obj[]> {
  const r = await run(kustomize(), ['build', join(root, dir)]);
  if (r.code !== 0) throw new Error(`kustomize build ${dir} failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
}

/** kubeconform -strict against the generated schemas (the pinned CRDs and Kubernetes); a missing schema counts as a failure. */
export async function kubeconform(stream: string): Promise<{ ok: boolean; problems: string[]; checked: number }> {
  const r = await run(tool('kubeconform'), kubeconformArgs(), { input: stream });
  const out = JSON.parse(r.stdout) as {
    resources?: { kind: string; name: string; status: string; msg: string; validationErrors?: { path: string; msg: string }[] }[];
    summary?: { valid: number };
  };
  const problems = (out.resources ?? [])
    .filter((x) => x.status !== 'statusValid')
    .map((x) => `${x.kind}/${x.name}: ${x.status} ${x.msg} ${(x.validationErrors ?? []).map((e) => `${e.path}: ${e.msg}`).join('; ')}`);
  return { ok: problems.length === 0, problems, checked: out.summary?.valid ?? 0 };
}

/** A throw-away copy of platform/ for tests that change the tree. */
export function copyOfPlatform(): string {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-gitops-'));
  cpSync(platform, join(dir, 'platform'), { recursive: true });
  return join(dir, 'platform');
}

export async function paddock(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [cli, ...args], { cwd: paths.root, env: { ...env, NO_COLOR: '1' } });
}

/** What Pod Security "restricted" would refuse in a pod template (the checks that concern these manifests). */
export function restrictedProblems(name: string, pod: any): string[] {
  const out: string[] = [];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) out.push(`${name}: host namespaces`);
  for (const v of pod.volumes ?? []) if (v.hostPath) out.push(`${name}: hostPath volume ${v.name}`);
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    const sc = c.securityContext ?? {};
    const where = `${name}/${c.name}`;
    if ((sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true) out.push(`${where}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? pod.securityContext?.runAsUser) === 0) out.push(`${where}: runs as user 0`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${where}: allowPrivilegeEscalation is not false`);
    if (!sc.capabilities?.drop?.includes('ALL')) out.push(`${where}: does not drop ALL capabilities`);
    if ((sc.capabilities?.add ?? []).some((x: string) => x !== 'NET_BIND_SERVICE')) out.push(`${where}: adds capabilities`);
    if (sc.privileged) out.push(`${where}: privileged`);
    const seccomp = (sc.seccompProfile ?? pod.securityContext?.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${where}: no RuntimeDefault seccomp profile`);
  }
  return out;
}

const pexec = promisify(execFile);

/**
 * redis-cli on a port, as a user (or none); never throws, returns the reply
 * text. A command that would block (SUBSCRIBE, MONITOR once allowed) is
 * stopped after 10 seconds, with what it printed so far.
 */
export async function redisCli(port: number, user: string | undefined, pass: string | undefined, ...args: string[]): Promise<string> {
  const auth = user ? ['--user', user, '--pass', pass ?? '', '--no-auth-warning'] : [];
  const r = await pexec('redis-cli', ['-p', String(port), ...auth, ...args], { timeout: 10_000 }).catch((e: { stdout?: string; stderr?: string }) => ({
    stdout: e.stdout ?? '',
    stderr: e.stderr ?? '',
  }));
  return `${r.stdout}${r.stderr}`.trim();
}

/**
 * A real redis-server started by the Redis Deployment's own start-up script
 * (platform/infrastructure/configs/redis), its /data volume moved to a
 * temporary folder, on a loopback port.
 */
export async function startRedisLikeTheDeployment(adminPassword: string): Promise<{ port: number; process: ChildProcess }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'paddock-redis-'));
  const deploy = (await build('infrastructure/configs/redis')).find((o) => o.kind === 'Deployment')!;
  const start = (deploy.spec.template.spec.containers[0].args[0] as string)
    .replaceAll('/data', dir)
    .replace('exec redis-server', `exec redis-server --port ${port} --bind 127.0.0.1`);
  const child = spawn('sh', ['-c', start], { env: { ...process.env, REDIS_ADMIN_PASSWORD: adminPassword }, stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if ((await redisCli(port, 'admin', adminPassword, 'PING')) === 'PONG') return { port, process: child };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('redis-server did not start');
}

export { freePort };
