// Every exit path of validate, render, check and explain: 0 clean, 1 findings,
// 2 usage or I/O error; --json has one shape; nothing ever shows a stack trace.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { paddock, STACK } from '../lib/cli.js';

const app1 = 'apps/app1/values.yaml';
const app2 = 'apps/app2/values.yaml';
const dir = mkdtempSync(join(tmpdir(), 'paddock-cli-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const badValues = file('bad.yaml', 'image: { repository: localhost:30000/platform/x, tag: latest }\nport: 80\n');
const brokenYaml = file('broken.yaml', 'image:\n  repository: localhost:30000/platform/x\n  tag: "1.0"\nport: [8080\n');
const notAMap = file('list.yaml', '- just\n- a list\n');
const unreadable = file('secret.yaml', 'image: {}\n');
chmodSync(unreadable, 0o000);

interface Json {
  ok: boolean;
  findings: { rule: string; severity: string; file?: string; line?: number; path?: string; message: string; fix?: string }[];
}

function shape(out: string): Json {
  const j = JSON.parse(out) as Json;
  assert.equal(typeof j.ok, 'boolean');
  assert.ok(Array.isArray(j.findings));
  for (const f of j.findings) {
    assert.deepEqual(
      Object.keys(f).filter((k) => !['rule', 'severity', 'file', 'line', 'path', 'message', 'fix'].includes(k)),
      [],
    );
    assert.ok(f.rule && f.severity && f.message);
  }
  return j;
}

describe('paddock validate', () => {
  it('exits 0 on the examples', async () => {
    const r = await paddock(['validate', app1, app2]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /meet the contract/);
  });
  it('exits 1 with the field, the line and a fix', async () => {
    const r = await paddock(['validate', badValues, '--name', 'x', '--json']);
    assert.equal(r.code, 1);
    const j = shape(r.stdout);
    assert.equal(j.ok, false);
    const tag = j.findings.find((f) => f.path === 'image.tag');
    assert.equal(tag?.line, 1);
    assert.equal(j.findings.find((f) => f.path === 'port')?.line, 2);
  });
  it('names the line of a YAML syntax error', async () => {
    const r = await paddock(['validate', brokenYaml, '--json']);
    assert.equal(r.code, 1);
    const j = shape(r.stdout);
    assert.equal(j.findings[0]?.rule, 'yaml');
    assert.ok((j.findings[0]?.line ?? 0) >= 4);
  });
  it('refuses a file that is not a set of settings', async () => {
    const r = await paddock(['validate', notAMap]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /key: value/);
  });
  it('exits 2 for a missing file, a folder, an unreadable file, or no argument', async () => {
    for (const args of [
      ['validate', join(dir, 'nope.yaml')],
      ['validate', dir],
      ['validate'],
      ['validate', '--bogus', app1],
      ['validate', app1, app2, '--name', 'x'],
    ]) {
      const r = await paddock(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr + r.stdout, STACK);
      assert.ok(r.stderr.length > 0);
    }
    if (process.getuid?.() !== 0) {
      const r = await paddock(['validate', unreadable]);
      assert.equal(r.code, 2);
    }
  });
});

describe('paddock render', () => {
  it('prints the manifests of the real chart, exit 0', async () => {
    const r = await paddock(['render', app1]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kind: Deployment/);
    assert.match(r.stdout, /namespace: app1-ns/);
  });
  it('exits 1 on bad values, with the findings on stderr and nothing on stdout', async () => {
    const r = await paddock(['render', badValues]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /image\.tag/);
  });
  it('exits 2 on a missing file', async () => {
    const r = await paddock(['render', join(dir, 'nope.yaml')]);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stderr, STACK);
  });
});

describe('paddock check', () => {
  it('passes the example apps together (exit 0), and prints the matrix with --verbose', async () => {
    const r = await paddock(['check', app1, app2, '--verbose']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /app2\s+app1\s+open\s+allow\s+both\s+allowed/);
  });
  it('checks a folder: every values.yaml in it', async () => {
    const r = await paddock(['check', 'apps', '--json']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(shape(r.stdout).ok, true);
  });
  it('a one-sided declaration is a connectivity finding', async () => {
    // app3 says it calls app1, but app1 does not allow app3-ns: the call is refused, and check says which file to edit.
    mkdirSync(join(dir, 'app3'));
    const app3 = file('app3/values.yaml', 'image: { repository: localhost:30000/platform/app3, tag: "1.0" }\nnetworkPolicy: { allowEgressTo: [app1-ns] }\n');
    const r = await paddock(['check', app1, app3, '--json']);
    const j = shape(r.stdout);
    const f = j.findings.find((x) => x.rule === 'connectivity');
    assert.ok(f, r.stdout);
    assert.match(`${f.message} ${f.fix}`, /app1/);
  });
  it('exits 1 on bad values and on a hand-written manifest that breaks the guardrails', async () => {
    let r = await paddock(['check', badValues, '--json']);
    assert.equal(r.code, 1);
    assert.ok(shape(r.stdout).findings.some((f) => f.rule === 'schema'));
    const manifest = file(
      'deploy.yaml',
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata: { name: root, namespace: app1-ns }',
        'spec:',
        '  containers:',
        '    - { name: c, image: "docker.io/library/busybox:1.36", securityContext: { privileged: true } }',
      ].join('\n'),
    );
    r = await paddock(['check', app1, manifest, '--json']);
    assert.equal(r.code, 1);
    const j = shape(r.stdout);
    const f = j.findings.find((x) => x.rule === 'paddock-pod-security-restricted');
    assert.ok(f, r.stdout);
    assert.equal(f.file, manifest);
  });
  it('a strict-schema violation in a manifest names the field', async () => {
    const typo = file(
      'typo.yaml',
      'apiVersion: v1\nkind: Service\nmetadata: { name: s, namespace: app1-ns }\nspec: { ports: [ { port: 80 } ], selectr: { a: b } }\n',
    );
    const r = await paddock(['check', typo, '--json']);
    assert.equal(r.code, 1);
    assert.ok(
      shape(r.stdout).findings.some((f) => f.rule === 'schema' && /selectr/.test(f.message)),
      r.stdout,
    );
  });
  it('a manifest that does not parse is one yaml finding per document, not a schema error too', async () => {
    const broken = file('broken-manifest.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: app1-ns\n---\nfoo: bar\n');
    const r = await paddock(['check', broken, '--json']);
    assert.equal(r.code, 1);
    const j = shape(r.stdout);
    assert.deepEqual(
      j.findings.map((f) => f.rule),
      ['yaml', 'yaml'],
    );
    assert.match(j.findings[1]?.message ?? '', /not a Kubernetes object/);
  });
  it('exits 2 for a missing path or an empty folder', async () => {
    for (const args of [['check', join(dir, 'nope')], ['check', mkdtempSync(join(tmpdir(), 'paddock-empty-'))], ['check']]) {
      const r = await paddock(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stderr + r.stdout, STACK);
    }
  });
});

describe('paddock explain', () => {
  it('says what the app gets, exit 0', async () => {
    const r = await paddock(['explain', app1]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Who may call it: app2 \(app2-ns\)/);
    assert.match(r.stdout, /state store "statestore"/);
  });
  it('--json is data', async () => {
    const r = await paddock(['explain', app2, '--json']);
    const e = JSON.parse(r.stdout) as { calls: string[]; namespace: string };
    assert.deepEqual(e.calls, ['app1-ns']);
    assert.equal(e.namespace, 'app2-ns');
  });
  it('exits 1 on bad values, 2 on a missing file', async () => {
    assert.equal((await paddock(['explain', badValues])).code, 1);
    assert.equal((await paddock(['explain', join(dir, 'nope.yaml')])).code, 2);
  });
});

describe('the program', () => {
  it('--help on every command, exit 0', async () => {
    const top = await paddock(['--help']);
    assert.equal(top.code, 0);
    const names = [...top.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1] as string).filter((n) => n !== 'help');
    assert.ok(names.length >= 10, top.stdout);
    for (const name of names) {
      const r = await paddock([name, '--help']);
      assert.equal(r.code, 0, name);
      assert.match(r.stdout, new RegExp(`Usage: paddock ${name}`));
    }
  });
  it('an unknown command is a usage error', async () => {
    const r = await paddock(['deploy']);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stderr, STACK);
  });
  it('NO_COLOR leaves no escape codes', async () => {
    const r = await paddock(['validate', badValues]);
    assert.doesNotMatch(r.stdout, /\u001b\[/);
  });
});
