import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../report/errors.js';
import type { DevApp } from './app.js';
import { canConnect, freePort } from './ports.js';
import { GroupProcess, type LineSink } from './proc.js';
import { findProgram } from './runtime.js';

/**
 * What one app's Redis user may do: the commands Dapr's Redis state store
 * sends (components-contrib state/redis at the pinned version: PING, INFO,
 * GET/HGETALL reads, EVAL'd Lua that runs HGET/HSET/HINCRBY/DEL, EXPIRE and
 * PERSIST for TTLs, MULTI/EXEC for transactions), on keys of its own prefix
 * `<app>||` only (keyPrefix: appid). Redis checks the keys a Lua script
 * touches too, so a script cannot reach another app's keys either.
 * Not granted: SCAN/KEYS (they list every app's key names; only Dapr's
 * experimental keys-like query uses SCAN), FLUSH*, CONFIG, and anything else.
 */
export const STATE_COMMANDS = [
  '+@connection', '+info', '+eval', '+evalsha', '+get', '+hget', '+hgetall', '+hset', '+hincrby',
  '+del', '+expire', '+persist', '+multi', '+exec', '+discard',
];

/**
 * Pub/sub (Redis streams) uses the topic name as the key, shared between apps
 * by design; a second selector allows stream commands on any key. They fail
 * with WRONGTYPE on another app's state (a hash), so state stays private.
 */
export const PUBSUB_SELECTOR = '(~* -@all +@stream +@connection)';

/** The ACL line of one app's user, with its password as a SHA-256 (never in the clear on disk). */
export function aclLine(app: Pick<DevApp, 'name' | 'values'>, password: string): string {
  const hash = createHash('sha256').update(password).digest('hex');
  const parts = ['user', app.name, 'on', `#${hash}`, 'resetkeys', `~${app.name}||*`, 'resetchannels', '-@all', ...STATE_COMMANDS];
  if (app.values.pubsub.enabled) parts.push('&*', PUBSUB_SELECTOR);
  return parts.join(' ');
}

export interface LocalRedis {
  port: number;
  host: string;
  passwords: Map<string, string>;
  process: GroupProcess;
}

/** Start redis-server on a free loopback port, `default` user off, one ACL user per app. */
export async function startRedis(apps: DevApp[], dir: string, sink: LineSink): Promise<LocalRedis> {
  const bin = findProgram('redis-server', process.cwd());
  if (!bin) throw new UserError('redis-server is not installed, and --backend redis needs it', 'Run scripts/setup-runtime.sh (Debian: apt-get install redis-server).');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const passwords = new Map(apps.map((a) => [a.name, randomBytes(24).toString('hex')]));
  const acl = ['user default off resetkeys -@all', ...apps.map((a) => aclLine(a, passwords.get(a.name)!))].join('\n');
  await writeFile(join(dir, 'users.acl'), `${acl}\n`, { mode: 0o600 });
  const port = await freePort();
  const conf = [
    `port ${port}`,
    'bind 127.0.0.1',
    'protected-mode yes',
    `dir ${dir}`,
    `aclfile ${join(dir, 'users.acl')}`,
    'dbfilename dump.rdb',
    'save 60 1',
    'appendonly no',
    'daemonize no',
    'loglevel warning',
    'logfile ""',
  ].join('\n');
  await writeFile(join(dir, 'redis.conf'), `${conf}\n`, { mode: 0o600 });
  const proc = new GroupProcess(bin, [join(dir, 'redis.conf')], { cwd: dir, env: process.env, sink });
  for (let i = 0; i < 100 && proc.running; i++) {
    if (await canConnect(port)) return { port, host: `127.0.0.1:${port}`, passwords, process: proc };
    await new Promise((r) => setTimeout(r, 50));
  }
  await proc.stop();
  throw new UserError('redis-server did not start', 'See the [redis] lines above.');
}
