/**
 * Benchmark of `paddock check` on a fleet (not a test: it prints figures).
 *
 * For N generated apps (values varied: building blocks on/off, sizes, replicas,
 * calls between neighbours declared on both sides) it times
 *   (a) the naive pipeline: per app one `helm template` process and one
 *       `kubeconform -strict` process, run nproc at a time;
 *   (b) paddock's way: one paddock-engine process renders and schema-checks
 *       every app, then the TypeScript side parses the manifests and runs the
 *       admission policies (if src/policies is built) and the connectivity
 *       check across the whole fleet; and, when the command exists, the whole
 *       `paddock check <fleet>` command as a user runs it;
 * and a single app's `paddock check apps/app1/values.yaml`, warm, median of 5.
 *
 * Run: npx tsc -b bench && node bench/dist/check.js [--sizes 50,200,1000] [--naive-limit-s 300]
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { paths, tool } from 'paddock/paths.js';
import { runEngine } from 'paddock/render/engine.js';
import { helmTemplateArgs } from 'paddock/render/index.js';
import { kubeconformArgs } from 'paddock/schema/index.js';
import { checkConnectivity, type AppInput, type KubeObject } from 'paddock/connectivity/index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? String(process.argv[i + 1]) : def;
}
const SIZES = arg('sizes', '50,200,1000').split(',').map(Number);
const NAIVE_LIMIT_S = Number(arg('naive-limit-s', '300'));
const NPROC = availableParallelism();
const cli = join(paths.root, 'packages', 'paddock', 'bin', 'paddock.js');

interface FleetApp {
  name: string;
  namespace: string;
  file: string;
  text: string;
}

/** N apps under <dir>/apps/<name>/values.yaml; app i calls app i+1 for even i, declared on both sides. */
function generateFleet(dir: string, n: number): FleetApp[] {
  const name = (i: number) => `f${String(i).padStart(4, '0')}`;
  const apps: FleetApp[] = [];
  for (let i = 0; i < n; i++) {
    const me = name(i);
    const ingress = i % 2 === 1 ? [`${name(i - 1)}-ns`] : [];
    const egress = i % 2 === 0 && i + 1 < n ? [`${name(i + 1)}-ns`] : [];
    const lines = [
      'image:',
      `  repository: localhost:30000/platform/${me}`,
      `  tag: "1.${i % 10}.0"`,
      `port: ${8080 + (i % 3)}`,
      'healthPath: /health',
      `owner: team-${i % 7}`,
      `nodepool: ${me}`,
      `size: ${['small', 'medium', 'large'][i % 3]}`,
      `replicas: ${i % 4 === 0 ? 2 : 1}`,
      'networkPolicy:',
      `  allowIngressFrom: ${JSON.stringify(ingress)}`,
      `  allowEgressTo: ${JSON.stringify(egress)}`,
      `statestore: { enabled: ${i % 2 === 0} }`,
      i % 3 === 0 ? 'secretstore: { enabled: true, keys: [api-key] }' : 'secretstore: { enabled: false }',
      `pubsub: { enabled: ${i % 5 === 0} }`,
      i % 7 === 0 ? `binding: { enabled: true, name: notify, url: "https://hooks.example.com/${me}" }` : 'binding: { enabled: false }',
    ];
    const appDir = join(dir, 'apps', me);
    mkdirSync(appDir, { recursive: true });
    const file = join(appDir, 'values.yaml');
    const text = `${lines.join('\n')}\n`;
    writeFileSync(file, text);
    apps.push({ name: me, namespace: `${me}-ns`, file, text });
  }
  return apps;
}

