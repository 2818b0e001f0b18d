/**
 * Benchmark of `paddock doctor` (not a test: it prints figures).
 *
 * Generates an app of a few thousand lines (Python modules and TypeScript
 * modules written the way LLM apps are: routes, Dapr calls through f-strings
 * and template literals, constants, file writes, env reads) and times:
 *  1. warm: runDoctor in one process after a first run (grammars loaded), N runs;
 *  2. cold: the whole CLI, `node packages/paddock/bin/paddock.js doctor DIR --json`, N runs.
 * Target: warm under 1 s.
 *
 * Run: npx tsc -p bench && node bench/dist/doctor.js [--lines 6000] [--runs 10] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runDoctor } from 'paddock/doctor/index.js';
import { paths } from 'paddock/paths.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function pyModule(i: number): string {
  const out = [
    '"""Generated module: routes and Dapr calls."""',
    'import os',
    'import json',
    'import tempfile',
    'import requests',
    'from flask import Blueprint, jsonify, request',
    '',
    `bp${i} = Blueprint("bp${i}", __name__)`,
    "DAPR = f\"http://localhost:{os.environ.get('DAPR_HTTP_PORT', '3500')}/v1.0\"",
    'STORE = "statestore"',
    '',
  ];
  for (let r = 0; out.length < 95; r++) {
    out.push(
      `@bp${i}.route("/items${i}/${r}", methods=["GET", "POST"])`,
      `def handler_${i}_${r}():`,
      '    body = request.get_json(silent=True) or {}',
      `    key = f"item-${i}-${r}-{body.get('id', 0)}"`,
      '    requests.post(f"{DAPR}/state/{STORE}", json=[{"key": key, "value": body}], timeout=5)',
      '    with open(os.path.join(tempfile.gettempdir(), f"{key}.json"), "w") as f:',
      '        json.dump(body, f)',
      `    return jsonify({"ok": True, "route": ${r}})`,
      '',
    );
  }
  return `${out.join('\n')}\n`;
}

function tsModule(i: number): string {
  const out = [
    "import type { Request, Response, Router } from 'express';",
    'const DAPR_URL = `http://localhost:${process.env.DAPR_HTTP_PORT ?? 3500}/v1.0`;',
    "const STORE = 'statestore';",
    '',
    `export function routes${i}(router: Router): void {`,
  ];
  for (let r = 0; out.length < 95; r++) {
    out.push(
      `  router.get('/api/${i}/${r}', async (req: Request, res: Response) => {`,
      `    const key = \`k-${i}-${r}-\${String(req.query.id ?? '0')}\`;`,
      '    const got = await fetch(`${DAPR_URL}/state/${STORE}/${key}`);',
      '    res.json({ ok: got.ok, key, at: new Date().toISOString() });',
      '  });',
    );
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

function generate(lines: number): { dir: string; lines: number } {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-bench-doctor-'));
  mkdirSync(join(dir, 'app'));
  mkdirSync(join(dir, 'web'));
  let total = 0;
  let i = 0;
  while (total < lines) {
    const py = pyModule(i);
    const ts = tsModule(i);
    writeFileSync(join(dir, 'app', `mod${i}.py`), py);
    writeFileSync(join(dir, 'web', `routes${i}.ts`), ts);
    total += py.split('\n').length + ts.split('\n').length;
    i++;
  }
  writeFileSync(
    join(dir, 'app.py'),
    [
      'import os',
      'from flask import Flask',
      'app = Flask(__name__)',
      '',
      '@app.get("/health")',
      'def health():',
      '    return {"ok": True}',
      '',
      'if __name__ == "__main__":',
      '    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 8080)))',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'requirements.txt'), 'flask==3.0.3\nrequests==2.32.3\n');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM python:3.12.7-slim\nCOPY . /app\nUSER 10001\nCMD ["python", "/app/app.py"]\n');
  writeFileSync(join(dir, 'values.yaml'), 'image: { repository: localhost:30000/platform/bench, tag: "1.0.0" }\nport: 8080\nstatestore: { enabled: true }\n');
  return { dir, lines: total + 11 };
}

const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)]!;
  return `median ${med.toFixed(0)} ms, min ${s[0]!.toFixed(0)} ms, max ${s[s.length - 1]!.toFixed(0)} ms`;
};

const runs = arg('runs', 10);
const { dir, lines } = generate(arg('lines', 6000));
try {
  const first = performance.now();
  const r0 = await runDoctor(dir);
  const firstMs = performance.now() - first;
  const warm: number[] = [];
  const warmCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await runDoctor(dir);
    const used = process.cpuUsage(c);
    warm.push(performance.now() - t);
    warmCpu.push((used.user + used.system) / 1000);
  }
  const cold: number[] = [];
  const coldCpu: number[] = [];
  // GNU time, when installed, reports the child's CPU time on stderr's last line.
  const gnuTime = existsSync('/usr/bin/time');
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const argv = [process.execPath, join(paths.root, 'packages', 'paddock', 'bin', 'paddock.js'), 'doctor', dir, '--json'];
    const p = gnuTime
      ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', ...argv], { encoding: 'utf8' })
      : spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    cold.push(performance.now() - t);
    if (p.status !== 0) throw new Error(`doctor exited ${p.status}: ${p.stdout.slice(0, 500)}${p.stderr.slice(0, 500)}`);
    const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(p.stderr);
    if (m) coldCpu.push((Number(m[1]) + Number(m[2])) * 1000);
  }
  const files = r0.sources.length;
  process.stdout.write(`doctor on a generated app: ${lines} lines in ${files} source files (Python + TypeScript), ${r0.findings.length} findings\n`);
  process.stdout.write(`  first run in process (loads grammars): ${firstMs.toFixed(0)} ms\n`);
  process.stdout.write(`  warm, in process (${runs} runs):         ${stats(warm)}  (target < 1000 ms)\n`);
  process.stdout.write(`  warm, CPU time (user+system):          ${stats(warmCpu)}  (less sensitive to a busy machine)\n`);
  process.stdout.write(`  machine load average while measuring:  ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs\n`);
  process.stdout.write(`  whole CLI, new process (${runs} runs):   ${stats(cold)}\n`);
  if (coldCpu.length) process.stdout.write(`  whole CLI, CPU time (user+system):     ${stats(coldCpu)}\n`);
  process.stdout.write(
    `  per 1000 lines, warm:                  ${([...warm].sort((a, b) => a - b)[Math.floor(warm.length / 2)]! / (lines / 1000)).toFixed(0)} ms\n`,
  );
} finally {
  if (process.argv.includes('--keep')) process.stdout.write(`  kept the generated app in ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}
