import type { AppValues } from '../contract/validate.js';
import { judgeBindingUrl } from '../contract/binding-url.js';
import { platformSettings } from '../contract/platform-settings.js';
import { describeCheck, healthOf, type Check } from '../contract/health.js';

interface Values {
  image: { repository: string; tag: string; digest?: string };
  port?: number | 'none';
  healthPath?: string;
  livenessPath?: string;
  replicas?: number;
  size?: string;
  owner?: string;
  resources?: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };
  networkPolicy?: { allowIngressFrom?: string[]; allowEgressTo?: string[] };
  statestore?: { enabled?: boolean };
  secretstore?: { enabled?: boolean; keys?: string[] };
  pubsub?: { enabled?: boolean; publishes?: string[]; subscribes?: string[]; allowSubscribersFrom?: string[] };
  binding?: { enabled?: boolean; name?: string; url?: string };
}

/** What an app gets on the platform, as data (`--json`) and as plain English. */
export interface Explanation {
  name: string;
  namespace: string;
  appId: string;
  image: string;
  /** The port it answers web requests on; null for `port: none`. */
  port: number | null;
  /** What readiness (traffic) and liveness (restarts) check (contract/health.ts). */
  readiness: Check;
  liveness: Check;
  replicas: number;
  nodePool: string;
  limits: { cpu: string; memory: string };
  requests: { cpu: string; memory: string };
  sidecar: { cpu: string; memory: string };
  /** Its node-disk limit (ephemeral storage: logs and /tmp). */
  disk: string;
  buildingBlocks: { block: string; enabled: boolean; component?: string; call: string; note: string }[];
  calledBy: string[];
  calls: string[];
  /** Topics it sends, receives, and the namespaces that may receive its topics (empty when pub/sub is off). */
  topics: { publishes: string[]; subscribes: string[]; allowSubscribersFrom: string[] };
}

const appOf = (ns: string): string => ns.replace(/-ns$/, '');

export function explain(app: AppValues): Explanation {
  const v = app.values as unknown as Values;
  const p = platformSettings() as ReturnType<typeof platformSettings> & { sidecar: { limits: { cpu: string; memory: string } } };
  const tier = p.sizes[v.size ?? 'small'] ?? p.sizes.small;
  const keys = v.secretstore?.keys ?? [];
  const base = 'http://localhost:${DAPR_HTTP_PORT}/v1.0';
  const health = healthOf(app.values);
  return {
    name: app.name,
    namespace: app.namespace,
    appId: app.name,
    image: `${v.image.repository}:${v.image.tag}${v.image.digest ? `@${v.image.digest}` : ''}`,
    port: health.port ?? null,
    readiness: health.readiness,
    liveness: health.liveness,
    replicas: v.replicas ?? 1,
    nodePool: p.nodePoolAssignments[app.name] ?? app.name,
    limits: { cpu: v.resources?.limits?.cpu ?? tier?.limits.cpu ?? '', memory: v.resources?.limits?.memory ?? tier?.limits.memory ?? '' },
    requests: { cpu: v.resources?.requests?.cpu ?? tier?.requests.cpu ?? '', memory: v.resources?.requests?.memory ?? tier?.requests.memory ?? '' },
    sidecar: p.sidecar.limits,
    disk: String((p.ephemeralStorage as { limit?: string } | undefined)?.limit ?? ''),
    buildingBlocks: [
      {
        block: 'state store',
        enabled: !!v.statestore?.enabled,
        component: 'statestore',
        call: `POST ${base}/state/statestore`,
        note: `saved in the platform's Redis under keys only ${app.name} can read`,
      },
      {
        block: 'secret store',
        enabled: !!v.secretstore?.enabled,
        component: 'secretstore',
        call: `GET ${base}/secrets/secretstore/<name>`,
        note: keys.length
          ? `can read ${keys.join(', ')} from its own Vault path (dapr/${app.name})`
          : `can read every secret on its own Vault path (dapr/${app.name})`,
      },
      {
        block: 'pub/sub',
        enabled: !!v.pubsub?.enabled,
        component: 'pubsub',
        call: `POST ${base}/publish/pubsub/<topic>`,
        note: pubsubNote(app.name, v.pubsub ?? {}),
      },
      {
        block: 'binding',
        enabled: !!v.binding?.enabled,
        component: v.binding?.enabled ? v.binding.name : undefined,
        call: `POST ${base}/bindings/${v.binding?.name ?? '<name>'}`,
        note: v.binding?.enabled
          ? `posts to https://${judgeBindingUrl(v.binding.url ?? '').host ?? '?'}/… (the rest of the address is not shown: it may hold a token)`
          : 'calls one public https address',
      },
    ],
    calledBy: v.networkPolicy?.allowIngressFrom ?? [],
    calls: v.networkPolicy?.allowEgressTo ?? [],
    topics: v.pubsub?.enabled
      ? { publishes: v.pubsub.publishes ?? [], subscribes: v.pubsub.subscribes ?? [], allowSubscribersFrom: v.pubsub.allowSubscribersFrom ?? [] }
      : { publishes: [], subscribes: [], allowSubscribersFrom: [] },
  };
}

