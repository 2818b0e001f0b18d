/**
 * A call by bare app-id under `paddock dev`, with the real daprd: each app runs
 * in its own namespace, so the caller's sidecar refuses `invoke/orders/…` (daprd
 * 1.17.5 answers 500 ERR_DIRECT_INVOKE: "unexpected SPIFFE ID: spiffe://public/ns/orders-ns/orders"),
 * and paddock dev says so in one line naming `orders.orders-ns`; the named call works.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/eventually.js';
import { startDev, tempDir, type Dev } from './harness.js';

const base = tempDir('bare');

function app(name: string, values: string, server: string): string {
  const dir = join(base, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'values.yaml'),
    `image:\n  repository: localhost:30000/platform/dapr-${name}\n  tag: "1.0.0"\nport: 8080\nhealthPath: /health\nowner: operations\nnodepool: ${name}\n${values}`,
  );
  writeFileSync(join(dir, 'paddock.dev.yaml'), 'command: [node, server.js]\ncwd: .\n');
  writeFileSync(join(dir, 'server.js'), server);
  return dir;
}

const orders = app(
  'orders',
  'networkPolicy:\n  allowIngressFrom: [caller-ns]\n  allowEgressTo: []\n',
  "require('http').createServer((req, res) => { res.writeHead(200); res.end('ok ' + req.url); }).listen(Number(process.env.PORT), '0.0.0.0');\n",
);
// The caller answers /health, and /call?id=… calls orders through its sidecar and reports the status.
const caller = app(
  'caller',
  'networkPolicy:\n  allowIngressFrom: []\n  allowEgressTo: [orders-ns]\n',
  `
const http = require('http');
http.createServer(async (req, res) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname !== '/call') { res.writeHead(200); return res.end('ok'); }
  const r = await fetch('http://127.0.0.1:' + process.env.DAPR_HTTP_PORT + '/v1.0/invoke/' + u.searchParams.get('id') + '/method/neworder', { method: 'POST', body: '{}' });
  res.writeHead(200); res.end(String(r.status));
}).listen(Number(process.env.PORT), '0.0.0.0');
`,
);

let dev: Dev;
before(async () => {
  dev = await startDev([caller, orders]);
});
after(async () => {
  await dev?.stop();
});

const call = async (id: string): Promise<string> => (await fetch(`${dev.apps.caller!.url}/call?id=${id}`)).text();

test('a call by bare app-id is refused, and paddock dev names the fix in one line', async () => {
  assert.equal(await call('orders'), '500');
  const line = await eventually('the refusal line', () =>
    dev
      .output()
      .split('\n')
      .find((l) => l.includes('by its bare app-id')),
  );
  assert.match(
    line,
    /caller called orders by its bare app-id \(POST \/v1\.0\/invoke\/orders\/method\/neworder\) and its sidecar refused it: each app runs in its own namespace, so write orders\.orders-ns \(\/v1\.0\/invoke\/orders\.orders-ns\/method\/neworder\)\.$/,
  );
  assert.doesNotMatch(dev.output(), /HTTP API Called/, 'the API log itself is not shown');
});

test('the same call with the namespace goes through', async () => {
  assert.equal(await call('orders.orders-ns'), '200');
});
