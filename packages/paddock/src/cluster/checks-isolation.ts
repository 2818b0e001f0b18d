import { expect, Skip, type NamedCheck } from './checks.js';
import { firstLine, kubectl, secretValue, vaultShell } from './kubectl.js';
import { declaredCall, type LiveApp, type LivePod } from './live-apps.js';
import type { Prober, Reach } from './probe.js';

/** What the isolation checks probe: the apps, where each runs, and the platform's services. */
export interface Tenancy {
  apps: LiveApp[];
  pods: Map<string, LivePod>;
  probers: Map<string, Prober | string>;
  vault: { host: string; port: number };
  redis: { host: string; port: number };
  /** A listener outside the cluster (on the host, at kind's network gateway). */
  outside: { host: string; port: number };
}

/** Dapr's sidecar-to-sidecar port: the one a declared caller may reach. */
const DAPR_INTERNAL = 50002;

const blocked = (r: Reach): boolean => r === 'timeout' || r === 'unreachable';
const said = (r: Reach): string => (r === 'timeout' ? 'dropped (timed out)' : r === 'refused' ? 'refused by the far end: no policy dropped it' : r);

function prober(t: Tenancy, app: LiveApp): Prober {
  const p = t.probers.get(app.name);
  if (p === undefined) throw new Error(`${app.name} has no running pod to probe from`);
  if (typeof p === 'string') throw new Skip(p);
  return p;
}

const cannotReach = (t: Tenancy, app: LiveApp, what: string, targets: { host: string; port: number }[]) => async (): Promise<string> => {
  const p = prober(t, app);
  const seen: string[] = [];
  for (const { host, port } of targets) {
    const r = await p.reach(host, port);
    expect(blocked(r), `${app.name} opened a connection to ${what} (${host}:${port}): ${said(r)}`);
    seen.push(`${host}:${port} ${said(r)}`);
  }
  return seen.join(', ');
};

const reaches = (t: Tenancy, app: LiveApp, what: string, host: string, port: number) => async (): Promise<string> => {
  const r = await prober(t, app).reach(host, port);
  expect(r === 'open', `${app.name} cannot reach ${what} (${host}:${port}), which it declared: ${said(r)}`);
  return `${host}:${port} open`;
};

/** Cilium enforcing each app's NetworkPolicies, probed from inside the app's container. */
export function networkChecks(t: Tenancy): NamedCheck[] {
  const out: NamedCheck[] = [];
  for (const app of t.apps) {
    out.push([`${app.name}: its probe reaches its own Dapr sidecar (the probe works)`, reaches(t, app, 'its sidecar', '127.0.0.1', 3500)]);
    for (const other of t.apps.filter((o) => o !== app)) {
      const pod = t.pods.get(other.name);
      if (!pod) continue;
      if (declaredCall(app, other))
        out.push([`Cilium: ${app.name} reaches ${other.name}'s sidecar, as both declared`, reaches(t, app, `${other.name}'s sidecar`, pod.ip, DAPR_INTERNAL)]);
      else
        out.push([
          `Cilium: ${app.name} cannot open a connection to ${other.name}'s pod`,
          cannotReach(t, app, `${other.name}'s pod`, [...(other.port ? [{ host: pod.ip, port: other.port }] : []), { host: pod.ip, port: DAPR_INTERNAL }]),
        ]);
    }
    if (app.usesRedis)
      out.push([`Cilium: ${app.name} reaches Redis, as its state store or pub/sub needs`, reaches(t, app, 'Redis', t.redis.host, t.redis.port)]);
    else out.push([`Cilium: ${app.name} cannot reach Redis (it declared no state store or pub/sub)`, cannotReach(t, app, 'Redis', [t.redis])]);
    out.push([`Cilium: ${app.name} cannot reach Vault`, cannotReach(t, app, 'Vault', [t.vault])]);
    out.push([`Cilium: ${app.name} cannot reach outside the cluster`, cannotReach(t, app, 'a listener outside the cluster', [t.outside])]);
  }
  return out;
}

/** Dapr's access control and API allowlist: only a declared caller invokes an app. */
export function daprChecks(t: Tenancy): NamedCheck[] {
  const out: NamedCheck[] = [];
  for (const app of t.apps)
    for (const other of t.apps.filter((o) => o !== app)) {
      const declared = declaredCall(app, other);
      const url = `http://127.0.0.1:3500/v1.0/invoke/${other.name}.${other.namespace}/method${other.healthPath}`;
      out.push([
        declared ? `Dapr: ${app.name} invokes ${other.name}, as both declared` : `Dapr: ${app.name} may not invoke ${other.name}`,
        async () => {
          const r = await prober(t, app).http('GET', url);
          const code = /"errorCode"\s*:\s*"([^"]+)"/.exec(r.body)?.[1];
          const seen = r.status ? `HTTP ${r.status}${code ? ` ${code}` : ''}` : `no answer (${r.body})`;
          const ok2xx = r.status >= 200 && r.status < 300;
          expect(declared ? ok2xx : !ok2xx, declared ? `refused: ${seen}` : `${app.name} invoked ${other.name}: ${seen}`);
          return seen;
        },
      ]);
    }
  return out;
}

