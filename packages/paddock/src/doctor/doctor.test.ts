import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPackageJson, checkRequirements } from './deps.js';
import { parseDockerfile, readDockerfile } from './dockerfile.js';
import { checkDotenv } from './dotenv.js';
import { readJavaScript, prepareJavaScript } from './javascript.js';
import { isSecretName, secretKeyFor } from './names.js';
import { loadGrammars, parse } from './parse.js';
import { preparePython, readPython } from './python.js';
import { runRules } from './rules.js';
import { findToken, isPlaceholder, looksLikeSecretValue, redact, safeUrl } from './secrets.js';
import { commandArgv, readStart } from './start.js';

/** The image rules and start-command rules on a Dockerfile alone. */
function judgeImage(text: string): ReturnType<typeof runRules> {
  const docker = readDockerfile(text, 'Dockerfile');
  const start = docker.start ? readStart(docker.start.argv, docker.start.env, { file: 'Dockerfile', line: docker.start.line }) : undefined;
  return runRules({ name: 'app', sources: [], docker, start });
}

describe('secrets', () => {
  test('known formats are found and shown by their prefix only', () => {
    const hit = findToken('key = sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345');
    assert.equal(hit?.shown, 'sk-ant-…(redacted)');
    assert.equal(findToken('AKIAQ3EGRZ7HMPLK4Q2B')?.what, 'an AWS access key');
    assert.equal(findToken('AKIAIOSFODNN7EXAMPLE'), undefined, 'AWS documentation example key');
    assert.equal(findToken('just a sentence'), undefined);
  });
  test('placeholders are not secrets', () => {
    for (const v of ['your-api-key-here', 'YOUR_API_KEY', 'changeme', 'xxx', '${API_KEY}', '<token>', ''])
      assert.ok(isPlaceholder(v) || !looksLikeSecretValue(v), v);
    assert.ok(looksLikeSecretValue('Sup3rS3cretReportsPw'));
    assert.ok(!looksLikeSecretValue('OPENAI_API_KEY'), 'the name of a variable');
    assert.ok(!looksLikeSecretValue('openai-api-key'), 'the name of a key');
  });
  test('redaction never shows more than 3 characters of an unknown secret, none of a short one', () => {
    assert.equal(redact('hunter2pass'), '…(redacted)');
    assert.equal(redact('abcdefghijklmnopqrstuvwxyz'), 'abc…(redacted)');
    assert.equal(safeUrl('postgresql://u:hunter2@db/x'), 'postgresql://u:…(redacted)@db/x');
  });
  test('secret-sounding names', () => {
    for (const n of ['OPENAI_API_KEY', 'db_password', 'slackToken', 'client_secret']) assert.ok(isSecretName(n), n);
    for (const n of [
      'PORT',
      'DAPR_HTTP_PORT',
      'max_tokens',
      'public_key',
      'MODEL_NAME',
      'SECRET_STORE',
      'secretStoreName',
      'SECRETS_PATH',
      'ACCESS_TOKEN_EXPIRE_MINUTES',
      'PASSWORD_MIN_LENGTH',
      'TOKEN_ALGORITHM',
      'API_KEY_HEADER',
    ])
      assert.ok(!isSecretName(n), n);
    for (const n of ['SECRET_KEY', 'JWT_SECRET_KEY', 'SMTP_PASSWORD', 'FIRST_SUPERUSER_PASSWORD', 'GITHUB_TOKEN']) assert.ok(isSecretName(n), n);
    assert.equal(secretKeyFor('OPENAI_API_KEY'), 'openai-api-key');
    assert.equal(secretKeyFor('slackBotToken'), 'slack-bot-token');
  });
});

