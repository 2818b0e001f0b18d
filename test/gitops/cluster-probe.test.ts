// `paddock cluster test` probes the network from inside each app's own
// container with the interpreter its image has (issue 12). The two probes run
// here with the real python3 and node against real loopback listeners: what
// each reports for an open port, a closed one, and HTTP answers with a body.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile } from 'node:child_process';
import { createServer as createHttp } from 'node:http';
import { createServer as createTcp, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { redisReplies } from 'paddock/cluster/checks-isolation.js';
import { INTERPRETERS } from 'paddock/cluster/probe.js';
import { startRedisLikeTheDeployment } from './lib.js';

const run = (argv: string[]): Promise<Record<string, unknown>> =>
  new Promise((resolve, reject) =>
    execFile(argv[0]!, argv.slice(1), { timeout: 20_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${argv[0]}: ${stderr || err.message}`)) : resolve(JSON.parse(stdout) as Record<string, unknown>),
    ),
  );
const listen = (s: Server): Promise<number> => new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

describe('the network probe of paddock cluster test', () => {
  const tcp = createTcp((s) => s.end());
  const http = createHttp((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.writeHead(req.url === '/missing' ? 403 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, body, errorCode: req.url === '/missing' ? 'ERR_DIRECT_INVOKE' : undefined }));
    });
  });
  let open = 0;
  let closed = 0;
  let web = 0;
  before(async () => {
    open = await listen(tcp);
    web = await listen(http);
    const spare = createTcp();
    closed = await listen(spare);
    await new Promise((r) => spare.close(r));
  });
  after(() => {
    tcp.close();
    http.close();
  });

  for (const [name, argv] of INTERPRETERS)
    it(`in ${name}: an open port, a closed one, and HTTP answers with their status and body`, async () => {
      assert.deepEqual(await run([...argv, 'tcp', '127.0.0.1', String(open), '2']), { reach: 'open' });
      assert.deepEqual(await run([...argv, 'tcp', '127.0.0.1', String(closed), '2']), { reach: 'refused' });
      const ok = await run([...argv, 'http', 'POST', `http://127.0.0.1:${web}/classify`, '{"message":"hi"}']);
      assert.equal(ok.status, 200);
      assert.deepEqual(JSON.parse(ok.body as string), { method: 'POST', body: '{"message":"hi"}' });
      const refused = await run([...argv, 'http', 'GET', `http://127.0.0.1:${web}/missing`]);
      assert.equal(refused.status, 403, 'an HTTP error is an answer, with its body');
      assert.match(refused.body as string, /ERR_DIRECT_INVOKE/);
      const none = await run([...argv, 'http', 'GET', `http://127.0.0.1:${closed}/`]);
      assert.equal(none.status, 0, 'no answer at all');
    });
});

describe("paddock cluster test's Redis session: one reply per command, as redis-cli prints them without a terminal", () => {
  const ADMIN = 'probe-admin-pw';
  let port = 0;
  let redis: ChildProcess | undefined;
  before(async () => {
    ({ port, process: redis } = await startRedisLikeTheDeployment(ADMIN));
  });
  after(() => redis?.kill());

  it('errors (followed by a blank line) and nil replies (a blank line) keep every later reply in its place', async () => {
    const stdin = [
      `AUTH admin "${ADMIN}"`,
      'HSET "app1||paddock-test" data ok',
      'HGET "app2||paddock-test" data',
      'AUTH nobody "wrong"',
      'DEL "app1||paddock-test"',
      'AUTH nobody "wrong"',
    ].join('\n');
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile('redis-cli', ['-p', String(port), '--no-auth-warning'], { timeout: 10_000 }, (err, out) => (err ? reject(err) : resolve(out)));
      child.stdin!.end(`${stdin}\n`);
    });
    const replies = redisReplies(stdout);
    assert.equal(replies.length, 6, JSON.stringify(stdout));
    assert.deepEqual(replies.slice(0, 3), ['OK', '1', ''], 'signed in, written, nil for a missing key');
    assert.match(replies[3]!, /^WRONGPASS /);
    assert.equal(replies[4], '1', 'the DEL after an error reply is still the fifth reply');
    assert.match(replies[5]!, /^WRONGPASS /);
  });
});
