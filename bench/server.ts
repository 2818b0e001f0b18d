/**
 * Benchmark of the throw-away API server (not a test: it prints figures).
 *
 * - ready-to-serve time of the control plane (etcd + kube-apiserver started,
 *   /readyz ok), cold: the two binaries evicted from the page cache first (as
 *   on the first run after a build or a reboot; `dd iflag=nocache` drops only
 *   these two files), and warm: the next runs, median of 3;
 * - `paddock check` of the example apps, offline and with --server (the whole
 *   command as a user runs it, schemas already generated), median of 3.
 *
 * Run: npx tsc -b bench && node bench/dist/server.js
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { paths, tool } from 'paddock/paths.js';
import { ensureSchemas } from 'paddock/schema/generated.js';
import { startControlPlane } from 'paddock/server/control-plane.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function evict(file: string): void {
  execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
}

async function readyOnce(): Promise<{ readyMs: number; totalMs: number }> {
  const started = Date.now();
  const cp = await startControlPlane();
  const totalMs = Date.now() - started;
  await cp.stop();
  return { readyMs: cp.readyMs, totalMs };
}

function checkOnce(extra: string[]): number {
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [join(paths.root, 'packages/paddock/bin/paddock.js'), 'check', 'apps/app1/values.yaml', 'apps/app2/values.yaml', ...extra],
    {
      cwd: paths.root,
      env: { ...process.env, NO_COLOR: '1' },
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`paddock check ${extra.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return Date.now() - started;
}

await ensureSchemas();
execFileSync(join(paths.root, 'tools', 'build.sh'), ['etcd', 'kube-apiserver'], { stdio: 'inherit' });
console.log(
  `kube-apiserver: ${execFileSync(tool('kube-apiserver'), ['--version'], { encoding: 'utf8' }).trim()}, ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores`,
);

evict(tool('kube-apiserver'));
evict(tool('etcd'));
const cold = await readyOnce();
const warm = [await readyOnce(), await readyOnce(), await readyOnce()];
console.log(`--server ready to serve, cold (binaries not in the page cache): ${s(cold.readyMs)} (${s(cold.totalMs)} with certificates and the first /version)`);
console.log(
  `--server ready to serve, warm, median of 3:                     ${s(median(warm.map((w) => w.readyMs)))} (${s(median(warm.map((w) => w.totalMs)))} with certificates and the first /version)`,
);

const offline = [checkOnce([]), checkOnce([]), checkOnce([])];
const server = [checkOnce(['--server']), checkOnce(['--server']), checkOnce(['--server'])];
console.log(`paddock check app1 app2, offline, median of 3:                  ${s(median(offline))}`);
console.log(`paddock check app1 app2 --server, median of 3:                  ${s(median(server))} (start, CRDs + policies + namespaces, ${'dry runs'}, stop)`);
console.log(`ratio --server / offline: ${(median(server) / median(offline)).toFixed(1)}×`);