describe('Dockerfile', () => {
  test('continuations and comments', () => {
    const ins = parseDockerfile('FROM node:20\n# c\nRUN a \\\n  && b\nUSER 10001\n');
    assert.deepEqual(
      ins.map((i) => [i.op, i.line]),
      [
        ['FROM', 1],
        ['RUN', 3],
        ['USER', 5],
      ],
    );
  });
  test('start commands: exec form, shell form, sh -c', () => {
    assert.deepEqual(commandArgv('["gunicorn", "-b", "0.0.0.0:8080", "app:app"]').argv, ['gunicorn', '-b', '0.0.0.0:8080', 'app:app']);
    assert.deepEqual(commandArgv('cd /app && exec uvicorn main:app --host 0.0.0.0').argv, ['uvicorn', 'main:app', '--host', '0.0.0.0']);
    assert.deepEqual(commandArgv('["sh", "-c", "flask run --host=0.0.0.0"]').argv, ['flask', 'run', '--host=0.0.0.0']);
  });
  test('the final stage decides the user; a stage built FROM another inherits its USER', () => {
    const multi = judgeImage('FROM node:20.1.0 AS build\nUSER 10001\nFROM build\nCMD ["node", "a.js"]\n');
    assert.ok(!multi.some((f) => f.rule === 'dockerfile-root-user'));
    const root = judgeImage('FROM node:20.1.0 AS build\nUSER 10001\nFROM node:20.1.0-slim\nCMD ["node", "a.js"]\n');
    assert.equal(root.find((f) => f.rule === 'dockerfile-root-user')?.line, 3);
    // Images that set a non-root user themselves.
    for (const base of ['gcr.io/distroless/python3-debian12:nonroot', 'cgr.dev/chainguard/node:latest', 'bitnami/python:3.12.4']) {
      assert.ok(!judgeImage(`FROM ${base}\nCOPY . /app\nCMD ["app.py"]\n`).some((f) => f.rule === 'dockerfile-root-user'), base);
    }
    assert.ok(
      judgeImage('FROM gcr.io/distroless/python3-debian12:nonroot\nUSER root\n').some((f) => f.rule === 'dockerfile-root-user'),
      'USER root still counts',
    );
  });
  test('gunicorn without --bind uses $PORT on all interfaces', () => {
    const d = readDockerfile('FROM python:3.12.1\nUSER 1\nCMD gunicorn app:app\n', 'Dockerfile');
    const start = readStart(d.start!.argv, d.start!.env, { file: 'Dockerfile', line: 3 });
    assert.equal(start.listen?.defaultHost, '0.0.0.0');
    assert.equal(start.listen?.port?.kind, 'env');
  });
  test('ARG in FROM is resolved before judging the tag', () => {
    const r = judgeImage('ARG V=latest\nFROM python:${V}\nUSER 1\n');
    assert.match(r.find((f) => f.rule === 'dockerfile-unpinned-base')?.message ?? '', /python:latest/);
  });
});

