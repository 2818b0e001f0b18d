/**
 * paddock doctor on a corpus of small apps written the way LLMs write them:
 * each "bad" app must produce exactly the findings listed here, each "good"
 * twin none at all. Together they give every rule a finding case and a quiet case.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RULES, runDoctor } from 'paddock/doctor/index.js';
import { paths } from 'paddock/paths.js';

const corpus = join(paths.root, 'test', 'doctor', 'corpus');
const cli = join(paths.root, 'packages', 'paddock', 'bin', 'paddock.js');
const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'paddock-doctor-'));
  temps.push(d);
  return d;
}

/** `severity rule file:line` for every finding but the informational ones. */
async function findings(dir: string, opts: { values?: string; name?: string } = {}): Promise<string[]> {
  const r = await runDoctor(dir, opts);
  return r.findings
    .filter((f) => f.severity !== 'info')
    .map((f) => `${f.severity} ${f.rule} ${f.file}:${f.line}`)
    .sort();
}

const expected: Record<string, string[]> = {
  'flask-bad': [
    'error dotenv-file .env:2',
    'error direct-infra-client app.py:5',
    'error hardcoded-endpoint app.py:15',
    'error secret-from-env app.py:17',
    'error hardcoded-secret app.py:18',
    'error unknown-component app.py:26',
    'error undeclared-invocation app.py:41',
    'error bare-app-id app.py:41',
    'error writes-outside-tmp app.py:42',
    'error binds-localhost app.py:48',
    'error port-mismatch app.py:48',
    'error debug-server app.py:48',
    'error missing-health-endpoint app.py:48',
    'error dockerfile-root-user Dockerfile:1',
    'warning dotenv-file app.py:10',
    'warning dockerfile-unpinned-base Dockerfile:1',
    'warning port-mismatch Dockerfile:5',
    'warning unpinned-dependencies requirements.txt:1',
    'warning unpinned-dependencies requirements.txt:2',
    'warning unpinned-dependencies requirements.txt:3',
  ],
  'fastapi-bad': [
    'error dockerfile-root-user Dockerfile:5',
    'error binds-localhost Dockerfile:6',
    'error port-mismatch Dockerfile:6',
    'error missing-health-endpoint Dockerfile:6',
    'error direct-infra-client main.py:3',
    'error writes-outside-tmp main.py:16',
    'error hardcoded-secret main.py:19',
    'error hardcoded-endpoint main.py:19',
    'error hardcoded-endpoint main.py:20',
    'error unknown-component main.py:33',
    'error unknown-component main.py:34',
    'warning dockerfile-unpinned-base Dockerfile:1',
    'warning secret-from-env main.py:11',
    'warning hardcoded-endpoint main.py:33',
    // uvicorn.run(reload=True) at main.py:39 sits under `if __name__ == "__main__"`; the image starts
    // the uvicorn command instead, so that code never runs and its reload switch is not reported.
    'warning unpinned-dependencies pyproject.toml:5',
    'warning unpinned-dependencies pyproject.toml:6',
  ],
  'express-bad': [
    'error dockerfile-root-user Dockerfile:1',
    'error debug-server package.json:6',
    'error direct-infra-client server.js:3',
    'error hardcoded-endpoint server.js:10',
    'error secret-from-env server.js:11',
    'error hardcoded-secret server.js:12',
    'error writes-outside-tmp server.js:22',
    'error undeclared-invocation server.js:23',
    'error bare-app-id server.js:23',
    'error binds-localhost server.js:30',
    'error missing-health-endpoint server.js:30',
    'warning dockerfile-unpinned-base Dockerfile:1',
    'warning unpinned-dependencies package.json:9',
    'warning unpinned-dependencies package.json:10',
    'warning unpinned-dependencies package.json:11',
    'warning dotenv-file server.js:1',
    'warning hardcoded-endpoint server.js:23',
  ],
  'node-http-bad': [
    'error direct-infra-client src/server.mts:3',
    'error hardcoded-endpoint src/server.mts:6',
    'error hardcoded-secret src/server.mts:8',
    'error writes-outside-tmp src/server.mts:13',
    'error unknown-component src/server.mts:22',
    'error undeclared-invocation src/server.mts:28',
    'error bare-app-id src/server.mts:28',
    'error binds-localhost src/server.mts:37',
    'error port-mismatch src/server.mts:37',
    'error missing-health-endpoint src/server.mts:37',
    'warning unpinned-dependencies package.json:4',
    'warning hardcoded-endpoint src/server.mts:21',
  ],
  'stdlib-http-bad': [
    'error hardcoded-secret server.py:9',
    'error writes-outside-tmp server.py:11',
    'error binds-localhost server.py:30',
    'error port-mismatch server.py:30',
    'error missing-health-endpoint server.py:30',
  ],
};
const good = ['flask-good', 'fastapi-good', 'express-good', 'node-http-good', 'stdlib-http-good'];

