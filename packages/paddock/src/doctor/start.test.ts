import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readDockerfile } from './dockerfile.js';
import type { Val } from './facts.js';
import { isEntry, readStart, type PackageScripts, type StartCommand } from './start.js';

/** The start command of a Dockerfile's final stage, read as doctor reads it. */
function start(dockerfile: string, scripts?: Record<string, string>): StartCommand {
  const d = readDockerfile(dockerfile, 'Dockerfile');
  assert.ok(d.start, 'the Dockerfile has a start command');
  const pkg: PackageScripts | undefined = scripts && { file: 'package.json', scripts, lineOf: (n) => Object.keys(scripts).indexOf(n) + 3 };
  return readStart(d.start.argv, d.start.env, { file: 'Dockerfile', line: d.start.line }, pkg);
}

const shown = (v: Val | undefined): string | undefined =>
  v === undefined
    ? undefined
    : v.kind === 'str'
      ? v.s
      : v.kind === 'num'
        ? String(v.n)
        : v.kind === 'env'
          ? `$${v.name}${v.fallback ? `:-${shown(v.fallback)}` : ''}`
          : v.kind;

function where(s: StartCommand): [string | undefined, string | undefined, string | undefined] {
  return [s.listen?.via, shown(s.listen?.host) ?? `default ${s.listen?.defaultHost}`, shown(s.listen?.port) ?? `default ${s.listen?.defaultPort}`];
}