function exec(file: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { maxBuffer: 1 << 30 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** (a) one helm and one kubeconform process per app, nproc apps at a time. */
async function naive(apps: FleetApp[]): Promise<{ ms: number; cpu: number; failures: number }> {
  let failures = 0;
  const c0 = cpuMs();
  const t = performance.now();
  await pool(apps, NPROC, async (a) => {
    const h = await exec(tool('helm'), helmTemplateArgs(a));
    if (h.code !== 0) {
      failures++;
      return;
    }
    const k = await exec(tool('kubeconform'), kubeconformArgs(), h.stdout);
    if (k.code !== 0) failures++;
  });
  const c1 = cpuMs();
  return { ms: performance.now() - t, cpu: c1.children - c0.children + c1.self - c0.self, failures };
}

interface Batch {
  ms: number;
  cpu: number;
  stages: Record<string, number>;
  policies: boolean;
  problems: number;
  findings: number;
}

let policyCheck: ((objects: KubeObject[], options?: Record<string, unknown>) => Promise<unknown[]>) | undefined | null = null;
let tenantNamespace: ((app: string) => KubeObject) | undefined;
async function loadPolicies(): Promise<void> {
  if (policyCheck !== null) return;
  try {
    const m = (await import('paddock/policies/check.js' as string)) as { checkManifests: typeof policyCheck; tenantNamespace: typeof tenantNamespace };
    policyCheck = m.checkManifests;
    tenantNamespace = m.tenantNamespace;
  } catch {
    policyCheck = undefined;
  }
}

/** (b) one engine process for render + schema, then policies and connectivity in this process. */
async function batch(apps: FleetApp[]): Promise<Batch> {
  await loadPolicies();
  const stages: Record<string, number> = {};
  let mark = performance.now();
  const t0 = mark;
  const c0 = cpuMs();
  const lap = (name: string) => {
    const now = performance.now();
    stages[name] = now - mark;
    mark = now;
  };
  const results = await runEngine({
    releases: apps.map((a) => ({ name: a.name, namespace: a.namespace, valuesYaml: a.text, valuesFile: a.file })),
    schema: true,
    objects: true,
  });
  lap('engine (render + schema + objects)');
  const problems = results.reduce((n, r) => n + (r.error ? 1 : 0) + (r.schema?.length ?? 0), 0);
  const inputs: AppInput[] = apps.map((a, i) => ({
    name: a.name,
    namespace: a.namespace,
    file: a.file,
    valuesText: a.text,
    values: (parseAllDocuments(a.text)[0]?.toJS() ?? {}) as AppInput['values'],
    objects: (results[i]!.objects ?? []).map((o) => o.object as KubeObject).filter(Boolean),
  }));
  lap('read objects and values');
  let findings = 0;
  if (policyCheck) {
    findings += (
      await policyCheck(
        inputs.flatMap((a) => a.objects),
        { namespaces: inputs.map((a) => tenantNamespace!(a.name)) },
      )
    ).length;
    lap('admission policies');
  }
  findings += checkConnectivity(inputs).findings.length;
  lap('connectivity');
  const c1 = cpuMs();
  return { ms: performance.now() - t0, cpu: c1.children - c0.children + c1.self - c0.self, stages, policies: !!policyCheck, problems, findings };
}

function commandExists(): boolean {
  return existsSync(join(paths.root, 'packages', 'paddock', 'dist', 'commands', 'check.js'));
}

async function timeCommand(file: string, args: string[]): Promise<{ ms: number; code: number; stderr: string }> {
  const t = performance.now();
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: paths.root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ ms: performance.now() - t, code: code ?? 1, stderr }));
  });
}