/** Pub/sub in plain words: what the app sends (and who gets it), what it receives, and from whom. */
function pubsubNote(name: string, p: NonNullable<Values['pubsub']>): string {
  const publishes = p.publishes ?? [];
  const subscribes = p.subscribes ?? [];
  const subscribers = (p.allowSubscribersFrom ?? []).map(appOf);
  const quoted = (ts: string[]): string => ts.map((t) => `"${t}"`).join(', ');
  const them = publishes.length > 1 ? 'them' : 'it';
  if (!publishes.length && !subscribes.length) {
    return 'no topics declared, so it can neither send nor receive events: list them in pubsub.publishes and pubsub.subscribes';
  }
  const parts: string[] = [];
  if (publishes.length) {
    parts.push(
      `sends ${quoted(publishes)} (only ${name} may send ${publishes.length > 1 ? 'these topics' : 'this topic'}); ` +
        (subscribers.length
          ? `${subscribers.join(', ')} may receive ${them}, and no other app`
          : `no other app may receive ${them} (pubsub.allowSubscribersFrom is empty)`),
    );
  }
  if (subscribes.length)
    parts.push(`receives ${quoted(subscribes)}, each from the one app that sends it, once that app lists ${name}-ns in its pubsub.allowSubscribersFrom`);
  return `${parts.join('; ')}. Events go through the platform's Redis, where ${name} can touch only these topics`;
}

export function explainText(e: Explanation, file: string): string {
  const out: string[] = [];
  const list = (nss: string[]): string => nss.map((ns) => `${appOf(ns)} (${ns})`).join(', ');
  out.push(`${e.name} — from ${file}`);
  out.push('');
  const copies = e.replicas === 1 ? 'one copy' : `${e.replicas} copies`;
  if (e.port === null) {
    out.push(
      `Runs ${e.image}, ${copies}, on its own node pool "${e.nodePool}". It answers no web requests (port: none): a worker or a client that only calls Dapr.`,
    );
    out.push(`Lives in namespace ${e.namespace}, as Dapr app-id ${e.appId}; no other app can call it, and it gets no address of its own.`);
    out.push('It counts as ready while its process runs and its Dapr sidecar is ready; the platform restarts it when the process stops.');
    if (e.topics.subscribes.length) {
      out.push(
        `It receives its topics through Dapr's streaming subscriptions (it opens the stream to its sidecar on localhost, port $DAPR_GRPC_PORT, with a Dapr SDK's subscribe call): with no port, Dapr cannot push events to it.`,
      );
    }
  } else {
    out.push(`Runs ${e.image}, listening on port ${e.port}, ${copies}, on its own node pool "${e.nodePool}".`);
    out.push(`Lives in namespace ${e.namespace}; other apps call it through Dapr as ${e.appId}.${e.namespace}.`);
    out.push(healthSentence(e.readiness, e.liveness, e.port));
  }
  out.push(
    `It may use up to ${e.limits.cpu} CPU and ${e.limits.memory} memory (it is guaranteed ${e.requests.cpu} and ${e.requests.memory}); its Dapr sidecar has its own ${e.sidecar.cpu} CPU and ${e.sidecar.memory}.`,
  );
  out.push(
    `Its files are read-only except /tmp; it may write up to ${e.disk} to its node's disk (its logs and /tmp), and it runs as a normal user, never root.`,
  );
  out.push('');
  out.push('Building blocks (call Dapr at localhost, port $DAPR_HTTP_PORT):');
  for (const b of e.buildingBlocks) {
    out.push(
      b.enabled
        ? `  ✔ ${b.block} "${b.component}": ${b.call} — ${b.note}`
        : `  · ${b.block}: off (turn it on in the values file if the app ${b.block === 'state store' ? 'needs to remember things' : b.block === 'secret store' ? 'uses API keys or passwords' : b.block === 'pub/sub' ? 'sends or receives events' : 'calls a web service'})`,
    );
  }
  out.push('');
  out.push(`Who may call it: ${e.calledBy.length ? list(e.calledBy) : 'no other app'}.`);
  out.push(
    `Whom it may call: ${e.calls.length ? `${list(e.calls)}, with POST http://localhost:$DAPR_HTTP_PORT/v1.0/invoke/<app>.<app>-ns/method/<path>` : 'no other app'}.`,
  );
  out.push("Everything else is closed: no internet (except a binding's address), no other apps, no direct access to Redis or Vault.");
  return out.join('\n');
}

/** Readiness and liveness in plain words. */
function healthSentence(ready: Check, live: Check, port: number): string {
  const r = describeCheck(ready, port);
  const same = JSON.stringify(ready) === JSON.stringify(live);
  const plain = ready.kind === 'tcp' ? ' (it has no health path: set healthPath to let it say when it can serve)' : '';
  if (same) return `It gets requests once ${r}${plain}, and is restarted if that stops for 30 s.`;
  return `It gets requests only while ${r}; it is restarted only if ${describeCheck(live, port)} no longer holds for 30 s.`;
}
