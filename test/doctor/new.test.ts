/**
 * paddock new, both ways: by flags (no terminal), and as a person answers it in a
 * real terminal: the prompts run under a pseudo-terminal made by util-linux
 * `script`, and the test types keys (Enter, arrows, Ctrl-C) as each question appears.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { checkValuesFile } from 'paddock/contract/index.js';
import { paths } from 'paddock/paths.js';

const cli = join(paths.root, 'packages', 'paddock', 'bin', 'paddock.js');
const corpus = join(paths.root, 'test', 'doctor', 'corpus');
const temps: string[] = [];
const terminals: Terminal[] = [];
after(() => {
  for (const t of terminals) t.close();
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'paddock-new-'));
  temps.push(d);
  return d;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(paths.contract, 'utf8')) as object);

/** The file validates against charts/app/values.schema.json (ajv directly, and the CLI's contract check). */
async function assertValid(file: string, name: string): Promise<Record<string, unknown>> {
  const text = readFileSync(file, 'utf8');
  const values = parse(text) as Record<string, unknown>;
  assert.ok(validate(values), JSON.stringify(validate.errors));
  const { findings } = await checkValuesFile(file, { name });
  assert.deepEqual(
    findings.filter((f) => f.severity === 'error'),
    [],
  );
  const first = text.split('\n')[0]!;
  const m = /^# yaml-language-server: \$schema=(.+)$/.exec(first);
  assert.ok(m, 'first line names the schema');
  assert.equal(resolve(dirname(file), m[1]!), paths.contract);
  return values;
}

