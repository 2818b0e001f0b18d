import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { paths } from '../paths.js';
import { change, readText, type FileChange, type Plan } from './changes.js';
import { listedApps, renderAppsKustomization } from './apps-list.js';
import { allowList, appOfNamespace, namespaceOf, parseRelease, renderAppChart, renderKustomization, renderNamespace, renderRelease, withAllowList, type AppEntry } from './entry.js';
import { layout, type Layout } from './layout.js';

/** The shared chart's version (charts/app/Chart.yaml), which the app releases pin. */
export function chartVersion(chartDir: string = paths.chart): string {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { version?: string };
  if (!chart.version) throw new Error(`${chartDir}/Chart.yaml has no version`);
  return chart.version;
}

/** Whether platform/clusters/kind/kind-config.yaml (when the tree has one) has a worker labelled for `pool`. */
function kindHasPool(root: string, pool: string): boolean {
  const text = readText(join(root, 'clusters', 'kind', 'kind-config.yaml'));
  if (text === null) return true;
  const kind = parse(text) as { nodes?: { role?: string; labels?: Record<string, string> }[] } | null;
  return (kind?.nodes ?? []).some((n) => n.role === 'worker' && n.labels?.['paddock.dev/nodepool'] === pool);
}

/** Every app entry in the tree, by name. */
export function readEntries(l: Layout): Map<string, AppEntry> {
  const out = new Map<string, AppEntry>();
  for (const name of listedApps(l)) {
    const text = readText(l.appFile(name, 'release.yaml'));
    const entry = text === null ? undefined : parseRelease(text);
    if (entry) out.set(name, entry);
  }
  return out;
}

/**
 * The changes that put `app` (already validated) into the tree at `root`:
 * its entry, the apps list, the chart source's version, and the callee side of
 * every call it declares (allowEgressTo app1-ns → app1 accepts app2-ns).
 */
export function planOnboard(root: string, app: AppEntry, version: string): Plan {
  const l = layout(root);
  const notes: string[] = [];
  const changes: FileChange[] = [];
  const entries = readEntries(l);
  const ns = namespaceOf(app.name);
  const isNew = !entries.has(app.name);

  // Keep what other apps' onboarding granted: callers already in the tree that call this app.
  let values = app.values;
  const ingress = allowList(values, 'allowIngressFrom');
  for (const [other, entry] of entries) {
    if (other !== app.name && allowList(entry.values, 'allowEgressTo').includes(ns) && !ingress.includes(namespaceOf(other))) {
      ingress.push(namespaceOf(other));
      notes.push(`${app.name} keeps accepting calls from ${namespaceOf(other)}: ${other} is onboarded and calls it.`);
    }
  }
  if (ingress.length !== allowList(values, 'allowIngressFrom').length) values = withAllowList(values, 'allowIngressFrom', ingress);

  changes.push(...change(l.appFile(app.name, 'namespace.yaml'), renderNamespace({ name: app.name, values })));
  changes.push(...change(l.appFile(app.name, 'release.yaml'), renderRelease({ name: app.name, values })));
  changes.push(...change(l.appFile(app.name, 'kustomization.yaml'), renderKustomization()));
  changes.push(...change(l.appsKustomization, renderAppsKustomization([...listedApps(l), app.name])));
  const chartChange = change(l.appChart, renderAppChart(version));
  if (chartChange.length && readText(l.appChart) !== null) notes.push(`The shared chart source now pins chart version ${version}, for every app.`);
  changes.push(...chartChange);

  // The callee side: every app this one calls must accept it.
  for (const target of allowList(values, 'allowEgressTo')) {
    const callee = appOfNamespace(target);
    const entry = callee ? entries.get(callee) : undefined;
    if (!callee || !entry) {
      notes.push(`${app.name} calls ${target}, which is not onboarded yet; onboarding it later lets ${app.name} in.`);
      continue;
    }
    const theirs = allowList(entry.values, 'allowIngressFrom');
    if (theirs.includes(ns)) continue;
    const updated = withAllowList(entry.values, 'allowIngressFrom', [...theirs, ns]);
    changes.push(...change(l.appFile(callee, 'release.yaml'), renderRelease({ name: callee, values: updated })));
    notes.push(`${callee} now accepts calls from ${ns} (networkPolicy.allowIngressFrom in platform/apps/${callee}/release.yaml), because ${app.name} calls it.`);
  }
  // Callers this app accepts but that do not (yet) call it: only a note.
  for (const source of allowList(values, 'allowIngressFrom')) {
    const caller = appOfNamespace(source);
    const entry = caller ? entries.get(caller) : undefined;
    if (caller && entry && !allowList(entry.values, 'allowEgressTo').includes(ns)) {
      notes.push(`${app.name} accepts calls from ${source}, but ${caller} does not list ${ns} in networkPolicy.allowEgressTo, so its calls stay blocked until it does.`);
    }
  }
  const pool = typeof values.nodepool === 'string' && values.nodepool ? values.nodepool : app.name;
  if (!kindHasPool(root, pool)) {
    notes.push(`The kind cluster has no worker for node pool "${pool}": add one to platform/clusters/kind/kind-config.yaml (label and taint paddock.dev/nodepool=${pool}, like app1's) or the app's pods stay Pending there.`);
  }
  notes.unshift(isNew ? `${app.name} is new: Flux creates ${ns} and installs the shared chart ${version} there.` : changes.length ? `${app.name} is updated.` : `${app.name} is already up to date; nothing to change.`);
  return { changes, notes };
}
