import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { topicDeclaration, topicGrants, type TopicGrants } from '../connectivity/topics.js';
import { UserError } from '../report/errors.js';
import { run } from '../run.js';
import type { DevApp } from './app.js';
import { canConnect, freePort } from './ports.js';
import { GroupProcess, type LineSink } from './proc.js';
import { findProgram } from './runtime.js';

/**
 * What one app's Redis user may do on its own keys (`<app>||*`, keyPrefix
 * appid). Measured with MONITOR and ACL LOG, daprd 1.17.5 (components-contrib
 * v1.17.3, go-redis v9.6.3) against redis-server:
 *   - connecting: HELLO 3 AUTH (each client), AUTH (the version probe's
 *     client), PING, INFO server / INFO replication (version and role checks);
 *   - the state store: GET/HGET/HGETALL reads, EVAL'd Lua that runs
 *     HGET/HSET/HINCRBY/DEL, EXPIRE and PERSIST for TTLs, MULTI/EXEC for
 *     transactions. Redis checks the keys a Lua script touches too, so a
 *     script cannot reach another app's keys either.
 * Not granted: the rest of @connection (CLIENT KILL/PAUSE/LIST/NO-EVICT,
 * SELECT, ...), SCAN/KEYS (they list every app's key names), FLUSH*, CONFIG,
 * MONITOR, pub/sub channels, and anything else.
 * provisioner.py has the same list; test/gitops/provisioner.test.ts keeps them equal.
 */
export const STATE_COMMANDS = [
  '+auth',
  '+hello',
  '+ping',
  '+info',
  '+eval',
  '+evalsha',
  '+get',
  '+hget',
  '+hgetall',
  '+hset',
  '+hincrby',
  '+del',
  '+expire',
  '+persist',
  '+multi',
  '+exec',
  '+discard',
];

/**
 * From Redis 7.2 on go-redis also sends CLIENT SETINFO lib-name / lib-ver on
 * each connection (it ignores a refusal). It names the connection's own client
 * library, nothing more; granted where the server has the command (7.0 does
 * not know it, and refuses the rule), so ACL LOG shows only real refusals.
 */
export const SETINFO_COMMAND = '+client|setinfo';
const SETINFO_SINCE = [7, 2] as const;

/** A publisher sends with XADD (Dapr's publish, nothing else) to the topics it owns. */
export const PUBLISH_COMMANDS = ['+xadd'];
/**
 * A subscriber, on the topics it may receive: XGROUP CREATE <topic> <app> 0
 * MKSTREAM, XREADGROUP, XACK, and the redelivery loop's XPENDING and XCLAIM.
 * No DEL, XTRIM, XDEL, XGROUP DESTROY/SETID, XADD, XRANGE/XREAD.
 */
export const SUBSCRIBE_COMMANDS = ['+xgroup|create', '+xreadgroup', '+xack', '+xpending', '+xclaim'];

/** Whether a Redis version ("7.0.15") knows CLIENT SETINFO. */
function knowsSetinfo(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > SETINFO_SINCE[0] || (major === SETINFO_SINCE[0] && minor >= SETINFO_SINCE[1]);
}

/** The ACL rule of one app's user after its password: own keys, then one selector per pub/sub role with exact topic keys. */
export function aclRule(app: string, grants: TopicGrants, opts: { setinfo: boolean }): string[] {
  const rule = ['resetkeys', `~${app}||*`, 'resetchannels', '-@all', ...STATE_COMMANDS, ...(opts.setinfo ? [SETINFO_COMMAND] : [])];
  const selector = (topics: string[], commands: string[]) => `(${topics.map((t) => `~${t}`).join(' ')} -@all ${commands.join(' ')})`;
  if (grants.publish.length) rule.push(selector(grants.publish, PUBLISH_COMMANDS));
  if (grants.subscribe.length) rule.push(selector(grants.subscribe, SUBSCRIBE_COMMANDS));
  return rule;
}

/** The ACL file line of one app's user, with its password as a SHA-256 (never in the clear on disk). */
export function aclLine(app: string, password: string, grants: TopicGrants, opts: { setinfo: boolean }): string {
  const hash = createHash('sha256').update(password).digest('hex');
  return ['user', app, 'on', `#${hash}`, ...aclRule(app, grants, opts)].join(' ');
}

/** Each app's topic grants, from the values of the apps run together (the cluster's rule). */
export function devTopicGrants(apps: Pick<DevApp, 'name' | 'values'>[]): Map<string, TopicGrants> {
  return topicGrants(apps.map((a) => topicDeclaration(a.name, a.values as unknown as Record<string, unknown>))).grants;
}

export interface LocalRedis {
  port: number;
  host: string;
  passwords: Map<string, string>;
  process: GroupProcess;
}

async function serverVersion(bin: string): Promise<string> {
  const r = await run(bin, ['--version']);
  return /v=(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] ?? '0.0.0';
}

/** Start redis-server on a free loopback port, `default` user off, one ACL user per app. */
export async function startRedis(apps: DevApp[], dir: string, sink: LineSink): Promise<LocalRedis> {
  const bin = findProgram('redis-server', process.cwd());
  if (!bin)
    throw new UserError('redis-server is not installed, and --backend redis needs it', 'Run scripts/setup-runtime.sh (Debian: apt-get install redis-server).');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const passwords = new Map(apps.map((a) => [a.name, randomBytes(24).toString('hex')]));
  const grants = devTopicGrants(apps);
  const setinfo = knowsSetinfo(await serverVersion(bin));
  const acl = ['user default off resetkeys -@all', ...apps.map((a) => aclLine(a.name, passwords.get(a.name)!, grants.get(a.name)!, { setinfo }))].join('\n');
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
