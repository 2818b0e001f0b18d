import { change, readText, type FileChange, type Plan } from './changes.js';
import { listedApps, renderAppsKustomization } from './apps-list.js';
import { allowList, namespaceOf, renderRelease, withAllowList } from './entry.js';
import { APP_FILES, layout } from './layout.js';
import { readEntries } from './onboard.js';

/**
 * The changes that take `name` out of the tree: its entry, its line in the
 * apps list, and its namespace from every other app's allow lists. Flux then
 * prunes the release and the namespace (the tenant provisioner drops its
 * Vault role and Redis user).
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
  for (const [other, entry] of readEntries(l)) {
    if (other === name) continue;
    let values = entry.values;
    const dropped: string[] = [];
    for (const key of ['allowIngressFrom', 'allowEgressTo'] as const) {
      const list = allowList(values, key);
      if (list.includes(ns)) {
        values = withAllowList(values, key, list.filter((x) => x !== ns));
        dropped.push(`networkPolicy.${key}`);
      }
    }
    if (dropped.length) {
      changes.push(...change(l.appFile(other, 'release.yaml'), renderRelease({ name: other, values })));
      notes.push(`${ns} is removed from ${other}'s ${dropped.join(' and ')} (platform/apps/${other}/release.yaml).`);
    }
  }
  return { changes, notes };
}
