// `paddock cluster up` executes exactly the plan `--dry-run` prints. Docker,
// kind, kubectl, helm and flux cannot run here, so they are TEST DOUBLES: one
// shell script on PATH under each name that records its arguments and answers
// as a fresh machine would (no cluster yet, every Flux object Ready when
// asked). Harbor's API is a local HTTP server. What is real: the CLI, the plan,
// its executor, the HTTP call.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REQUIRED_TOOLS } from 'paddock/cluster/index.js';
import { paddock } from './lib.js';

const READY = JSON.stringify({
  items: ['infrastructure-controllers', 'infrastructure-configs', 'apps'].map((name) => ({
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system' },
    status: { conditions: [{ type: 'Ready', status: 'True', message: 'Applied' }] },
  })),
});

function fakeTools(): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-fake-tools-'));
  const log = join(dir, 'calls.log');
  writeFileSync(join(dir, 'ready.json'), READY);
  const script = join(dir, 'fake-tool');
  writeFileSync(
    script,
    `#!/bin/sh
# Test double for docker/kind/kubectl/helm/flux: log the call, answer like a fresh machine.
name=$(basename "$0")
printf '%s' "$name" >> "${log}"
for a in "$@"; do printf ' %s' "$a" >> "${log}"; done
printf '\\n' >> "${log}"
case "$name $*" in
  "kind get kubeconfig"*) exit 1 ;;                 # no cluster yet
  "docker inspect"*) exit 1 ;;                      # no registry container yet
  "kubectl --context kind-paddock get kustomizations"*) cat "${join(dir, 'ready.json')}" ;;
  "kubectl --context kind-paddock get secretstores"*) echo '{"items":[]}' ;;
esac
exit 0
`,
  );
  chmodSync(script, 0o755);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const t of REQUIRED_TOOLS) symlinkSync(script, join(bin, t.name));
  return { bin, log };
}

describe('cluster up runs the plan it prints', () => {
  it('every command in order, the Harbor project call, the waits and the summary', async () => {
    const { bin, log } = fakeTools();
    const calls: { auth?: string; url?: string; body: string }[] = [];
    const harbor = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls.push({ auth: req.headers.authorization, url: req.url, body });
        const known = ['/api/v2.0/projects', '/api/v2.0/projects/platform/immutabletagrules'];
        res.writeHead(req.method === 'POST' && known.includes(req.url ?? '') ? 201 : 404).end();
      });
    });
    await new Promise<void>((r) => harbor.listen(0, '127.0.0.1', () => r()));
    const api = `http://127.0.0.1:${(harbor.address() as { port: number }).port}`;
    const env = { ...process.env, PATH: `${bin}:/usr/bin:/bin`, PADDOCK_HARBOR_API: api };
    try {
      const plan = JSON.parse((await paddock(['cluster', 'up', '--images', 'pull', '--dry-run', '--json'], env)).stdout) as {
        steps: { action: { kind: string; argv?: string[]; skipIf?: string[] } }[];
      };
      const r = await paddock(['cluster', 'up', '--images', 'pull'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /everything is Ready/);

      // The commands ran in the plan's order, each preceded by its "already done?" probe.
      const expected: string[] = [];
      for (const s of plan.steps) {
        if (s.action.kind !== 'exec') continue;
        if (s.action.skipIf) expected.push(s.action.skipIf.join(' '));
        // The chart's work folder is a fresh temporary one on a real run.
        expected.push(s.action.argv!.join(' ').replace(/\/tmp\/paddock-cluster-XXXXXX/g, '<work>'));
      }
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      assert.ok(lines.includes('kubectl --context kind-paddock get --raw /apis/metrics.k8s.io/v1beta1/nodes'), 'the Metrics API wait asked the API server');
      assert.ok(lines.includes('docker info --format {{.DockerRootDir}}'), 'the space check asked Docker where it keeps its data');
      const ran = lines
        .filter((l) => !/^kubectl --context kind-paddock get (kustomizations|secretstores|--raw \/apis\/)/.test(l)) // the waits and the summary
        .filter((l) => !/^docker (info --format \{\{\.DockerRootDir\}\}|image inspect --format \{\{\.Id\}\})/.test(l)) // the space check's probes
        .map((l) => l.replace(/\/tmp\/paddock-cluster-\w+/g, '<work>'));
      assert.deepEqual(ran, expected);

      // Harbor's projects: the apps' images and chart, and the Dapr sidecar's mirror;
      // and the platform project's immutable-tag rule (every image repository but the chart's).
      assert.deepEqual(
        calls.map((c) => JSON.parse(c.body)),
        [
          { project_name: 'platform', public: true },
          {
            disabled: false,
            action: 'immutable',
            template: 'immutable_template',
            tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
            scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoExcludes', pattern: 'app' }] },
          },
          { project_name: 'dapr', public: true },
        ],
      );
      assert.deepEqual(
        calls.map((c) => c.url),
        ['/api/v2.0/projects', '/api/v2.0/projects/platform/immutabletagrules', '/api/v2.0/projects'],
      );
      for (const c of calls) assert.equal(Buffer.from((c.auth ?? '').replace(/^Basic /, ''), 'base64').toString(), 'admin:Harbor12345');
    } finally {
      harbor.close();
    }
  });

  it('cluster down deletes the cluster and the registry container, nothing else', async () => {
    const { bin, log } = fakeTools();
    const r = await paddock(['cluster', 'down'], { ...process.env, PATH: `${bin}:/usr/bin:/bin` });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['kind delete cluster --name paddock', 'docker rm -f paddock-registry']);
  });
});
