// Pub/sub between tenants as the cluster wires it, with every real part that
// runs here: three apps onboarded into a copy of platform/ (their Namespaces
// carry their topics), the tenant provisioner's own functions turning those
// Namespaces into Redis ACL users on a real redis-server, the shared chart's
// pubsub Component (helm template) loaded by a real daprd per app. shop
// publishes "orders" and accepts mail; mail subscribes and receives; snoop
// subscribes too, is not accepted, and receives nothing. ACL LOG shows that
// Dapr sends nothing the accepted apps' rules refuse.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { freePort } from 'paddock/dev/ports.js';
import { GroupProcess } from 'paddock/dev/proc.js';
import { tool } from 'paddock/paths.js';
import { one, renderWithHelm } from '../lib/chart.js';
import { eventually } from '../lib/eventually.js';
import { build, copyOfPlatform, paddock, platform, redisCli, startRedisLikeTheDeployment } from './lib.js';

const pexec = promisify(execFile);
const ADMIN = 'admin-pubsub-test';
const APPS = {
  shop: { owner: 'sales', pubsub: { enabled: true, publishes: ['orders'], allowSubscribersFrom: ['mail-ns'] } },
  mail: { owner: 'support', pubsub: { enabled: true, subscribes: ['orders'] } },
  snoop: { owner: 'nobody', pubsub: { enabled: true, subscribes: ['orders'] } },
} as const;
type App = keyof typeof APPS;

interface Running {
  daprHttp: number;
  received: unknown[];
  server: Server;
  daprd: GroupProcess;
  log: string[];
}
const running = new Map<App, Running>();
let redis: { port: number; process: { kill(): void } };

/** The app: answers Dapr's subscription query with its values' topics, and keeps what it receives. */
function startApp(app: App, port: number): Promise<{ server: Server; received: unknown[] }> {
  const received: unknown[] = [];
  const topics: readonly string[] = 'subscribes' in APPS[app].pubsub ? APPS[app].pubsub.subscribes : [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/dapr/subscribe') return res.end(JSON.stringify(topics.map((t) => ({ pubsubname: 'pubsub', topic: t, route: `/events/${t}` }))));
      if (req.url?.startsWith('/events/')) {
        received.push(JSON.parse(body));
        return res.end('{"status":"SUCCESS"}');
      }
      res.end('{}');
    });
  });
  return new Promise((r) => server.listen(port, '127.0.0.1', () => r({ server, received })));
}