/** redis-cli in Redis's pod, the commands on stdin (no password on a command line): one reply per command. */
async function redisCli(lines: string[]): Promise<string[]> {
  const r = await kubectl(['exec', '-i', '-n', 'redis-system', 'deploy/redis', '--', 'redis-cli', '--no-auth-warning'], `${lines.join('\n')}\n`);
  expect(r.code === 0, `redis-cli: ${firstLine(r.stderr)}`);
  return redisReplies(r.stdout);
}

/**
 * redis-cli's replies without a terminal, one per command: an error reply is
 * followed by a blank line, a nil reply is a blank line of its own.
 */
export function redisReplies(stdout: string): string[] {
  const lines = stdout.replace(/\n$/, '').split('\n');
  const replies: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    replies.push(line);
    if (/^[A-Z]+ /.test(line) && lines[i + 1] === '') i++;
  }
  return replies;
}

const quoted = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;

/** Each app's Redis ACL user: its own keys only (every other app's prefix refused), and its password signs in no other app's user. */
export function redisChecks(t: Tenancy): NamedCheck[] {
  const out: NamedCheck[] = [];
  for (const app of t.apps.filter((a) => a.usesRedis))
    for (const other of t.apps.filter((o) => o !== app)) {
      const asOther = other.usesRedis;
      out.push([
        `Redis: ${app.name}'s user cannot touch ${other.name}'s keys${asOther ? `, nor sign in as ${other.name}` : ''}`,
        async () => {
          const password = await secretValue(app.namespace, 'redis-credentials', 'password');
          const [auth, own, theirs, , wrong] = await redisCli([
            `AUTH ${app.name} ${quoted(password)}`,
            `HSET ${quoted(`${app.name}||paddock-test`)} data ok`,
            `HGET ${quoted(`${other.name}||paddock-test`)} data`,
            `DEL ${quoted(`${app.name}||paddock-test`)}`,
            ...(asOther ? [`AUTH ${other.name} ${quoted(password)}`] : []),
          ]);
          expect(auth === 'OK', `${app.name} cannot sign in to Redis with its own password: ${auth}`);
          expect(/^[01]$/.test(own ?? ''), `${app.name} cannot write its own keys: ${own}`);
          expect(/NOPERM/.test(theirs ?? ''), `${app.name} read ${other.name}'s keys: ${theirs}`);
          if (asOther) expect(/WRONGPASS|invalid/i.test(wrong ?? ''), `${app.name}'s password signed in as ${other.name}: ${wrong}`);
          return `own keys writable; ${other.name}'s: NOPERM${asOther ? `; as ${other.name}: ${wrong?.split(' ')[0]}` : ''}`;
        },
      ]);
    }
  return out;
}

/** Each app's Vault role reads its own path only (the JWT goes on stdin). */
export function vaultChecks(t: Tenancy): NamedCheck[] {
  const out: NamedCheck[] = [];
  for (const app of t.apps)
    for (const other of t.apps.filter((o) => o !== app && o.secretKeys !== undefined))
      out.push([
        `Vault: ${app.name}'s role is denied ${other.name}'s secrets`,
        async () => {
          const jwt = await kubectl(['create', 'token', app.name, '-n', app.namespace, '--audience', 'vault', '--duration', '10m']);
          expect(jwt.code === 0, `cannot create a token for ${app.name}'s service account: ${firstLine(jwt.stderr)}`);
          const r = await vaultShell(
            'read -r JWT; VAULT_TOKEN=$(vault write -field=token auth/kubernetes/login role="$1" jwt="$JWT") || exit 3; export VAULT_TOKEN; ' +
              'vault kv get "secret/dapr/$2"',
            [app.name, other.name],
            `${jwt.stdout.trim()}\n`,
          );
          expect(r.code !== 3, `${app.name} cannot log in to Vault with its own role: ${firstLine(r.stderr)}`);
          expect(r.code !== 0, `${app.name} read secret/dapr/${other.name}`);
          expect(/permission denied|403/.test(r.stderr), `expected permission denied, got: ${firstLine(r.stderr)}`);
          return `${app.name} logs in with its own role; secret/dapr/${other.name}: permission denied`;
        },
      ]);
  return out;
}