describe('dependency files', () => {
  test('requirements.txt', () => {
    const f = checkRequirements(
      '# c\nflask==3.0.3\nrequests>=2\nredis\n-r other.txt\ngit+https://x/y.git@abc\nnumpy==1.26.4 ; python_version>"3.8"\n',
      'requirements.txt',
    );
    assert.deepEqual(
      f.map((x) => [x.line, x.path]),
      [
        [3, 'requests'],
        [4, 'redis'],
      ],
    );
  });
  test('package.json ranges, and nodemon/--inspect in start', () => {
    const f = checkPackageJson(
      JSON.stringify({ scripts: { start: 'node --inspect server.js' }, dependencies: { a: '1.2.3', b: '^1.0.0', c: 'latest', d: 'file:../d' } }, null, 2),
      'package.json',
      true,
    );
    assert.deepEqual(f.map((x) => `${x.rule} ${x.path}`).sort(), ['unpinned-dependencies dependencies.b', 'unpinned-dependencies dependencies.c']);
    // The start script is judged as the command the image runs (npm start → scripts.start).
    const scripts = (start: string): Parameters<typeof readStart>[3] => ({ file: 'package.json', scripts: { start }, lineOf: () => 3 });
    const inspect = readStart(['npm', 'start'], new Map(), { file: 'Dockerfile', line: 9 }, scripts('node --inspect server.js'));
    assert.deepEqual(
      inspect.debugs.map((d) => [d.kind, d.loc.file, d.loc.line]),
      [['inspector', 'package.json', 3]],
    );
    const nodemon = readStart(['npm', 'start'], new Map(), { file: 'Dockerfile', line: 9 }, scripts('nodemon server.js'));
    assert.deepEqual(
      nodemon.debugs.map((d) => d.kind),
      ['reload'],
    );
    const rules = runRules({ name: 'app', sources: [], start: inspect });
    assert.deepEqual(
      rules.map((x) => `${x.severity} ${x.rule} ${x.file}:${x.line}`),
      ['error debug-server package.json:3'],
    );
  });
  test('.env: secrets are errors, plain settings a warning, examples with empty values quiet', () => {
    assert.equal(checkDotenv('OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx\n', '.env')[0]?.severity, 'error');
    assert.equal(checkDotenv('LOG_LEVEL=debug\n', '.env')[0]?.severity, 'warning');
    assert.deepEqual(checkDotenv('OPENAI_API_KEY=\nLOG_LEVEL=info\n', '.env.example'), []);
    assert.deepEqual(checkDotenv('OPENAI_API_KEY=your-key-here\n', '.env.example'), []);
  });
});

describe('readers', () => {
  test('Python: constants resolve into f-strings; Flask defaults; writes; env reads', async () => {
    await loadGrammars(['python']);
    const tree = parse(
      'python',
      [
        'import os',
        'from flask import Flask',
        'import requests',
        'app = Flask(__name__)',
        'PORT_ = os.getenv("DAPR_HTTP_PORT", "3500")',
        'STORE = "statestore"',
        'BASE = f"http://localhost:{PORT_}/v1.0"',
        'def f(): requests.post(f"{BASE}/state/{STORE}", json=[])',
        'open(os.path.join(os.path.dirname(__file__), "data.json"), "w")',
        'key = os.environ["OPENAI_API_KEY"]',
        'app.run()',
        '',
      ].join('\n'),
    );
    const facts = readPython(preparePython(tree, 'app.py', false), new Map());
    assert.ok(facts.strings.some((s) => s.value === 'http://localhost:{env:DAPR_HTTP_PORT}/v1.0/state/statestore'));
    assert.deepEqual(
      facts.listens.map((l) => [l.via, l.defaultHost, l.defaultPort]),
      [['app.run', '127.0.0.1', 5000]],
    );
    assert.deepEqual(
      facts.writes.map((w) => w.path),
      [{ kind: 'str', s: '{appdir}/data.json' }],
    );
    assert.ok(facts.envReads.some((e) => e.name === 'OPENAI_API_KEY'));
    tree.delete();
  });
  test('JavaScript: template literals, listen host, dapr-app-id header, require aliases', async () => {
    await loadGrammars(['javascript']);
    const tree = parse(
      'javascript',
      [
        "const express = require('express');",
        "const fs = require('fs');",
        'const app = express();',
        'const D = `http://localhost:${process.env.DAPR_HTTP_PORT}`;',
        "fetch(`${D}/method/x`, { headers: { 'dapr-app-id': 'app1.app1-ns' } });",
        "fs.writeFileSync('/tmp/x.json', '{}');",
        "app.listen(process.env.PORT || 3000, '127.0.0.1');",
        '',
      ].join('\n'),
    );
    const facts = readJavaScript(prepareJavaScript(tree, 'server.js', false), new Map());
    assert.ok(facts.strings.some((s) => s.key === 'dapr-app-id' && s.value === 'app1.app1-ns'));
    assert.equal(facts.listens[0]?.host?.kind === 'str' && facts.listens[0].host.s, '127.0.0.1');
    assert.deepEqual(
      facts.writes.map((w) => w.path),
      [{ kind: 'str', s: '/tmp/x.json' }],
    );
    tree.delete();
  });
});
