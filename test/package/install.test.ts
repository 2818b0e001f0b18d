/**
 * The packed CLI as an app author gets it: `npm pack` of packages/paddock,
 * `npm install` of that tarball into a temporary project outside the
 * repository (offline, from npm's cache), and every command run there, with
 * no checkout in sight: no PADDOCK_HOME, no tools/bin, the project as the
 * working folder, and a PATH without Go unless a test adds it.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { paths } from 'paddock/paths.js';
import { STACK, paddock, type CliResult } from '../lib/cli.js';

const pexec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'paddock-package-'));
const project = join(work, 'my-apps');
const cache = join(work, 'cache');
const toolPath = join(work, 'path');
const bin = join(project, 'node_modules', '.bin', 'paddock');
const installed = join(project, 'node_modules', 'paddock');
const checkoutBin = join(paths.root, 'tools', 'bin');
const started: number[] = [];

after(() => {
  for (const pid of started)
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  rmSync(work, { recursive: true, force: true });
});

/** The environment an author's shell would have: nothing of the checkout's. */
function authorEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // undefined, not deleted: the runner lays these over process.env, and a child gets no variable set to undefined.
  for (const k of Object.keys(env)) if (k.startsWith('PADDOCK_') || k === 'GOBIN') env[k] = undefined;
  return { ...env, HOME: work, XDG_CACHE_HOME: cache, PATH: `${toolPath}:/usr/bin:/bin`, PADDOCK_TOOLS_OFFLINE: '1', ...extra };
}

const run = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = project): Promise<CliResult> => paddock(args, { bin, cwd, env: authorEnv(env) });

function noStack(r: CliResult): void {
  assert.doesNotMatch(r.stderr + r.stdout, STACK);
}

function duBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

const MB = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

let packed: { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string }[] };

