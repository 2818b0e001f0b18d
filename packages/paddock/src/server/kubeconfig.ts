/**
 * A kubeconfig file's current context as a Connection: server, CA, and a
 * token or a client certificate (paths relative to the file, or inline
 * *-data). Exec plugins and auth providers are not run: paddock says so.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { notFound, UserError } from '../report/errors.js';
import type { Connection } from './client.js';

// biome-ignore lint/suspicious/noExplicitAny: a kubeconfig as JSON, read field by field
type Json = Record<string, any>;

function named(list: unknown, name: string, what: string, file: string): Json {
  const hit = Array.isArray(list) ? list.find((x: Json) => x?.name === name) : undefined;
  if (!hit)
    throw new UserError(
      `${file}: no ${what} named "${name}"`,
      'Check the kubeconfig file (its current-context names a context, which names a cluster and a user).',
    );
  return hit;
}

export function loadKubeconfig(file: string, context?: string): Connection & { context: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = 'Give --kubeconfig the path of a kubeconfig file (kind writes one with `kind get kubeconfig`).';
    throw code === 'ENOENT' ? notFound(file, hint) : new UserError(`${file}: cannot read it`, hint);
  }
  let doc: Json;
  try {
    doc = parse(text) as Json;
  } catch (err) {
    throw new UserError(`${file}: not a kubeconfig, it is not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  if (!doc || typeof doc !== 'object') throw new UserError(`${file}: not a kubeconfig file`);
  const ctxName = context ?? doc['current-context'];
  if (!ctxName) throw new UserError(`${file}: no current-context`, 'Set current-context in the file.');
  const ctx = named(doc.contexts, ctxName, 'context', file).context ?? {};
  const cluster = named(doc.clusters, ctx.cluster, 'cluster', file).cluster ?? {};
  const user = named(doc.users, ctx.user, 'user', file).user ?? {};
  const base = dirname(file);
  const read = (p: string): Buffer => {
    const path = isAbsolute(p) ? p : join(base, p);
    try {
      return readFileSync(path);
    } catch {
      throw new UserError(`${file}: cannot read ${path}, which it names`);
    }
  };
  const pem = (inline: unknown, path: unknown): Buffer | undefined =>
    typeof inline === 'string' ? Buffer.from(inline, 'base64') : typeof path === 'string' ? read(path) : undefined;
  if (typeof cluster.server !== 'string' || !/^https:\/\//.test(cluster.server)) {
    throw new UserError(`${file}: the cluster "${ctx.cluster}" has no https server address`);
  }
  if (user.exec || user['auth-provider']) {
    throw new UserError(
      `${file}: the user "${ctx.user}" signs in through an exec plugin or auth provider, which paddock does not run`,
      'Use a kubeconfig with a token or a client certificate (for example one made with `kubectl create token`).',
    );
  }
  const token = typeof user.token === 'string' ? user.token : typeof user.tokenFile === 'string' ? read(user.tokenFile).toString('utf8').trim() : undefined;
  const cert = pem(user['client-certificate-data'], user['client-certificate']);
  const key = pem(user['client-key-data'], user['client-key']);
  if (!token && !(cert && key)) throw new UserError(`${file}: the user "${ctx.user}" has no token and no client certificate`);
  return {
    context: ctxName,
    server: cluster.server,
    ca: pem(cluster['certificate-authority-data'], cluster['certificate-authority']),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    token,
    cert,
    key,
  };
}