describe('the start command decides host and port', () => {
  test('flask run with ENV in both forms, inherited from the stage it is built FROM', () => {
    const s = start(
      'FROM python:3.12.4 AS base\nENV FLASK_APP hello.py\nENV FLASK_RUN_PORT 8000\nENV FLASK_RUN_HOST=0.0.0.0\nCMD ["flask", "run"]\nFROM base AS final\nUSER 1\n',
    );
    assert.deepEqual(where(s), ['flask run', '0.0.0.0', '8000']);
    assert.deepEqual(where(start('FROM python:3.12.4\nCMD ["flask", "run"]\n')), ['flask run', 'default 127.0.0.1', 'default 5000']);
    assert.deepEqual(where(start('FROM python:3.12.4\nCMD flask run --host=0.0.0.0 -p 8080\n')), ['flask run', '0.0.0.0', '8080']);
    assert.deepEqual(where(start('FROM python:3.12.4\nCMD ["python", "-m", "flask", "run", "--host", "0.0.0.0"]\n')), ['flask run', '0.0.0.0', 'default 5000']);
  });
  test('ARG defaults flow into ENV', () => {
    const s = start('FROM python:3.12.4\nARG APP_PORT=9000\nENV FLASK_RUN_PORT=${APP_PORT} FLASK_RUN_HOST="0.0.0.0"\nCMD ["flask", "run"]\n');
    assert.deepEqual(where(s), ['flask run', '0.0.0.0', '9000']);
  });
  test('gunicorn: --bind, -b, GUNICORN_CMD_ARGS, $PORT, and a config file it does not read', () => {
    assert.deepEqual(where(start('FROM python:3.12.4\nCMD exec gunicorn --bind :$PORT --workers 1 main:app\n')), ['gunicorn', '0.0.0.0', '$PORT']);
    assert.deepEqual(where(start('FROM python:3.12.4\nCMD ["gunicorn", "-b", "127.0.0.1:5000", "app:app"]\n')), ['gunicorn', '127.0.0.1', '5000']);
    assert.deepEqual(where(start('FROM python:3.12.4\nENV GUNICORN_CMD_ARGS="--bind 0.0.0.0:8080 --workers 2"\nCMD ["gunicorn", "app:app"]\n')), [
      'gunicorn',
      '0.0.0.0',
      '8080',
    ]);
    assert.deepEqual(where(start('FROM python:3.12.4\nCMD ["gunicorn", "app:app"]\n')), ['gunicorn', 'default 0.0.0.0', '$PORT:-8000']);
    assert.deepEqual(where(start('FROM python:3.12.4\nCMD ["gunicorn", "-c", "gunicorn.conf.py", "app:app"]\n')), ['gunicorn', 'unknown', 'unknown']);
  });
  test('uvicorn, python -m uvicorn, UVICORN_HOST; fastapi run and fastapi dev', () => {
    assert.deepEqual(where(start('FROM python:3.12.4\nCMD ["uvicorn", "main:app", "--port", "8000"]\n')), ['uvicorn', 'default 127.0.0.1', '8000']);
    assert.deepEqual(where(start('FROM python:3.12.4\nCMD ["python", "-m", "uvicorn", "main:app", "--host=0.0.0.0", "--port=8080"]\n')), [
      'uvicorn',
      '0.0.0.0',
      '8080',
    ]);
    assert.deepEqual(where(start('FROM python:3.12.4\nENV UVICORN_HOST=0.0.0.0\nCMD ["uvicorn", "main:app"]\n')), ['uvicorn', '0.0.0.0', 'default 8000']);
    assert.deepEqual(where(start('FROM python:3.12.4\nCMD ["fastapi", "run", "--workers", "4", "app/main.py"]\n')), [
      'fastapi run',
      'default 0.0.0.0',
      'default 8000',
    ]);
    const dev = start('FROM python:3.12.4\nCMD ["fastapi", "dev", "main.py"]\n');
    assert.deepEqual(where(dev), ['fastapi dev', 'default 127.0.0.1', 'default 8000']);
    assert.deepEqual(
      dev.debugs.map((d) => d.kind),
      ['reload'],
    );
  });
  test('ENTRYPOINT ["python3"] + CMD ["app.py"] runs app.py; ENTRYPOINT drops an inherited CMD', () => {
    assert.deepEqual(start('FROM python:3.12.4\nENTRYPOINT ["python3"]\nCMD ["app.py"]\n').runs, { lang: 'python', file: 'app.py' });
    assert.deepEqual(start('FROM python:3.12.4 AS a\nCMD ["x.py"]\nFROM a\nENTRYPOINT ["python", "app.py"]\n').argv, ['python', 'app.py']);
    assert.deepEqual(start('FROM python:3.12.4\nCMD ["python", "-m", "orders"]\n').runs, { lang: 'python', module: 'orders' });
  });
  test('npm start and npm run X go through package.json scripts', () => {
    const s = start('FROM node:20.18.0\nCMD ["npm", "run", "dev"]\n', { start: 'node server.js', dev: 'nodemon server.js' });
    assert.deepEqual(
      [s.script?.name, s.runs, s.debugs.map((d) => [d.kind, d.loc.file, d.loc.line])],
      ['dev', { lang: 'node', file: 'server.js' }, [['reload', 'package.json', 4]]],
    );
    const next = start('FROM node:20.18.0\nCMD ["npm", "start"]\n', { start: 'next start -p 8080' });
    assert.deepEqual(where(next), ['next start', 'default 0.0.0.0', '8080']);
    const noScript = start('FROM node:20.18.0\nCMD ["npm", "start"]\n', {});
    assert.deepEqual(noScript.runs, { lang: 'node', file: 'server.js' }, 'npm start without a start script runs node server.js');
    const inspect = start('FROM node:20.18.0\nENV NODE_OPTIONS=--inspect=0.0.0.0:9229\nCMD ["node", "index.js"]\n');
    assert.deepEqual(
      inspect.debugs.map((d) => d.kind),
      ['inspector'],
    );
  });
});

describe('which file the start command runs', () => {
  test('python file or module, node file or its compiled twin', () => {
    assert.ok(isEntry('app.py', { lang: 'python', file: 'app.py' }));
    assert.ok(isEntry('src/app.py', { lang: 'python', file: '/code/src/app.py' }) || isEntry('src/app.py', { lang: 'python', file: 'src/app.py' }));
    assert.ok(!isEntry('wsgi.py', { lang: 'python', file: 'app.py' }));
    assert.ok(isEntry('orders/__main__.py', { lang: 'python', module: 'orders' }));
    assert.ok(isEntry('src/server.ts', { lang: 'node', file: 'dist/server.js' }));
    assert.ok(!isEntry('src/worker.ts', { lang: 'node', file: 'dist/server.js' }));
  });
});