before(async () => {
  // What `npm pack` runs: prepack stages share/, postpack removes it.
  const { stdout } = await pexec('npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error'], {
    cwd: join(paths.root, 'packages', 'paddock'),
    maxBuffer: 64 * 1024 * 1024,
  });
  packed = (JSON.parse(stdout) as (typeof packed)[])[0]!;
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'my-apps', private: true }, null, 2)}\n`);
  await pexec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, packed.filename)], {
    cwd: project,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });

  // The author's apps: one that is fine, one that binds to localhost.
  const hello = join(project, 'apps', 'hello');
  mkdirSync(hello, { recursive: true });
  writeFileSync(
    join(hello, 'app.py'),
    [
      'import os',
      'from http.server import BaseHTTPRequestHandler, HTTPServer',
      '',
      'class Handler(BaseHTTPRequestHandler):',
      '    def do_GET(self):',
      '        self.send_response(200)',
      '        self.end_headers()',
      '        self.wfile.write(b"ok")',
      '',
      'HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()',
      '',
    ].join('\n'),
  );
  writeFileSync(join(hello, 'paddock.dev.yaml'), 'command: [python3, app.py]\ncwd: .\n');
  const leaky = join(project, 'apps', 'leaky');
  mkdirSync(leaky, { recursive: true });
  writeFileSync(
    join(leaky, 'app.py'),
    'from http.server import HTTPServer, SimpleHTTPRequestHandler\nHTTPServer(("127.0.0.1", 8080), SimpleHTTPRequestHandler).serve_forever()\n',
  );
  const leakyTs = join(project, 'apps', 'leaky-ts');
  mkdirSync(leakyTs, { recursive: true });
  writeFileSync(join(leakyTs, 'package.json'), '{ "name": "leaky-ts", "main": "server.ts", "dependencies": { "express": "^5.0.0" } }\n');
  writeFileSync(
    join(leakyTs, 'server.ts'),
    "import express from 'express';\nconst app = express();\napp.get('/health', (_req, res) => { res.send('ok'); });\napp.listen(8080, '127.0.0.1');\n",
  );

  // A PATH holding the pinned helm, daprd and sentry (as an author who has them installed would), and no Go.
  mkdirSync(toolPath);
  for (const t of ['helm', 'daprd', 'sentry']) symlinkSync(join(checkoutBin, t), join(toolPath, t));
});

describe('the packed paddock, installed in a project outside the repository', () => {
  test('the tarball carries the chart, the contract, the policies, the building blocks, the schemas and the tool recipes, and no tests', (t) => {
    const files = new Set(packed.files.map((f) => f.path));
    const marker = JSON.parse(readFileSync(join(installed, 'share', 'PADDOCK-ASSETS.json'), 'utf8')) as { schemaKey: string; version: string };
    for (const f of [
      'bin/paddock.js',
      'dist/cli.js',
      'share/charts/app/Chart.yaml',
      'share/charts/app/values.schema.json',
      'share/charts/app/templates/deployment.yaml',
      'share/charts/app/files/building-blocks.yaml',
      'share/platform/infrastructure/configs/admission-policies/pod-security-restricted.yaml',
      'share/platform/infrastructure/controllers/dapr.yaml',
      `share/schemas/generated/${marker.schemaKey}/provenance.json`,
      'share/tools/build.sh',
      'share/tools/versions.env',
      'share/tools/engine/main.go',
      'share/tools/daprd/go.mod',
      ...['python', 'javascript', 'typescript', 'tsx'].map((g) => `share/grammars/tree-sitter-${g}.wasm`),
    ])
      assert.ok(files.has(f), `${f} is in the tarball`);
    const unwanted = [...files].filter((f) => /\.test\.js$|\.map$|\.d\.ts$|^src\/|tsbuildinfo|^dist\/package\/|\/bin\/(helm|daprd|paddock-engine)$/.test(f));
    assert.deepEqual(unwanted, []);
    assert.equal(marker.version, JSON.parse(readFileSync(join(paths.root, 'packages', 'paddock', 'package.json'), 'utf8')).version);
    // The contract it carries is the checkout's, byte for byte.
    assert.equal(readFileSync(join(installed, 'share', 'charts', 'app', 'values.schema.json'), 'utf8'), readFileSync(paths.contract, 'utf8'));
    assert.ok(!existsSync(join(paths.root, 'packages', 'paddock', 'share')), 'postpack removed the staged files from the checkout');
    assert.ok(!existsSync(join(project, 'node_modules', 'tree-sitter-wasms')), 'only the grammars doctor loads come along, not all of tree-sitter-wasms');
    const installSize = duBytes(join(project, 'node_modules'));
    t.diagnostic(
      `packed ${MB(packed.size)} (${packed.entryCount} files, ${MB(packed.unpackedSize)} unpacked); installed with its dependencies ${MB(installSize)}`,
    );
    assert.ok(packed.size < 15e6, `the tarball stays small (${MB(packed.size)})`);
  });

  test("new writes a values file whose $schema line points at the contract in the project's node_modules", async () => {
    const r = await run(['new', 'apps/hello', '--yes', '--json', '--port', '8080']);
    noStack(r);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { written: boolean; schemaNote?: string };
    assert.equal(out.written, true);
    assert.equal(out.schemaNote, undefined);
    const first = readFileSync(join(project, 'apps', 'hello', 'values.yaml'), 'utf8').split('\n')[0]!;
    assert.equal(first, '# yaml-language-server: $schema=../../node_modules/paddock/share/charts/app/values.schema.json');
    const target = resolve(join(project, 'apps', 'hello'), first.split('$schema=')[1]!);
    assert.equal(readFileSync(target, 'utf8'), readFileSync(paths.contract, 'utf8'));
  });

  test('new in a project without paddock installed says what makes the $schema line work', async () => {
    const other = join(work, 'other-repo');
    mkdirSync(join(other, 'svc'), { recursive: true });
    writeFileSync(join(other, 'package.json'), '{}\n');
    const r = await run(['new', 'svc', '--yes', '--json', '--name', 'svc'], {}, other);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { schemaNote?: string };
    assert.match(out.schemaNote ?? '', /npm install --save-dev paddock/);
    assert.match(
      readFileSync(join(other, 'svc', 'values.yaml'), 'utf8'),
      /^# yaml-language-server: \$schema=\.\.\/node_modules\/paddock\/share\/charts\/app\/values\.schema\.json\n/,
    );
  });

  test('validate and explain need nothing else', async () => {
    const ok = await run(['validate', 'apps/hello/values.yaml']);
    noStack(ok);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    const bad = join(project, 'apps', 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'values.yaml'), readFileSync(join(project, 'apps', 'hello', 'values.yaml'), 'utf8').replace(/^port: 8080$/m, 'port: 99999'));
    const refused = await run(['validate', 'apps/bad/values.yaml', '--json']);
    noStack(refused);
    assert.equal(refused.code, 1);
    const report = JSON.parse(refused.stdout) as { findings: { file: string; path?: string }[] };
    assert.ok(
      report.findings.some((f) => f.path === 'port' && f.file.endsWith('apps/bad/values.yaml')),
      refused.stdout,
    );
    rmSync(bad, { recursive: true });

    const explained = await run(['explain', 'apps/hello/values.yaml']);
    noStack(explained);
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /hello/);
    assert.match(explained.stdout, /8080/);
  });

  test('doctor reads the code with the grammars the package brings', async () => {
    const r = await run(['doctor', 'apps/leaky', '--json']);
    noStack(r);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { findings: { rule: string; file: string }[] };
    assert.ok(
      report.findings.some((f) => f.rule === 'binds-localhost' && f.file.endsWith('app.py')),
      r.stdout,
    );
    const ts = await run(['doctor', 'apps/leaky-ts', '--json']);
    noStack(ts);
    assert.equal(ts.code, 1, ts.stderr);
    assert.ok(
      (JSON.parse(ts.stdout) as typeof report).findings.some((f) => f.rule === 'binds-localhost' && f.file.endsWith('server.ts')),
      ts.stdout,
    );
  });

  test('demo and cluster, which need the whole repository, say so; onboard changes platform/ of the project, not the package', async () => {
    for (const args of [
      ['demo', '--check-only'],
      ['cluster', 'up', '--dry-run'],
    ]) {
      const r = await run(args);
      noStack(r);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`paddock ${args[0]} runs from a checkout of the paddock repository`));
    }
    const onboard = await run(['onboard', 'apps/hello/values.yaml']);
    noStack(onboard);
    assert.equal(onboard.code, 2);
    assert.match(onboard.stderr, new RegExp(`${join(project, 'platform').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has no apps/ folder`));
  });

  test('render, check and dev without the tools and without Go say what to install', async () => {
    const env = { PATH: '/usr/bin:/bin', XDG_CACHE_HOME: join(work, 'empty-cache') };
    const render = await run(['render', 'apps/hello/values.yaml'], env);
    noStack(render);
    assert.equal(render.code, 2);
    assert.equal(render.stdout, '');
    assert.match(render.stderr, /error: helm v4\.1\.4 is not on PATH at the pinned version, and Go is not installed to build it\n/);
    assert.match(render.stderr, /Install Go 1\.25\.9 or newer \(https:\/\/go\.dev\/doc\/install\).*Or put helm v4\.1\.4 on PATH/s);
    const check = await run(['check', 'apps/hello/values.yaml'], env);
    noStack(check);
    assert.equal(check.code, 2);
    assert.match(check.stderr, /error: paddock-engine \(paddock's own program\) is built from the package's Go source, and Go is not installed to build it\n/);
    assert.match(check.stderr, /Install Go 1\.25\.9 or newer/);
    const dev = await run(['dev', 'apps/hello', '--free-ports'], env);
    noStack(dev);
    assert.equal(dev.code, 2);
    assert.match(dev.stderr, /error: daprd v1\.17\.5 and sentry v1\.17\.5 are not on PATH at the pinned version, and Go is not installed to build them\n/);
    assert.match(dev.stderr, /Or put daprd v1\.17\.5 and sentry v1\.17\.5 on PATH/);
    assert.ok(!existsSync(join(work, 'empty-cache', 'paddock', 'tools', 'bin', 'helm')));
  });

  test("render finds the pinned helm on PATH and keeps it in the user's cache", async () => {
    const first = await run(['render', 'apps/hello/values.yaml']);
    noStack(first);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^kind: Deployment$/m);
    assert.match(first.stderr, /helm v4\.1\.4: looking on PATH/);
    assert.match(first.stderr, new RegExp(`helm 4\\.1\\.4: reusing ${join(checkoutBin, 'helm').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.ok(lstatSync(join(cache, 'paddock', 'tools', 'bin', 'helm')).isSymbolicLink());
    const again = await run(['render', 'apps/hello/values.yaml']);
    assert.equal(again.code, 0);
    assert.equal(again.stderr, '', 'a warm cache prints nothing');
    assert.equal(again.stdout, first.stdout);
  });

  test("a tool that is not on PATH is built from its Go module into the user's cache, with progress", async (t) => {
    // kubeconform: the smallest pinned tool; Go's module and build caches are warm from the checkout's own build of it.
    const stamp = join(checkoutBin, '.kubeconform.version');
    if (!existsSync(stamp) || readFileSync(stamp, 'utf8').split(' ')[2] !== 'source') {
      t.skip("the checkout's kubeconform was not built from source here, so Go's caches are cold: building it would take minutes");
      return;
    }
    const go = dirname((await pexec('bash', ['-c', 'command -v go'])).stdout.trim());
    // Go's own caches stay the user's (authorEnv moves HOME and XDG_CACHE_HOME, which Go derives them from).
    const goEnv = JSON.parse((await pexec('go', ['env', '-json', 'GOCACHE', 'GOMODCACHE', 'GOPATH'])).stdout) as Record<string, string>;
    const ensure = join(installed, 'dist', 'tools', 'ensure.js');
    const r = await new Promise<CliResult>((done) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', `await (await import(${JSON.stringify(ensure)})).ensureTools(['kubeconform']);`],
        { cwd: project, env: authorEnv({ ...goEnv, PATH: `${toolPath}:${go}:/usr/bin:/bin` }) },
        (err, stdout, stderr) => done({ code: err ? 1 : 0, signal: null, stdout, stderr }),
      ),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /kubeconform v0\.7\.0: looking on PATH for this version, else building from the Go module into .*cache\/paddock\/tools\/bin/);
    assert.match(r.stderr, /building kubeconform 0\.7\.0 from source/);
    assert.match(r.stderr, /built kubeconform 0\.7\.0 in \d+ s/);
    const v = await pexec(join(cache, 'paddock', 'tools', 'bin', 'kubeconform'), ['-v']);
    assert.match(v.stdout, /v0\.7\.0/);
  });

  test('check judges with the policies and schemas the package carries', async () => {
    // paddock-engine is paddock's own program (never on PATH): seed the cache with the checkout's build,
    // exactly as an earlier build would have left it (binary and stamp; build.sh checks both against the package's recipe).
    const cacheBin = join(cache, 'paddock', 'tools', 'bin');
    mkdirSync(cacheBin, { recursive: true });
    for (const f of ['paddock-engine', '.paddock-engine.version']) {
      copyFileSync(join(checkoutBin, f), join(cacheBin, f));
      const st = statSync(join(checkoutBin, f));
      utimesSync(join(cacheBin, f), st.atime, st.mtime);
    }
    const ok = await run(['check', 'apps/hello/values.yaml']);
    noStack(ok);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /1 app: contract, schemas, admission policies and connectivity all pass/);
    assert.equal(ok.stderr, '', 'the seeded engine is taken as built: nothing is rebuilt');

    writeFileSync(
      join(project, 'privileged.yaml'),
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata: { name: root, namespace: hello-ns }',
        'spec:',
        '  containers:',
        '    - name: c',
        '      image: localhost:30000/platform/hello:1.0.0',
        '      securityContext: { privileged: true }',
        '',
      ].join('\n'),
    );
    const refused = await run(['check', 'privileged.yaml', '--json']);
    noStack(refused);
    assert.equal(refused.code, 1, refused.stderr);
    const report = JSON.parse(refused.stdout) as { findings: { rule: string; file: string }[] };
    assert.ok(
      report.findings.some((f) => f.file.endsWith('privileged.yaml') && /privileged|restricted|pod-security/i.test(`${f.rule}`)),
      refused.stdout,
    );
  });

  test('dev runs the app next to the pinned daprd found on PATH, with its state in the project', async () => {
    const child = spawn(process.execPath, [bin, 'dev', 'apps/hello', '--json', '--free-ports'], {
      cwd: project,
      env: { ...authorEnv(), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    started.push(child.pid!);
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const status = await new Promise<{ ok: boolean; apps: { name: string; url: string; healthy: boolean }[] }>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`paddock dev did not become ready:\n${err}`)), 120_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line && out.includes('\n')) {
          clearTimeout(timer);
          done(JSON.parse(line) as never);
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        fail(new Error(`paddock dev exited (${code}):\n${err}`));
      });
    });
    try {
      assert.equal(status.ok, true);
      const app = status.apps.find((a) => a.name === 'hello')!;
      assert.equal(app.healthy, true);
      assert.equal(await (await fetch(app.url)).text(), 'ok');
      assert.match(err, /daprd.*reusing|reusing .*daprd/s);
      assert.ok(existsSync(join(project, '.paddock', 'dev', 'status.json')), "the session lives in the project's .paddock");
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});
