/**
 * Benchmark of `paddock dev` (not a test: it prints figures).
 *
 *  1. warm start: from launching `paddock dev apps/app1 apps/app2` to both apps
 *     and both sidecars healthy (daprd built, dependencies installed);
 *  2. added latency of a call through both sidecars (app2's sidecar ->
 *     app1's sidecar -> app1) over a direct call to app1, p50/p90/p99;
 *  3. daprd resident memory (VmRSS) per app, idle and under that load, and
 *     the session's Dapr Sentry (mTLS between the sidecars) idle.
 *
 * Run: npx tsc -p bench && node bench/dist/dev.js [--requests 3000] [--starts 3]
 * Everything runs on loopback; every process started is stopped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = [process.env.PADDOCK_HOME ?? '', resolve(here, '..'), resolve(here, '..', '..')].find((d) => {
  try {
    readFileSync(join(d, 'charts', 'app', 'Chart.yaml'));
    return true;
  } catch {
    return false;
  }
})!;
const cli = join(root, 'packages', 'paddock', 'bin', 'paddock.js');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const REQUESTS = arg('requests', 3000);
const STARTS = arg('starts', 3);
const WARMUP = 300;

interface AppStatus {
  name: string;
  url: string;
  daprHttpPort: number;
  daprdPid: number;
  pid: number;
}

interface Running {
  proc: ChildProcess;
  apps: Record<string, AppStatus>;
  ms: number;
}

function startDev(stateDir: string): Promise<Running> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [cli, 'dev', 'apps/app1', 'apps/app2', '--json', '--free-ports', '--state-dir', stateDir], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((res, rej) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) {
        const doc = JSON.parse(line) as { apps: AppStatus[] };
        res({ proc, apps: Object.fromEntries(doc.apps.map((a) => [a.name, a])), ms: performance.now() - t0 });
      }
    });
    proc.once('exit', (code) => rej(new Error(`paddock dev exited (${code}):\n${err}`)));
  });
}

function stopDev(r: Running): Promise<void> {
  return new Promise((res) => {
    if (r.proc.exitCode !== null) return res();
    r.proc.once('exit', () => res());
    r.proc.kill('SIGTERM');
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET on a kept-alive connection; resolves to the time it took, in ms. */
function timedGet(url: string): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint();
    const req = request(url, { agent }, (resp) => {
      resp.resume();
      resp.on('end', () => {
        if (resp.statusCode !== 200) return rej(new Error(`${url}: HTTP ${resp.statusCode}`));
        res(Number(process.hrtime.bigint() - t0) / 1e6);
      });
    });
    req.on('error', rej);
    req.end();
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Resident memory in MiB: total, anonymous (the process's own) and file-backed (daprd's binary, shared and reclaimable). */
interface Rss {
  total: number;
  anon: number;
  file: number;
}
function rss(pid: number): Rss {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  return { total: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}
function maxRss(a: Rss, b: Rss): Rss {
  return { total: Math.max(a.total, b.total), anon: Math.max(a.anon, b.anon), file: Math.max(a.file, b.file) };
}
/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

const showRss = (r: Rss): string => `${r.total.toFixed(1)} MiB (anon ${r.anon.toFixed(1)}, file ${r.file.toFixed(1)})`;

const f = (n: number, d = 2): string => n.toFixed(d);

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'paddock-bench-'));
  const results: Record<string, unknown> = { requests: REQUESTS };
  try {
    // 1. Warm starts (the first run also makes sure everything is installed).
    const first = await startDev(stateDir);
    await stopDev(first);
    const starts: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const r = await startDev(stateDir);
      starts.push(r.ms);
      await stopDev(r);
    }
    starts.sort((a, b) => a - b);
    results.warmStartMs = { min: starts[0], median: pct(starts, 50), max: starts.at(-1) };
    console.log(
      `warm start to both apps healthy: median ${f(pct(starts, 50) / 1000)} s (min ${f(starts[0]! / 1000)}, max ${f(starts.at(-1)! / 1000)}, ${STARTS} runs)`,
    );

    // 2 and 3. Latency and memory, on one running session.
    const r = await startDev(stateDir);
    try {
      const app1 = r.apps.app1!;
      const app2 = r.apps.app2!;
      await new Promise((s) => setTimeout(s, 5000)); // let the sidecars settle
      const idle = { app1: rss(app1.daprdPid), app2: rss(app2.daprdPid) };
      // The session's other process group besides the apps and sidecars: Sentry.
      const status = JSON.parse(readFileSync(join(stateDir, 'dev', 'status.json'), 'utf8')) as { processes: number[] };
      const sentryPid = status.processes.find((p) => ![app1.pid, app1.daprdPid, app2.pid, app2.daprdPid].includes(p));
      const sentryIdle = sentryPid ? rss(sentryPid) : undefined;

      const direct = `http://127.0.0.1:${new URL(app1.url).port}/health`;
      const viaDapr = `http://127.0.0.1:${app2.daprHttpPort}/v1.0/invoke/app1.app1-ns/method/health`;
      for (let i = 0; i < WARMUP; i++) {
        await timedGet(direct);
        await timedGet(viaDapr);
      }
      const d: number[] = [];
      const v: number[] = [];
      const cpu0 = { app1: cpuSeconds(app1.daprdPid), app2: cpuSeconds(app2.daprdPid), t: performance.now() };
      const zero: Rss = { total: 0, anon: 0, file: 0 };
      const peak = { app1: zero, app2: zero };
      for (let i = 0; i < REQUESTS; i++) {
        // Interleaved, so both series see the same machine conditions.
        d.push(await timedGet(direct));
        v.push(await timedGet(viaDapr));
        if (i % 250 === 0) {
          peak.app1 = maxRss(peak.app1, rss(app1.daprdPid));
          peak.app2 = maxRss(peak.app2, rss(app2.daprdPid));
        }
      }
      peak.app1 = maxRss(peak.app1, rss(app1.daprdPid));
      peak.app2 = maxRss(peak.app2, rss(app2.daprdPid));
      const wall = (performance.now() - cpu0.t) / 1000;
      const cpu = {
        app1Millicores: ((cpuSeconds(app1.daprdPid) - cpu0.app1) / wall) * 1000,
        app2Millicores: ((cpuSeconds(app2.daprdPid) - cpu0.app2) / wall) * 1000,
        viaDaprPerSecond: REQUESTS / wall,
      };
      results.daprdCpuUnderLoad = cpu;
      d.sort((a, b) => a - b);
      v.sort((a, b) => a - b);
      const lat: Record<string, { direct: number; viaDapr: number; added: number }> = {};
      for (const p of [50, 90, 99]) lat[`p${p}`] = { direct: pct(d, p), viaDapr: pct(v, p), added: pct(v, p) - pct(d, p) };
      results.latencyMs = lat;
      results.daprdRssMiB = { idle, underLoad: peak };
      results.sentryRssMiB = sentryIdle;

      console.log(`latency over ${REQUESTS} sequential GET /health (ms):`);
      console.log('          direct   via both sidecars   added');
      for (const [k, x] of Object.entries(lat))
        console.log(`  ${k.padEnd(5)} ${f(x.direct).padStart(8)}   ${f(x.viaDapr).padStart(17)}   ${f(x.added).padStart(5)}`);
      console.log(`daprd RSS idle:       app1 ${showRss(idle.app1)}, app2 ${showRss(idle.app2)}`);
      if (sentryIdle) console.log(`sentry RSS idle:      ${showRss(sentryIdle)}`);
      console.log(
        `daprd CPU under load: app1 ${f(cpu.app1Millicores, 0)}m, app2 ${f(cpu.app2Millicores, 0)}m at ${f(cpu.viaDaprPerSecond, 0)} calls/s through the sidecars (plus as many direct)`,
      );
      console.log(`daprd RSS under load: app1 ${showRss(peak.app1)}, app2 ${showRss(peak.app2)} (peak of samples)`);
    } finally {
      await stopDev(r);
    }
  } finally {
    agent.destroy();
    rmSync(stateDir, { recursive: true, force: true });
  }
  mkdirSync(join(root, 'bench', 'out'), { recursive: true });
  writeFileSync(join(root, 'bench', 'out', 'dev.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results));
}

await main();