function runNew(args: string[], cwd?: string): { code: number | null; stdout: string; stderr: string } {
  // stdin is a pipe, not a terminal: the command must not ask anything.
  const r = spawnSync(process.execPath, [cli, 'new', ...args], { cwd, encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('paddock new without a terminal (flags)', () => {
  test('every question as a flag writes a valid, commented values.yaml', async () => {
    const dir = temp();
    const r = runNew([
      dir,
      '--name',
      'feedback',
      '--port',
      '9000',
      '--state',
      '--secret-keys',
      'openai-api-key,slack-token',
      '--callers',
      'app2, dashboard-ns',
      '--calls',
      'app1',
      '--size',
      'medium',
      '--owner',
      'ops team',
      '--tag',
      '2.1.0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const v = await assertValid(join(dir, 'values.yaml'), 'feedback');
    assert.deepEqual(v.image, { repository: 'localhost:30000/platform/feedback', tag: '2.1.0' });
    assert.equal(v.port, 9000);
    assert.equal(v.size, 'medium');
    assert.deepEqual(v.networkPolicy, { allowIngressFrom: ['app2-ns', 'dashboard-ns'], allowEgressTo: ['app1-ns'] });
    assert.deepEqual(v.statestore, { enabled: true });
    assert.deepEqual(v.secretstore, { enabled: true, keys: ['openai-api-key', 'slack-token'] });
    const text = readFileSync(join(dir, 'values.yaml'), 'utf8');
    assert.match(text, /# "Remember things between restarts"/);
  });

  test('answers are pre-filled from what doctor sees in the source', async () => {
    const dir = temp();
    cpSync(join(corpus, 'flask-bad'), dir, { recursive: true });
    rmSync(join(dir, 'values.yaml'));
    const r = runNew([dir, '--yes', '--name', 'feedback', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { ok: boolean; prefilled: string[] };
    assert.equal(out.ok, true);
    assert.ok(
      out.prefilled.some((p) => /^port 5000: app\.run in app\.py:48$/.test(p)),
      out.prefilled.join('; '),
    );
    const v = await assertValid(join(dir, 'values.yaml'), 'feedback');
    assert.equal(v.port, 5000);
    assert.deepEqual(v.statestore, { enabled: true });
    assert.deepEqual(v.secretstore, { enabled: true, keys: ['openai-api-key'] });
    assert.deepEqual((v.networkPolicy as Record<string, unknown>).allowEgressTo, ['reports-ns']);
  });

  test('flags win over the source; --no-state turns the store off', async () => {
    const dir = temp();
    cpSync(join(corpus, 'express-good'), dir, { recursive: true });
    rmSync(join(dir, 'values.yaml'));
    assert.equal(runNew([dir, '--no-state', '--port', '8081', '--name', 'tasks']).code, 0);
    const v = await assertValid(join(dir, 'values.yaml'), 'tasks');
    assert.equal(v.port, 8081);
    assert.deepEqual(v.statestore, { enabled: false });
    assert.deepEqual((v.networkPolicy as Record<string, unknown>).allowEgressTo, ['billing-ns']);
  });

  test('an existing values.yaml is never replaced without --force', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'values.yaml'), '# mine\n');
    const r = runNew([dir, '--yes']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /already exists; nothing was changed/);
    assert.equal(readFileSync(join(dir, 'values.yaml'), 'utf8'), '# mine\n');
    assert.equal(runNew([dir, '--yes', '--force', '--name', 'mine']).code, 0);
    await assertValid(join(dir, 'values.yaml'), 'mine');
  });

  test('--port none writes a worker the contract accepts; a health path or callers with it are refused', async () => {
    const dir = temp();
    const r = runNew([dir, '--name', 'mailer', '--port', 'none', '--calls', 'app1']);
    assert.equal(r.code, 0, r.stderr);
    const v = await assertValid(join(dir, 'values.yaml'), 'mailer');
    assert.equal(v.port, 'none');
    assert.equal(v.healthPath, undefined);
    assert.deepEqual(v.networkPolicy, { allowEgressTo: ['app1-ns'] });
    assert.match(readFileSync(join(dir, 'values.yaml'), 'utf8'), /# The app answers no web requests/);
    const other = temp();
    for (const args of [
      ['--health-path', '/health'],
      ['--callers', 'app2'],
    ]) {
      const bad = runNew([other, '--yes', '--port', 'none', ...args]);
      assert.equal(bad.code, 2, args.join(' '));
      assert.match(bad.stderr, /--port none/);
    }
    assert.equal(existsSync(join(other, 'values.yaml')), false);
  });

  test('without a health route in the code, no healthPath is written: the platform checks the port', async () => {
    const dir = temp();
    assert.equal(runNew([dir, '--name', 'plain', '--yes']).code, 0);
    const v = await assertValid(join(dir, 'values.yaml'), 'plain');
    assert.equal(v.healthPath, undefined);
    assert.match(readFileSync(join(dir, 'values.yaml'), 'utf8'), /No health path: the platform checks that the app accepts connections on its port/);
  });

  test('bad flags are refused with exit 2 and no file', () => {
    const dir = temp();
    for (const args of [
      ['--port', '3500'],
      ['--port', 'eighty'],
      ['--name', 'My App'],
      ['--callers', 'App_2'],
      ['--tag', 'latest'],
      ['--size', 'huge'],
    ]) {
      const r = runNew([dir, '--yes', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    assert.equal(existsSync(join(dir, 'values.yaml')), false);
  });
});

/** `paddock new` under a pseudo-terminal; `send` types when the screen shows a question. */
class Terminal {
  private out = '';
  private readonly proc;
  readonly exited: Promise<number | null>;

  constructor(cwd: string, args: string[]) {
    const cmd = [process.execPath, cli, 'new', ...args].map((a) => `'${a}'`).join(' ');
    this.proc = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd, env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' } });
    this.proc.stdout.on('data', (d: Buffer) => {
      this.out += d.toString();
    });
    this.exited = new Promise((res) => this.proc.on('close', (code) => res(code)));
    terminals.push(this);
  }

  /** Stop the terminal if a test failed half-way (closing the pty hangs up the CLI). */
  close(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }

  /** Screen text without escape sequences, with lines the terminal wrapped joined again. */
  get screen(): string {
    // eslint-disable-next-line no-control-regex
    return this.out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\r\n]+/g, ' ');
  }

  async expect(re: RegExp): Promise<void> {
    for (let i = 0; i < 400; i++) {
      if (re.test(this.screen)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    this.close();
    throw new Error(`the terminal never showed ${re}; it shows:\n${this.screen.slice(-1500)}`);
  }

  async answer(question: RegExp, keys: string): Promise<void> {
    await this.expect(question);
    this.out = '';
    this.proc.stdin.write(keys);
  }
}

const ENTER = '\r';
const DOWN = '\x1b[B';
const CTRL_C = '\x03';

describe('paddock new in a terminal (interactive)', {
  timeout: 120_000,
  skip: spawnSync('script', ['--version']).status !== 0 ? 'util-linux script is not installed' : false,
}, () => {
  test('defaults, typed answers and arrow keys make a valid file', async () => {
    const dir = temp();
    cpSync(join(corpus, 'express-bad'), dir, { recursive: true });
    rmSync(join(dir, 'values.yaml'));
    const t = new Terminal(dir, ['.']);
    await t.expect(/port 3000: app\.listen in server\.js:30/);
    await t.answer(/What is your app called\?/, `${'\x7f'.repeat(30)}task-board${ENTER}`);
    await t.answer(/Does your app answer web requests\?.*\(Y\/n\)/, ENTER);
    await t.answer(/Which port does it listen on\? \(3000\)/, ENTER);
    await t.answer(/remember things between restarts\?.*\(Y\/n\)/, ENTER);
    await t.answer(/API keys or passwords\?.*\(Y\/n\)/, ENTER);
    await t.answer(/What are they called\?/, ENTER);
    await t.answer(/Which other apps should be able to call it\?/, `app2${ENTER}`);
    await t.answer(/Which apps does it call\?/, ENTER);
    await t.answer(/How big is it\?/, `${DOWN}${ENTER}`);
    await t.answer(/Who owns it\?/, `ops${ENTER}`);
    await t.answer(/Which version of its image/, ENTER);
    assert.equal(await t.exited, 0, t.screen);
    const v = await assertValid(join(dir, 'values.yaml'), 'task-board');
    assert.equal(v.port, 3000);
    assert.equal(v.size, 'medium');
    assert.equal(v.owner, 'ops');
    assert.deepEqual(v.networkPolicy, { allowIngressFrom: ['app2-ns'], allowEgressTo: ['billing-ns'] });
    assert.deepEqual(v.secretstore, { enabled: true, keys: ['openai-api-key'] });
  });

  test('a wrong answer is explained and asked again', async () => {
    const dir = temp();
    const t = new Terminal(dir, [
      '.',
      '--name',
      'bot',
      '--no-state',
      '--no-secrets',
      '--callers',
      '',
      '--calls',
      '',
      '--size',
      'small',
      '--owner',
      '',
      '--tag',
      '1.0.0',
    ]);
    await t.answer(/Does your app answer web requests\?/, ENTER);
    await t.answer(/Which port does it listen on\?/, `3500${ENTER}`);
    await t.expect(/3500 belongs to the Dapr sidecar/);
    await t.answer(/Dapr sidecar/, `${'\x7f'.repeat(4)}8088${ENTER}`);
    assert.equal(await t.exited, 0, t.screen);
    assert.equal((await assertValid(join(dir, 'values.yaml'), 'bot')).port, 8088);
  });

  test('Ctrl-C in the middle leaves no file, not even a temporary one', async () => {
    const dir = temp();
    const t = new Terminal(dir, ['.', '--name', 'bot']);
    await t.answer(/Does your app answer web requests\?/, ENTER);
    await t.answer(/Which port does it listen on\?/, ENTER);
    await t.answer(/remember things between restarts\?/, CTRL_C);
    assert.equal(await t.exited, 130);
    assert.match(t.screen, /Stopped; nothing was written/);
    assert.deepEqual(readdirSync(dir), []);
  });

  test('"no" to web requests makes a worker: port none, no callers asked, nothing only a web app has', async () => {
    const dir = temp();
    const t = new Terminal(dir, ['.', '--name', 'mailer', '--no-state', '--no-secrets', '--calls', '', '--size', 'small', '--owner', '', '--tag', '1.0.0']);
    await t.answer(/Does your app answer web requests\?.*\(Y\/n\)/, `n${ENTER}`);
    assert.equal(await t.exited, 0, t.screen);
    assert.doesNotMatch(t.screen, /Which port|should be able to call it/);
    const v = await assertValid(join(dir, 'values.yaml'), 'mailer');
    assert.equal(v.port, 'none');
    assert.equal(v.healthPath, undefined);
    assert.equal((v.networkPolicy as Record<string, unknown>).allowIngressFrom, undefined);
  });

  test('an existing file is kept unless the author says yes', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'values.yaml'), '# mine\n');
    const t = new Terminal(dir, ['.']);
    await t.answer(/values\.yaml already exists\. Replace it\? \(y\/N\)/, ENTER);
    assert.equal(await t.exited, 0);
    assert.match(t.screen, /Kept .*values\.yaml; nothing was written/);
    assert.equal(readFileSync(join(dir, 'values.yaml'), 'utf8'), '# mine\n');
  });
});