describe('doctor on the corpus', () => {
  for (const [name, want] of Object.entries(expected)) {
    test(`${name}: exactly the expected findings`, async () => {
      assert.deepEqual(await findings(join(corpus, name)), [...want].sort());
    });
  }
  for (const name of good) {
    test(`${name}: quiet (no findings at all)`, async () => {
      assert.deepEqual(await findings(join(corpus, name)), []);
    });
  }
  test('every rule has a finding case and a quiet case', () => {
    const found = new Set(
      Object.values(expected)
        .flat()
        .map((l) => l.split(' ')[1]),
    );
    assert.deepEqual(
      [...RULES].filter((r) => !found.has(r)),
      [],
      'rules without a finding case',
    );
    // The good twins produce no finding of any rule (asserted above): every rule's quiet case.
    assert.ok(good.length >= 4);
  });
});

describe('doctor and the values file', () => {
  test('without a values file the four values rules are skipped, with an info finding that says so', async () => {
    const dir = temp();
    cpSync(join(corpus, 'flask-bad'), dir, { recursive: true });
    rmSync(join(dir, 'values.yaml'));
    const r = await runDoctor(dir);
    const rules = new Set(r.findings.map((f) => f.rule));
    for (const rule of ['port-mismatch', 'missing-health-endpoint', 'unknown-component', 'undeclared-invocation']) assert.ok(!rules.has(rule), rule);
    const info = r.findings.find((f) => f.severity === 'info');
    assert.match(info?.message ?? '', /port-mismatch, missing-health-endpoint, unknown-component and undeclared-invocation were not checked/);
    assert.ok(rules.has('binds-localhost') && rules.has('hardcoded-secret'));
  });

  test('a values file that is not YAML is a usage error (exit 2), not a crash', () => {
    const dir = temp();
    cpSync(join(corpus, 'flask-good'), dir, { recursive: true });
    writeFileSync(join(dir, 'values.yaml'), 'image: [unclosed\n');
    const r = spawnSync(process.execPath, [cli, 'doctor', dir], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /values\.yaml is not valid YAML/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('--values points at another file; healthPath and port come from it', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'other.yaml'), 'image: { repository: localhost:30000/platform/x, tag: "1.0.0" }\nport: 8080\nhealthPath: /healthz\n');
    const r = await runDoctor(join(corpus, 'node-http-bad'), { values: join(dir, 'other.yaml') });
    assert.ok(!r.findings.some((f) => f.rule === 'missing-health-endpoint'));
  });

  test('a simple constant in another module names the store (from config import STORE)', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'config.py'), 'STORE_NAME = "cache"\nDAPR = "http://localhost:3500/v1.0"\n');
    writeFileSync(
      join(dir, 'app.py'),
      'import requests\nfrom config import STORE_NAME, DAPR\n\ndef put(k, v):\n    requests.post(f"{DAPR}/state/{STORE_NAME}", json=[{"key": k, "value": v}])\n',
    );
    writeFileSync(join(dir, 'values.yaml'), 'image: { repository: localhost:30000/platform/x, tag: "1.0.0" }\nstatestore: { enabled: true }\n');
    const r = await runDoctor(dir);
    const f = r.findings.find((x) => x.rule === 'unknown-component');
    assert.equal(f?.file, 'app.py');
    assert.equal(f?.line, 5);
    assert.match(f?.message ?? '', /"cache"/);
  });
});

