/**
 * A small HTTPS client for the Kubernetes API: bearer token or client
 * certificate, CA-verified TLS, optional impersonation (the headers
 * `kubectl --as --as-group` sends). No kubectl and no client library: the
 * requests paddock makes are few and plain.
 */
import { Agent, request } from 'node:https';
import type { UserInfo } from '../policies/identities.js';

export interface Connection {
  server: string;
  ca?: Buffer;
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  /** insecure-skip-tls-verify in the kubeconfig. */
  insecure?: boolean;
}

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the API server's JSON answer, whatever the request
  body: any;
  /** Warning headers the API server sent (deprecations, unknown fields under Warn). */
  warnings: string[];
}

export interface RequestOptions {
  impersonate?: UserInfo;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
}

export class KubeClient {
  private readonly agent: Agent;

  /** With `readOnly`, only GETs and dry-run requests leave this client: an existing cluster is never written to. */
  constructor(
    readonly connection: Connection,
    private readonly options: { readOnly?: boolean } = {},
  ) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 8,
      ca: connection.ca,
      cert: connection.cert,
      key: connection.key,
      rejectUnauthorized: !connection.insecure,
    });
  }

  request(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<ApiResponse> {
    if (this.options.readOnly && method !== 'GET' && !/[?&]dryRun=All(&|$)/.test(path)) {
      return Promise.reject(new Error(`refusing ${method} ${path}: paddock only reads and dry-runs on an existing cluster`));
    }
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string | string[] | number> = { Accept: opts.accept ?? 'application/json' };
    if (this.connection.token) headers.Authorization = `Bearer ${this.connection.token}`;
    if (data !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(data);
    }
    if (opts.impersonate) {
      headers['Impersonate-User'] = opts.impersonate.username;
      if (opts.impersonate.groups.length) headers['Impersonate-Group'] = [...opts.impersonate.groups];
    }
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.connection.server), { method, agent: this.agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* keep the text */
          }
          const w = res.headers.warning;
          const warnings = (Array.isArray(w) ? w : w ? [w] : []).map((x) => x.replace(/^\d{3} \S+ "?/, '').replace(/"$/, ''));
          resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
        });
      });
      if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer from ${this.connection.server} in ${opts.timeoutMs} ms`)));
      req.on('error', reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