before(async () => {
  // Onboard the three apps; the tree's Namespaces are what the provisioner reads.
  const root = copyOfPlatform();
  const work = mkdtempSync(join(tmpdir(), 'paddock-pubsub-'));
  const files = new Map<App, string>();
  for (const [app, values] of Object.entries(APPS) as [App, (typeof APPS)[App]][]) {
    mkdirSync(join(work, app));
    const file = join(work, app, 'values.yaml');
    writeFileSync(file, stringify({ image: { repository: `localhost:30000/platform/${app}`, tag: '1.0.0' }, ...values }));
    files.set(app, file);
    const r = await paddock(['onboard', file, '--platform', root]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  const namespaces = (await build('apps', root)).filter((o) => o.kind === 'Namespace');

  redis = await startRedisLikeTheDeployment(ADMIN);
  const script = join(platform, 'infrastructure/configs/tenant-provisioner');
  const py = [
    `import sys, json; sys.path.insert(0, ${JSON.stringify(script)}); import provisioner as p`,
    `tenants, skipped = p.select_tenants(json.loads(${JSON.stringify(JSON.stringify(namespaces))}))`,
    'assert not skipped, skipped',
    'grants, problems = p.topic_grants(tenants)',
    `r = p.Redis(${JSON.stringify(ADMIN)})`,
    "for a in sorted(tenants): r.ensure_user(a, 'pw-' + a, grants[a])",
    'r.close()',
    'print(json.dumps(problems))',
  ].join('\n');
  const out = await pexec('python3', ['-c', py], {
    env: { ...process.env, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port), PYTHONDONTWRITEBYTECODE: '1' },
  });
  assert.deepEqual(JSON.parse(out.stdout), [{ kind: 'not-accepted', topic: 'orders', subscriber: 'snoop', publisher: 'shop' }]);
  await redisCli(redis.port, 'admin', ADMIN, 'ACL', 'LOG', 'RESET');

  for (const app of Object.keys(APPS) as App[]) {
    // The chart's own Component, with the Secret reference resolved as the Dapr operator would.
    const rendered = await renderWithHelm(app, files.get(app)!);
    assert.equal(rendered.code, 0, rendered.stderr);
    const comp = one(rendered.objects, 'Component', 'pubsub') as unknown as {
      metadata: Record<string, unknown>;
      spec: { metadata: { name: string; value?: string; secretKeyRef?: unknown }[] };
    };
    comp.spec.metadata = comp.spec.metadata.map((m) =>
      m.name === 'redisHost' ? { name: m.name, value: `127.0.0.1:${redis.port}` } : m.secretKeyRef ? { name: m.name, value: `pw-${app}` } : m,
    );
    delete comp.metadata.namespace;
    const dir = join(work, app, 'components');
    mkdirSync(dir);
    writeFileSync(join(dir, 'pubsub.yaml'), stringify(comp));

    const [appPort, http, grpc, internal, metrics] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const { server, received } = await startApp(app, appPort!);
    const log: string[] = [];
    const daprd = new GroupProcess(
      tool('daprd'),
      [
        '--mode',
        'standalone',
        '--app-id',
        app,
        '--app-port',
        String(appPort),
        '--app-protocol',
        'http',
        '--app-channel-address',
        '127.0.0.1',
        '--dapr-http-port',
        String(http),
        '--dapr-grpc-port',
        String(grpc),
        '--dapr-internal-grpc-port',
        String(internal),
        '--metrics-port',
        String(metrics),
        '--dapr-listen-addresses',
        '127.0.0.1',
        '--dapr-internal-grpc-listen-address',
        '127.0.0.1',
        '--metrics-listen-address',
        '127.0.0.1',
        '--resources-path',
        dir,
        '--log-level',
        'info',
      ],
      { cwd: dir, env: { ...process.env, NAMESPACE: `${app}-ns` }, sink: (line) => log.push(line) },
    );
    running.set(app, { daprHttp: http!, received, server, daprd, log });
  }
  for (const [app, r] of running) {
    await eventually(
      `${app}'s daprd is ready`,
      async () => (await fetch(`http://127.0.0.1:${r.daprHttp}/v1.0/healthz`).catch(() => undefined))?.status === 204,
      120_000,
    ).catch((err: Error) => {
      // What daprd said is the only clue to why it never became ready (a port taken meanwhile, a component it refused).
      throw new Error(`${err.message}; daprd's last lines:\n${r.log.slice(-15).join('\n')}`);
    });
  }
});

after(async () => {
  for (const r of running.values()) {
    await r.daprd.stop();
    r.server.close();
  }
  redis?.process.kill();
});

const publish = (app: App, topic: string, data: unknown) =>
  fetch(`http://127.0.0.1:${running.get(app)!.daprHttp}/v1.0/publish/pubsub/${topic}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });

/** Users and commands ACL LOG recorded as refused. */
async function refusals(): Promise<string[]> {
  const lines = (await redisCli(redis.port, 'admin', ADMIN, 'ACL', 'LOG')).split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== 'object') continue;
    out.push(`${lines[lines.indexOf('username', i) + 1]} ${lines[i + 1]}`);
  }
  return [...new Set(out)].sort();
}

describe("pub/sub between tenants: real daprd, the chart's component, the provisioner's ACL", () => {
  it("the accepted subscriber receives the publisher's event; the unaccepted one receives nothing", async () => {
    // Publish until mail's consumer group exists and the event arrives (mail's subscription starts after its daprd is healthy).
    let n = 0;
    await eventually(
      'mail receives an order',
      async () => {
        assert.equal((await publish('shop', 'orders', { order: ++n })).status, 204);
        return running.get('mail')!.received.length > 0;
      },
      60_000,
    );
    const event = running.get('mail')!.received[0] as { topic: string; source: string; data: { order: number } };
    assert.equal(event.topic, 'orders');
    assert.equal(event.source, 'shop');
    // snoop has been trying to subscribe all along; its rule refuses the consumer group.
    await eventually('snoop is refused by Redis', async () => (await refusals()).includes('snoop xgroup|create'), 60_000);
    assert.deepEqual(running.get('snoop')!.received, []);
    assert.ok(running.get('snoop')!.log.some((l) => /NOPERM this user has no permissions to run the 'xgroup\|create' command/.test(l)));
  });

  it("Dapr's topic scoping stops a subscriber or a stranger from sending to the topic at its sidecar", async () => {
    for (const app of ['mail', 'snoop'] as const) {
      const r = await publish(app, 'orders', { forged: true });
      assert.equal(r.status, 403, app);
      assert.match(await r.text(), new RegExp(`topic orders is not allowed for app id ${app}`));
    }
    assert.equal((await publish('shop', 'returns', {})).status, 403, 'shop sends only the topics it declares');
  });

  it('Redis refused nothing Dapr sent for the publisher and the accepted subscriber', async () => {
    const refused = await refusals();
    assert.deepEqual(
      refused.filter((r) => !r.startsWith('snoop ')),
      [],
      refused.join('\n'),
    );
    assert.deepEqual(
      refused.filter((r) => r.startsWith('snoop ')).filter((r) => !/^snoop (xgroup\|create|xreadgroup)$/.test(r)),
      [],
    );
  });
});
