import { topicDeclaration } from '../connectivity/topics.js';
import { change, readText, type FileChange, type Plan } from './changes.js';
import { listedApps, renderAppsKustomization } from './apps-list.js';
import { allowList, namespaceOf, renderNamespace, renderRelease, withAllowList, withSubscribers } from './entry.js';
import { APP_FILES, layout } from './layout.js';
import { readEntries } from './onboard.js';

/**
 * The changes that take `name` out of the tree: its entry, its line in the
 * apps list, and its namespace from every other app's allow lists (that only
 * tightens: the name is free now, and whoever takes it next is another app).
 * Flux then prunes the release and the namespace (the tenant provisioner drops
 * its Vault role and Redis user).
 */
export function planOffboard(root: string, name: string): Plan | undefined {
  const l = layout(root);
  const listed = listedApps(l);
  const present = APP_FILES.some((f) => readText(l.appFile(name, f)) !== null);
  if (!listed.includes(name) && !present) return undefined;
  const ns = namespaceOf(name);
  const changes: FileChange[] = [];
  const notes = [`${name} is removed: Flux uninstalls it and deletes ${ns}; its Vault role and Redis user go with it.`];
  for (const f of APP_FILES) changes.push(...change(l.appFile(name, f), null));
  changes.push(...change(l.appsKustomization, renderAppsKustomization(listed.filter((a) => a !== name))));
  const entries = readEntries(l);
  const gone = entries.get(name);
  const topics = gone ? topicDeclaration(name, gone.values).publishes : [];
  for (const [other, entry] of entries) {
    if (other === name) continue;
    let values = entry.values;
    const dropped: string[] = [];
    for (const key of ['allowIngressFrom', 'allowEgressTo'] as const) {
      const list = allowList(values, key);
      if (list.includes(ns)) {
        values = withAllowList(
          values,
          key,
          list.filter((x) => x !== ns),
        );
        dropped.push(`networkPolicy.${key}`);
      }
    }
    const subscribers = topicDeclaration(other, values).subscribers;
    if (subscribers.includes(ns)) {
      values = withSubscribers(
        values,
        subscribers.filter((x) => x !== ns),
      );
      dropped.push('pubsub.allowSubscribersFrom');
    }
    if (dropped.length) {
      const updated = { name: other, values, source: entry.source };
      changes.push(...change(l.appFile(other, 'release.yaml'), renderRelease(updated)));
      changes.push(...change(l.appFile(other, 'namespace.yaml'), renderNamespace(updated)));
      const file = entry.source?.file ?? `${other}'s values file`;
      notes.push(
        `${ns} is removed from ${other}'s ${dropped.join(' and ')} (platform/apps/${other}/release.yaml). ${file} still lists it: take it out there too, or ${other}'s next onboarding accepts whichever app is named ${name} next.`,
      );
    }
    const lost = topicDeclaration(other, entry.values).subscribes.filter((t) => topics.includes(t));
    if (lost.length)
      notes.push(`${other} subscribes to ${lost.map((t) => `"${t}"`).join(', ')}, which only ${name} published: it receives nothing from now on.`);
  }
  return { changes, notes };
}
