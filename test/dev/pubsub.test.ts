/**
 * Pub/sub with `paddock dev --backend redis`, as in the cluster: Dapr's topic
 * scoping on each app's local component, and per-app Redis users with the
 * provisioner's rule (exact topic keys; the publisher's consent). shop
 * publishes "orders" and accepts mail; mail receives; snoop subscribes
 * without shop's consent and receives nothing, and its Redis user cannot
 * reach the topic by hand either.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { eventually } from '../lib/eventually.js';
import { json, postJson, startDev, tempDir, type Dev } from './harness.js';

const run = promisify(execFile);

/** A tiny app: health, Dapr's subscription query (TOPICS), and what it received. */
const APP_JS = `
const http = require('http');
const topics = (process.env.TOPICS || '').split(',').filter(Boolean);
const got = [];
http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/dapr/subscribe') return res.end(JSON.stringify(topics.map((t) => ({ pubsubname: 'pubsub', topic: t, route: '/events/' + t }))));
    if (req.url.startsWith('/events/')) { got.push(JSON.parse(body)); return res.end('{"status":"SUCCESS"}'); }
    if (req.url === '/received') return res.end(JSON.stringify(got));
    res.end('{}');
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function app(base: string, name: string, pubsub: Record<string, unknown>): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'values.yaml'),
    stringify({
      image: { repository: `localhost:30000/platform/${name}`, tag: '1.0.0' },
      port: 8080,
      healthPath: '/health',
      pubsub: { enabled: true, ...pubsub },
    }),
  );
  writeFileSync(join(dir, 'app.js'), APP_JS);
  const subscribes = (pubsub.subscribes as string[] | undefined) ?? [];
  writeFileSync(join(dir, 'paddock.dev.yaml'), stringify({ command: ['node', 'app.js'], cwd: '.', env: { TOPICS: subscribes.join(',') } }));
  return dir;
}

async function redis(port: number, user: string, pass: string, ...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--no-auth-warning', '--user', user, '--pass', pass, ...args], {
    timeout: 10_000,
  }).catch((e: { stdout: string; stderr: string }) => e);
  return `${stdout}${stderr}`.trim();
}

/** The Redis address and password paddock dev gave an app's pub/sub component. */
function pubsubCredentials(stateDir: string, name: string): { port: number; user: string; pass: string; meta: Record<string, string> } {
  const comp = parse(readFileSync(join(stateDir, 'dev', name, 'components', 'pubsub.yaml'), 'utf8')) as {
    spec: { metadata: { name: string; value: string }[] };
  };
  const meta = Object.fromEntries(comp.spec.metadata.map((m) => [m.name, m.value]));
  return { port: Number(meta.redisHost!.split(':')[1]), user: meta.redisUsername!, pass: meta.redisPassword!, meta };
}

describe("paddock dev --backend redis: topics flow only with the publisher's consent", () => {
  const base = tempDir('pubsub');
  const shop = app(base, 'shop', { publishes: ['orders'], allowSubscribersFrom: ['mail-ns'] });
  const mail = app(base, 'mail', { subscribes: ['orders'] });
  const snoop = app(base, 'snoop', { subscribes: ['orders'] });
  let dev: Dev;

  before(async () => {
    dev = await startDev([shop, mail, snoop], { args: ['--backend', 'redis'] });
  });
  after(async () => {
    await dev?.stop();
  });

  test('the mismatch is reported at start, naming the file and field to change', () => {
    assert.match(
      dev.output(),
      /snoop subscribes to "orders", but shop does not accept it: snoop receives nothing, here and in the cluster\. Add snoop-ns to \S*shop\/values\.yaml pubsub\.allowSubscribersFrom/,
    );
  });

  test("the local components carry the chart's topic scoping", () => {
    assert.deepEqual(
      ['shop', 'mail'].map((n) => {
        const { meta } = pubsubCredentials(dev.stateDir, n);
        return [meta.allowedTopics, meta.publishingScopes, meta.subscriptionScopes];
      }),
      [
        ['orders', 'shop=orders', 'shop='],
        ['orders', 'mail=', 'mail=orders'],
      ],
    );
  });

  test("mail receives shop's event; snoop receives nothing", async () => {
    let n = 0;
    await eventually('mail receives an order', async () => {
      const r = await postJson(`http://127.0.0.1:${dev.apps.shop!.daprHttpPort}/v1.0/publish/pubsub/orders`, { order: ++n });
      assert.equal(r.status, 204);
      return (await json(`${dev.apps.mail!.url}/received`)).body.length > 0;
    });
    const event = (await json(`${dev.apps.mail!.url}/received`)).body[0];
    assert.equal(event.topic, 'orders');
    assert.equal(event.source, 'shop');
    await eventually("snoop's sidecar is refused by Redis", () => /snoop[\s\S]*NOPERM[^\n]*xgroup\|create/.test(dev.output()));
    assert.deepEqual((await json(`${dev.apps.snoop!.url}/received`)).body, []);
  });

  test('a subscriber cannot send to the topic through its sidecar, nor reach it in Redis by hand', async () => {
    const forged = await postJson(`http://127.0.0.1:${dev.apps.mail!.daprHttpPort}/v1.0/publish/pubsub/orders`, { forged: true });
    assert.equal(forged.status, 403);
    const s = pubsubCredentials(dev.stateDir, 'snoop');
    for (const cmd of [
      ['XRANGE', 'orders', '-', '+'],
      ['XADD', 'orders', '*', 'k', 'v'],
      ['XTRIM', 'orders', 'MAXLEN', '0'],
      ['DEL', 'orders'],
      ['XGROUP', 'CREATE', 'orders', 'snoop', '0'],
      ['XADD', 'shop||x', '*', 'k', 'v'],
      ['CLIENT', 'KILL', 'USER', 'shop'],
      ['CLIENT', 'PAUSE', '1000'],
    ]) {
      assert.match(await redis(s.port, s.user, s.pass, ...cmd), /NOPERM/, cmd.join(' '));
    }
    const m = pubsubCredentials(dev.stateDir, 'mail');
    assert.match(await redis(m.port, m.user, m.pass, 'XTRIM', 'orders', 'MAXLEN', '0'), /NOPERM/);
    assert.doesNotMatch(await redis(m.port, m.user, m.pass, 'XPENDING', 'orders', 'mail'), /NOPERM|ERR/, 'the accepted subscriber may use its consumer group');
  });
});
