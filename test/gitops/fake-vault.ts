/**
 * A TEST DOUBLE for Vault's HTTP API: Vault cannot run on this machine (no
 * binary, and its Go module cannot be `go install`ed), so the provisioner's
 * Vault calls are checked against this small in-memory stand-in for the
 * endpoints it uses (sys/mounts, sys/auth, auth/kubernetes/config and /role,
 * sys/policies/acl, KV v2 data). It records every request. The real Vault is
 * exercised by `npx paddock cluster test` on a cluster.
 */
import { createServer, type Server } from 'node:http';

interface VaultRequest {
  method: string;
  path: string;
  token: string;
  body: any;
}

export interface FakeVault {
  url: string;
  requests: VaultRequest[];
  kv: Map<string, Record<string, string>>;
  policies: Map<string, string>;
  roles: Map<string, any>;
  close(): Promise<void>;
}

export function startFakeVault(): Promise<FakeVault> {
  const requests: VaultRequest[] = [];
  const kv = new Map<string, Record<string, string>>();
  const policies = new Map<string, string>();
  const roles = new Map<string, any>();
  const auths = new Set<string>();
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const path = (req.url ?? '').replace(/^\/v1\//, '');
      const body = text ? JSON.parse(text) : undefined;
      requests.push({ method: req.method ?? '', path, token: String(req.headers['x-vault-token'] ?? ''), body });
      const send = (status: number, out?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(out === undefined ? '' : JSON.stringify(out));
      };
      const m = req.method;
      let r: RegExpExecArray | null;
      if (path === 'sys/mounts' && m === 'GET') return send(200, { 'secret/': { type: 'kv' }, data: { 'secret/': { type: 'kv', options: { version: '2' } } } });
      if (path === 'sys/auth' && m === 'GET') return send(200, { data: Object.fromEntries([...auths].map((a) => [`${a}/`, { type: a }])) });
      if ((r = /^sys\/auth\/(\w+)$/.exec(path)) && m === 'POST') return (auths.add(r[1]!), send(204));
      if (path === 'auth/kubernetes/config' && m === 'POST') return send(auths.has('kubernetes') ? 204 : 400);
      if ((r = /^secret\/data\/(.+)$/.exec(path))) {
        if (m === 'GET') return kv.has(r[1]!) ? send(200, { data: { data: kv.get(r[1]!) } }) : send(404, { errors: [] });
        if (m === 'POST') return (kv.set(r[1]!, body.data), send(200, { data: {} }));
      }
      if ((r = /^sys\/policies\/acl\/(.+)$/.exec(path))) {
        if (m === 'PUT') return (policies.set(r[1]!, body.policy), send(204));
        if (m === 'DELETE') return (policies.delete(r[1]!), send(204));
      }
      if (path === 'auth/kubernetes/role?list=true' && m === 'GET')
        return roles.size ? send(200, { data: { keys: [...roles.keys()] } }) : send(404, { errors: [] });
      if ((r = /^auth\/kubernetes\/role\/(.+)$/.exec(path))) {
        if (m === 'GET') return roles.has(r[1]!) ? send(200, { data: roles.get(r[1]!) }) : send(404, { errors: [] });
        if (m === 'POST') return (roles.set(r[1]!, body), send(204));
        if (m === 'DELETE') return (roles.delete(r[1]!), send(204));
      }
      send(404, { errors: [`fake vault: no route for ${m} ${path}`] });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({ url: `http://127.0.0.1:${port}`, requests, kv, policies, roles, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
