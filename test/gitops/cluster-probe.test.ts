// `paddock cluster test` probes the network from inside each app's own
// container with the interpreter its image has (issue 12). The two probes run
// here with the real python3 and node against real loopback listeners: what
// each reports for an open port, a closed one, and HTTP answers with a body.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer as createHttp } from 'node:http';
import { createServer as createTcp, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { INTERPRETERS } from 'paddock/cluster/probe.js';

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
