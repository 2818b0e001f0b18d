/**
 * Who may send and who may receive each pub/sub topic, from every app's
 * `pubsub` values: a topic belongs to the one app that publishes it; another
 * app receives it only when it subscribes and the owner lists its namespace
 * in pubsub.allowSubscribersFrom (consent on both sides, as for calls).
 *
 * The tenant provisioner applies the same rule to the Redis ACL users in the
 * cluster (topic_grants in platform/infrastructure/configs/tenant-provisioner/
 * provisioner.py; test/gitops/provisioner.test.ts keeps the two equal), and
 * `paddock dev --backend redis` to its local users.
 */

/** A topic name: a Redis key with no glob character and no `|` (state keys are `<app>||<key>`). */
const TOPIC_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export interface TopicDeclaration {
  app: string;
  namespace: string;
  publishes: string[];
  subscribes: string[];
  /** Namespaces the app accepts as receivers of its topics. */
  subscribers: string[];
}

export interface TopicGrants {
  publish: string[];
  subscribe: string[];
}

export type TopicProblem =
  | { kind: 'shared'; topic: string; publishers: string[] }
  | { kind: 'not-accepted'; topic: string; subscriber: string; publisher: string }
  | { kind: 'no-publisher'; topic: string; subscriber: string }
  | { kind: 'bad-name'; topic: string; app: string };

/** Byte order, as Python's sorted() (localeCompare would order '-' differently). */
const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);

/** What an app's values declare (nothing when pub/sub is off). */
export function topicDeclaration(app: string, values: Record<string, unknown>): TopicDeclaration {
  const p = (values.pubsub ?? {}) as Record<string, unknown>;
  const on = p.enabled === true;
  return {
    app,
    namespace: `${app}-ns`,
    publishes: on ? strings(p.publishes) : [],
    subscribes: on ? strings(p.subscribes) : [],
    subscribers: on ? strings(p.allowSubscribersFrom) : [],
  };
}

/** Each app's grants, and what keeps a declared topic from working. Deterministic: sorted by app and topic. */
export function topicGrants(decls: TopicDeclaration[]): { grants: Map<string, TopicGrants>; problems: TopicProblem[] } {
  const problems: TopicProblem[] = [];
  const sorted = [...decls].sort((a, b) => byCode(a.app, b.app));
  const valid = (d: TopicDeclaration, list: string[]): string[] => {
    const out: string[] = [];
    for (const t of [...new Set(list)].sort(byCode)) {
      if (TOPIC_NAME.test(t)) out.push(t);
      else problems.push({ kind: 'bad-name', topic: t, app: d.app });
    }
    return out;
  };
  const publishes = new Map(sorted.map((d) => [d.app, valid(d, d.publishes)]));
  const subscribes = new Map(sorted.map((d) => [d.app, valid(d, d.subscribes)]));
  const publishers = new Map<string, string[]>();
  for (const d of sorted) for (const t of publishes.get(d.app)!) publishers.set(t, [...(publishers.get(t) ?? []), d.app]);
  // A topic two apps claim belongs to neither: nobody may send to it, nobody receives it.
  const owner = new Map<string, string>();
  for (const [t, apps] of [...publishers].sort(([a], [b]) => byCode(a, b))) {
    if (apps.length === 1) owner.set(t, apps[0]!);
    else problems.push({ kind: 'shared', topic: t, publishers: apps });
  }
  const byApp = new Map(sorted.map((d) => [d.app, d]));
  const grants = new Map<string, TopicGrants>();
  for (const d of sorted) {
    const publish = publishes.get(d.app)!.filter((t) => owner.get(t) === d.app);
    const subscribe: string[] = [];
    for (const t of subscribes.get(d.app)!) {
      const o = owner.get(t);
      if (o === undefined) {
        if (!publishers.has(t)) problems.push({ kind: 'no-publisher', topic: t, subscriber: d.app });
      } else if (o === d.app || byApp.get(o)!.subscribers.includes(d.namespace)) subscribe.push(t);
      else problems.push({ kind: 'not-accepted', topic: t, subscriber: d.app, publisher: o });
    }
    grants.set(d.app, { publish, subscribe });
  }
  return { grants, problems };
}