/** CPU seconds used so far by this process and its finished children (Linux /proc; clock ticks of 1/100 s). */
function cpuMs(): { self: number; children: number } {
  const u = process.cpuUsage();
  const fields = readFileSync('/proc/self/stat', 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  // After the ")": field 3 is state, so cutime/cstime (fields 16, 17) sit at indexes 13 and 14.
  const children = (Number(fields[13]) + Number(fields[14])) * 10;
  return { self: (u.user + u.system) / 1000, children };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pad = (x: string, n: number) => x.padEnd(n);

async function main(): Promise<void> {
  for (const t of [tool('helm'), tool('kubeconform'), tool('paddock-engine')]) {
    if (!existsSync(t)) throw new Error(`${t} is missing: run tools/build.sh helm kubeconform paddock-engine`);
  }
  console.log(`paddock check benchmark — ${NPROC} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  console.log(`naive = per app one \`helm template\` + one \`kubeconform -strict\` process, ${NPROC} apps at a time`);
  console.log('batch = one paddock-engine process (helm engine + kubeconform validator) + policies + connectivity in-process');
  console.log('CPU = user + system seconds of every process involved (robust when other work shares the machine)');
  console.log('');
  const rows: string[][] = [['apps', 'naive', 'batch', 'ratio', 'CPU naive / batch', 'CPU ratio', 'batch per app', 'paddock check (command)', 'batch stages']];
  let naivePerApp: number | undefined;
  let naiveCpuPerApp: number | undefined;
  for (const n of SIZES) {
    const dir = mkdtempSync(join(tmpdir(), `paddock-bench-${n}-`));
    try {
      const apps = generateFleet(dir, n);
      await batch(apps.slice(0, Math.min(5, n))); // warm the file cache and the engine binary
      const b = await batch(apps);
      if (b.problems) console.log(`  note: ${b.problems} render/schema problems in the generated fleet of ${n}`);
      let naiveText: string;
      let naiveMs: number;
      let naiveCpu: number;
      const estimate = naivePerApp !== undefined ? naivePerApp * n : undefined;
      if (estimate !== undefined && estimate > NAIVE_LIMIT_S * 1000) {
        naiveMs = estimate;
        naiveCpu = naiveCpuPerApp! * n;
        naiveText = `~${s(estimate)} (extrapolated from the previous size: would take > ${NAIVE_LIMIT_S / 60} min)`;
      } else {
        const a = await naive(apps);
        naiveMs = a.ms;
        naiveCpu = a.cpu;
        naivePerApp = a.ms / n;
        naiveCpuPerApp = a.cpu / n;
        naiveText = s(a.ms) + (a.failures ? ` (${a.failures} failed)` : '');
      }
      let command = 'n/a (no check command yet)';
      if (commandExists()) {
        const c = await timeCommand(process.execPath, [cli, 'check', join(dir, 'apps'), '--json']);
        command = `${s(c.ms)} (exit ${c.code})`;
        if (c.code === 2) command += ` ${c.stderr.split('\n')[0]}`;
      }
      const stages = Object.entries(b.stages)
        .map(([k, v]) => `${k} ${s(v)}`)
        .join(', ');
      rows.push([
        String(n),
        naiveText,
        s(b.ms),
        `${(naiveMs / b.ms).toFixed(1)}×`,
        `${s(naiveCpu)} / ${s(b.cpu)}`,
        `${(naiveCpu / b.cpu).toFixed(1)}×`,
        `${(b.ms / n).toFixed(1)} ms`,
        command,
        stages + (b.policies ? '' : ' [policies not available: not included]'),
      ]);
      console.log(`  ${n} apps done`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log('');
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(
      r
        .map((c, i) => pad(c, widths[i]!))
        .join('  ')
        .trimEnd(),
    );

  console.log('');
  if (commandExists()) {
    const app1 = join('apps', 'app1', 'values.yaml');
    for (const [label, file, args] of [
      ['npx paddock check apps/app1/values.yaml', 'npx', ['--no-install', 'paddock', 'check', app1]],
      ['node packages/paddock/bin/paddock.js check apps/app1/values.yaml', process.execPath, [cli, 'check', app1]],
    ] as const) {
      await timeCommand(file, [...args]); // warm-up
      const times: number[] = [];
      let code = 0;
      for (let i = 0; i < 5; i++) {
        const r = await timeCommand(file, [...args]);
        times.push(r.ms);
        code = r.code;
      }
      console.log(`single app, warm, median of 5: ${label}: ${s(median(times))} (exit ${code}; runs ${times.map((t) => t.toFixed(0)).join(', ')} ms)`);
    }
  } else {
    console.log('single app: `paddock check` does not exist yet; not measured');
  }
}

await main();