describe('doctor judges what the image starts', () => {
  const flask =
    'import os\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.route("/health")\ndef health():\n    return "ok"\n\nif __name__ == "__main__":\n    app.run(debug=True)\n';
  async function judge(dockerfile: string, py = flask): Promise<string[]> {
    const dir = temp();
    writeFileSync(join(dir, 'main.py'), py);
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    writeFileSync(join(dir, 'values.yaml'), 'port: 8080\n');
    return (await findings(dir)).filter((f) => !/unpinned|root-user/.test(f));
  }
  test('gunicorn runs the app: app.run(debug=True) under __main__ never runs, so nothing is reported', async () => {
    assert.deepEqual(await judge('FROM python:3.12.4-slim\nUSER 10001\nCMD exec gunicorn --bind :$PORT --workers 1 main:app\n'), []);
  });
  test('python main.py runs it: the debugger and the localhost bind are errors', async () => {
    assert.deepEqual(await judge('FROM python:3.12.4-slim\nUSER 10001\nENTRYPOINT ["python3"]\nCMD ["main.py"]\n'), [
      'error binds-localhost main.py:10',
      'error debug-server main.py:10',
      'error port-mismatch main.py:10',
    ]);
  });
  test('flask run takes host and port from ENV (either form); FLASK_DEBUG is the debugger only under flask run', async () => {
    assert.deepEqual(
      await judge('FROM python:3.12.4-slim\nUSER 10001\nENV FLASK_APP main.py\nENV FLASK_RUN_HOST 0.0.0.0\nENV FLASK_RUN_PORT=8080\nCMD ["flask", "run"]\n'),
      [],
    );
    assert.deepEqual(await judge('FROM python:3.12.4-slim\nUSER 10001\nENV FLASK_DEBUG=1\nCMD ["flask", "run", "--host", "0.0.0.0", "--port", "8080"]\n'), [
      'error debug-server Dockerfile:3',
    ]);
    assert.deepEqual(await judge('FROM python:3.12.4-slim\nUSER 10001\nENV FLASK_DEBUG=1\nCMD ["gunicorn", "main:app"]\n'), [
      'warning debug-server Dockerfile:3',
    ]);
  });
  test('Node: a listen under `if (require.main === module)` counts only when the image runs that file; headers.set names a bare app-id', async () => {
    const server =
      "const express = require('express');\nconst app = express();\napp.get('/health', (q, r) => r.send('ok'));\nconst h = new Headers();\nh.set('dapr-app-id', 'orders');\nif (require.main === module) {\n  app.listen(3000, '127.0.0.1');\n}\nmodule.exports = app;\n";
    const run = async (cmd: string): Promise<string[]> => {
      const dir = temp();
      writeFileSync(join(dir, 'server.js'), server);
      writeFileSync(join(dir, 'Dockerfile'), `FROM node:20.18.0-slim\nUSER node\nCMD ${cmd}\n`);
      writeFileSync(join(dir, 'values.yaml'), 'port: 8080\nnetworkPolicy:\n  allowEgressTo: [orders-ns]\n');
      return findings(dir);
    };
    assert.deepEqual(await run('["node", "index.js"]'), ['error bare-app-id server.js:5']);
    assert.deepEqual(await run('["node", "server.js"]'), [
      'error bare-app-id server.js:5',
      'error binds-localhost server.js:7',
      'error port-mismatch server.js:7',
    ]);
  });
  test('health routes of Django (urls.py), NestJS (@Controller/@Get) and Flask-RESTful are read', async () => {
    const cases: Record<string, Record<string, string>> = {
      django: { 'mysite/urls.py': 'from django.urls import path\nfrom . import views\nurlpatterns = [path("health/", views.health)]\n' },
      nest: {
        'src/health.controller.ts':
          "import { Controller, Get } from '@nestjs/common';\n@Controller('health')\nexport class HealthController {\n  @Get()\n  check() { return 'ok'; }\n}\n",
        'src/main.ts':
          "import { NestFactory } from '@nestjs/core';\nasync function boot() { const app = await NestFactory.create(M); await app.listen(process.env.PORT ?? 3000); }\nboot();\n",
      },
      restful: {
        'app.py':
          'from flask import Flask\nfrom flask_restful import Api, Resource\napp = Flask(__name__)\napi = Api(app)\nclass Health(Resource):\n    def get(self):\n        return "ok"\napi.add_resource(Health, "/health")\n',
      },
    };
    for (const [name, files] of Object.entries(cases)) {
      const dir = temp();
      for (const [f, text] of Object.entries(files)) {
        mkdirSync(join(dir, f, '..'), { recursive: true });
        writeFileSync(join(dir, f), text);
      }
      writeFileSync(join(dir, 'values.yaml'), 'port: 8080\n');
      assert.ok(!(await findings(dir)).some((f) => f.includes('missing-health-endpoint')), name);
    }
  });
  test("a host in the object given to listen() is the bind address (binds-localhost), in a client's options an endpoint", async () => {
    const dir = temp();
    writeFileSync(
      join(dir, 'server.js'),
      "const http = require('http');\nconst { Pool } = require('pg');\nconst pool = new Pool({ host: 'localhost', port: 5432 });\nconst server = http.createServer((q, r) => r.end('ok'));\nserver.listen({ host: 'localhost', port: Number(process.env.PORT) });\n",
    );
    assert.deepEqual(await findings(dir), [
      'error binds-localhost server.js:5',
      'error direct-infra-client server.js:2',
      'error hardcoded-endpoint server.js:3',
    ]);
  });
  test('a moving base tag beyond latest is caught (node:lts, python:3, alpine:edge)', async () => {
    for (const base of ['python:3', 'python:slim', 'python:3-slim']) {
      const dir = temp();
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${base}\nUSER 10001\nCMD ["gunicorn", "main:app"]\n`);
      writeFileSync(join(dir, 'main.py'), flask);
      assert.ok((await findings(dir)).includes('warning dockerfile-unpinned-base Dockerfile:1'), base);
    }
  });
});

describe('doctor on the example apps', () => {
  for (const app of ['app1', 'app2']) {
    test(`${app}: nothing at error severity with its values file`, async () => {
      const r = await runDoctor(join(paths.root, 'apps', app));
      assert.deepEqual(
        r.findings.filter((f) => f.severity === 'error'),
        [],
      );
    });
  }

  test('a changed app1 that calls a store its values do not provide is caught', async () => {
    const dir = temp();
    cpSync(join(paths.root, 'apps', 'app1'), dir, { recursive: true, filter: (src) => !/(\.venv|__pycache__)$/.test(src) });
    const file = join(dir, 'app.py');
    const source = readFileSync(file, 'utf8');
    assert.match(source, /STATE_STORE = "statestore"/, 'app1 names its store in a constant');
    writeFileSync(file, source.replace('STATE_STORE = "statestore"', 'STATE_STORE = "history"'));
    const r = await runDoctor(dir, { name: 'app1' });
    const f = r.findings.filter((x) => x.rule === 'unknown-component');
    assert.ok(f.length >= 1, 'unknown-component reported');
    assert.ok(f.every((x) => x.severity === 'error' && x.file === 'app.py' && /"history"/.test(x.message)));
  });
});

describe('the doctor command', () => {
  function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [cli, 'doctor', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test('exit 1 with errors, 0 on a good app, 2 on a missing folder or values file', () => {
    assert.equal(run(join(corpus, 'flask-bad')).code, 1);
    assert.equal(run(join(corpus, 'flask-good')).code, 0);
    const missing = run(join(corpus, 'no-such-app'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(run(join(corpus, 'flask-good'), '--values', join(corpus, 'nope.yaml')).code, 2);
    assert.equal(run().code, 2);
  });

  test('--json has the shared report shape', () => {
    const r = run(join(corpus, 'express-bad'), '--json');
    const report = JSON.parse(r.stdout) as { ok: boolean; findings: Record<string, unknown>[] };
    assert.equal(report.ok, false);
    for (const f of report.findings) {
      assert.ok(typeof f.rule === 'string' && ['error', 'warning', 'info'].includes(f.severity as string));
      assert.ok(typeof f.file === 'string' && typeof f.message === 'string' && typeof f.fix === 'string');
      assert.ok(Object.keys(f).every((k) => ['rule', 'severity', 'file', 'line', 'path', 'message', 'fix'].includes(k)));
    }
    const { tool, ...good } = JSON.parse(run(join(corpus, 'express-good'), '--json').stdout) as { tool: { name: string } };
    assert.deepEqual(good, { ok: true, findings: [] });
    assert.equal(tool.name, 'paddock');
  });

  test('secrets are never printed in full, in text or JSON', () => {
    const secrets = [
      'sk-ant-api03-Xy7fQ2mN8pL4kR9tV1wB6cD3eH5jG0aS2uI8oP4',
      'sk-proj-Abc123Def456Ghi789Jkl012Mno345',
      'xoxb-2931847561-5839204857-aB3dE6fG9hJ2kL5mN8pQ1rS4',
      'Pa55w0rd-Orders',
      'Sup3rS3cretReportsPw',
    ];
    for (const app of ['flask-bad', 'fastapi-bad', 'express-bad', 'node-http-bad']) {
      for (const args of [[], ['--json']]) {
        const out = run(join(corpus, app), ...args).stdout;
        for (const s of secrets) assert.ok(!out.includes(s.slice(0, 10)), `${app} prints ${s.slice(0, 3)}…`);
      }
    }
    assert.match(run(join(corpus, 'flask-bad')).stdout, /sk-ant-…\(redacted\)/);
  });
});
