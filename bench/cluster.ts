/**
 * Figures of the live cluster (not a test: it prints figures). Needs the
 * cluster `make e2e` leaves with PADDOCK_E2E_KEEP=1 (or `paddock cluster up`)
 * with the seed's app1 and app2 running.
 *
 *  1. the e2e run's step times (.cache/cluster/logs/e2e-figures.txt: cold or
 *     warm, as that run was) and each image's build time (its build logs);
 *  2. the cluster's memory: each node container, and the host's;
 *  3. the injected sidecar (the full daprd) in app1's and app2's pods: memory
 *     and CPU from the Metrics API, idle and under load (app2 → app1 through
 *     both sidecars, from app2's container), against the chart's requests
 *     and limits;
 *  4. latency of app2 → app1 through both sidecars (mTLS, a node-to-node
 *     hop) beside app1's /health called inside its own pod, p50/p90/p99.
 *
 * Run: npx tsc -b bench && node bench/dist/cluster.js [--seconds 60] [--requests 2000]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectl, kubectlJson } from 'paddock/cluster/kubectl.js';
import { appPods, liveApps } from 'paddock/cluster/live-apps.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SECONDS = arg('seconds', 60);
const REQUESTS = arg('requests', 2000);
const say = (s: string) => process.stdout.write(`${s}\n`);

// A load and latency client for the app's own container (node, as app2's image has; python3 for app1's).
const NODE_CLIENT = `const [mode,url,a,b]=process.argv.slice(1);const now=()=>Number(process.hrtime.bigint())/1e6;
(async()=>{if(mode==='lat'){const t=[];for(let i=0;i<+a+50;i++){const s=now();const r=await fetch(url);await r.text();if(!r.ok)throw new Error('HTTP '+r.status);if(i>=50)t.push(now()-s)}console.log(JSON.stringify(t))}
else{const end=Date.now()+(+a)*1000;let n=0,bad=0;await Promise.all(Array.from({length:+b},async()=>{while(Date.now()<end){const r=await fetch(url).catch(()=>null);if(r){await r.text();r.ok?n++:bad++}else bad++}}));console.log(JSON.stringify({n,bad}))}})()`;
const PY_CLIENT = `import json,sys,time,urllib.request
url,n=sys.argv[1],int(sys.argv[2]);t=[]
for i in range(n+50):
  s=time.perf_counter();urllib.request.urlopen(url).read()
  if i>=50:t.append((time.perf_counter()-s)*1000)
print(json.dumps(t))`;

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;
const signed = (x: number) => `${x < 0 ? '−' : '+'}${ms(Math.abs(x))}`;

async function inApp(ns: string, pod: string, argv: string[]): Promise<string> {
  const r = await kubectl(['exec', '-n', ns, pod, '-c', 'app', '--', ...argv]);
  if (r.code !== 0) throw new Error(`${pod}: ${r.stderr.trim()}`);
  return r.stdout;
}

interface Top {
  containers: { name: string; usage: { cpu: string; memory: string } }[];
}
const milli = (cpu: string) =>
  cpu.endsWith('n')
    ? Number(cpu.slice(0, -1)) / 1e6
    : cpu.endsWith('u')
      ? Number(cpu.slice(0, -1)) / 1e3
      : cpu.endsWith('m')
        ? Number(cpu.slice(0, -1))
        : Number(cpu) * 1000;
const mib = (mem: string) => (mem.endsWith('Ki') ? Number(mem.slice(0, -2)) / 1024 : mem.endsWith('Mi') ? Number(mem.slice(0, -2)) : Number(mem) / 1048576);

async function sidecarUsage(ns: string, pod: string): Promise<{ cpu: number; mem: number } | undefined> {
  const r = await kubectl(['get', '--raw', `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods/${pod}`]);
  if (r.code !== 0) return undefined;
  const d = (JSON.parse(r.stdout) as Top).containers.find((c) => c.name === 'daprd');
  return d ? { cpu: milli(d.usage.cpu), mem: mib(d.usage.memory) } : undefined;
}

function imageBuildTimes(): void {
  const logs = join(root, '.cache', 'cluster', 'logs');
  const figures = join(logs, 'e2e-figures.txt');
  say('\n## make e2e, as its last run went');
  say(existsSync(figures) ? readFileSync(figures, 'utf8').trimEnd() : '(no e2e-figures.txt: run make e2e first)');
  const builds = existsSync(logs) ? readdirSync(logs).filter((f) => f.startsWith('image-') && f.endsWith('.log')) : [];
  if (builds.length) {
    say('\n## image build logs (the last build of each; time from the log file)');
    const untimed: string[] = [];
    for (const f of builds.sort()) {
      const text = readFileSync(join(logs, f), 'utf8');
      const took = /in (\d+) s\b/.exec(text.split('\n').reverse().join('\n'))?.[1];
      const name = f.replace(/^image-|\.log$/g, '');
      if (took) say(`  ${name.padEnd(28)} ${took} s`);
      else untimed.push(name);
    }
    if (untimed.length) say(`  no build time logged (cached, or an import step): ${untimed.join(', ')}`);
  }
}

function clusterMemory(): void {
  say("\n## the cluster's memory");
  const stats = execFileSync('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}'], { encoding: 'utf8' });
  for (const line of stats.split('\n').filter((l) => l.startsWith('paddock-'))) say(`  ${line}`);
  const mem = readFileSync('/proc/meminfo', 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(mem)?.[1] ?? 0);
  say(`  host: ${((kb('MemTotal') - kb('MemAvailable')) / 1048576).toFixed(1)} GiB in use of ${(kb('MemTotal') / 1048576).toFixed(1)} GiB`);
}

async function main(): Promise<void> {
  imageBuildTimes();
  clusterMemory();
  const apps = await liveApps();
  const app1 = apps.find((a) => a.name === 'app1');
  const app2 = apps.find((a) => a.name === 'app2');
  if (!app1 || !app2) throw new Error('the seed apps app1 and app2 do not run on this cluster');
  const [p1] = (await appPods(app1)).filter((p) => p.ready);
  const [p2] = (await appPods(app2)).filter((p) => p.ready);
  if (!p1 || !p2) throw new Error('app1 or app2 has no Ready pod');
  const via = `http://127.0.0.1:3500/v1.0/invoke/app1.app1-ns/method${app1.healthPath}`;

  say('\n## the injected sidecar (full daprd), Metrics API (metrics-server)');
  const settings =
    (await kubectlJson<{ data: Record<string, string> }>(['get', 'configmap', 'paddock-platform-settings', '-n', 'flux-system'])).data['values.yaml'] ?? '';
  const sized = /sidecar:\s*\n\s*requests: (.*)\n\s*limits: (.*)/.exec(settings);
  say(`  the chart's sizing: requests ${sized?.[1] ?? '(chart default)'}, limits ${sized?.[2] ?? '(chart default)'}`);
  for (const [label, ns, pod] of [
    ['app1', app1.namespace, p1.name],
    ['app2', app2.namespace, p2.name],
  ] as const) {
    const u = await sidecarUsage(ns, pod);
    say(`  ${label} daprd idle: ${u ? `${u.cpu.toFixed(0)}m CPU, ${u.mem.toFixed(1)} MiB` : '(no metrics yet)'}`);
  }
  say(`  under load: app2 → app1 through both sidecars, 16 concurrent, ${SECONDS} s…`);
  const load = inApp(app2.namespace, p2.name, ['node', '-e', NODE_CLIENT, 'load', via, String(SECONDS), '16']);
  const peak = { app1: { cpu: 0, mem: 0 }, app2: { cpu: 0, mem: 0 } };
  const started = Date.now();
  while (Date.now() - started < SECONDS * 1000) {
    await new Promise((r) => setTimeout(r, 10_000));
    for (const [label, ns, pod] of [
      ['app1', app1.namespace, p1.name],
      ['app2', app2.namespace, p2.name],
    ] as const) {
      const u = await sidecarUsage(ns, pod);
      if (u) peak[label] = { cpu: Math.max(peak[label].cpu, u.cpu), mem: Math.max(peak[label].mem, u.mem) };
    }
  }
  const done = JSON.parse(await load) as { n: number; bad: number };
  say(`  ${done.n} calls (${(done.n / SECONDS).toFixed(0)}/s), ${done.bad} failed`);
  for (const label of ['app1', 'app2'] as const)
    say(`  ${label} daprd under load (peak of the samples): ${peak[label].cpu.toFixed(0)}m CPU, ${peak[label].mem.toFixed(1)} MiB`);
  const restarts = await kubectl([
    'get',
    'pods',
    '-n',
    app1.namespace,
    '-o',
    'jsonpath={range .items[*].status.containerStatuses[*]}{.name}={.restartCount} {end}',
  ]);
  say(`  app1's containers' restarts: ${restarts.stdout.trim()}`);

  say(`\n## latency, ${REQUESTS} sequential calls each (after 50 to warm up)`);
  const through = JSON.parse(await inApp(app2.namespace, p2.name, ['node', '-e', NODE_CLIENT, 'lat', via, String(REQUESTS)])) as number[];
  const direct = JSON.parse(
    await inApp(app1.namespace, p1.name, ['python3', '-c', PY_CLIENT, `http://127.0.0.1:${app1.port ?? 8080}${app1.healthPath}`, String(REQUESTS)]),
  ) as number[];
  for (const [label, xs] of [
    ['app2 → app1 through both sidecars (node client in app2)', through],
    ["app1's /health inside its own pod (python client, no sidecar)", direct],
  ] as const)
    say(`  ${label.padEnd(62)} p50 ${ms(pct(xs, 50))}, p90 ${ms(pct(xs, 90))}, p99 ${ms(pct(xs, 99))}`);
  say(
    // p99 is left out of the difference: on two shared cores it is scheduling noise, larger than the sidecars' share
    `  added by the two sidecars, mTLS and the hop between nodes: p50 ${signed(pct(through, 50) - pct(direct, 50))}, p90 ${signed(pct(through, 90) - pct(direct, 90))}`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`bench/cluster: ${err.message}\n`);
  process.exit(1);
});
