import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { consentGap, type Party } from '../connectivity/consent.js';
import { topicDeclaration, type TopicDeclaration } from '../connectivity/topics.js';
import { paths } from '../paths.js';
import type { Finding } from '../report/finding.js';
import { change, readText, type FileChange, type Plan, type Proposal } from './changes.js';
import { listedApps, renderAppsKustomization } from './apps-list.js';
import {
  allowList,
  appOfNamespace,
  namespaceOf,
  parseRelease,
  renderAppChart,
  renderKustomization,
  renderNamespace,
  renderRelease,
  type AppEntry,
  type AppSource,
} from './entry.js';
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

/** The source an entry records for a values file: its path from the repository root (absolute outside it) and its owner. */
export function sourceOf(absFile: string, values: Record<string, unknown>, repoRoot: string = paths.root): AppSource {
  const rel = relative(repoRoot, absFile);
  const file = rel && !rel.startsWith('..') && !rel.startsWith('/') ? rel : absFile;
  return { file, ...(typeof values.owner === 'string' && values.owner ? { owner: values.owner } : {}) };
}

const describeSource = (s: AppSource | undefined): string => (s ? `${s.file}${s.owner ? ` (owner ${s.owner})` : ' (no owner)'}` : 'no recorded values file');
const sameSource = (a: AppSource | undefined, b: AppSource | undefined): boolean => !!a && !!b && a.file === b.file && (a.owner ?? '') === (b.owner ?? '');
/** What `name`'s owner must change so that `ns` is let in: the field's whole line once changed, e.g. `allowIngressFrom: [app2-ns, app3-ns]`. */
function grantProposal(name: string, e: AppEntry, file: string, field: Proposal['field'], list: string[], ns: string, reason: string): Proposal {
  return { app: name, owner: e.source?.owner, file, field, add: ns, line: `${field.split('.')[1]}: [${list.join(', ')}]`, reason };
}

/** The result of planning an onboarding: refused (nothing may be written), or a plan. */
export type OnboardResult = { refused: Finding[] } | { refused?: undefined; plan: Plan };

/**
 * The changes that put `app` (already validated, name allowed) into the tree
 * at `root`: its entry (exactly its own values, and where they came from), the
 * apps list and the chart source's version. Nothing is written for another
 * app: a call or a subscription the other side does not accept is only
 * proposed (the exact line its owner must add). An existing entry with another
 * values file or owner is refused unless `replace` says to take the name over.
 */
export function planOnboard(root: string, app: AppEntry & { source: AppSource }, version: string, opts: { replace?: boolean } = {}): OnboardResult {
  const l = layout(root);
  const rel = (p: string): string => relative(join(root, '..'), p);
  const warnings: string[] = [];
  const changes: FileChange[] = [];
  const entries = readEntries(l);
  const ns = namespaceOf(app.name);
  const existing = entries.get(app.name);
  const values = app.values;
  const releaseFile = rel(l.appFile(app.name, 'release.yaml'));
  const mine = topicDeclaration(app.name, values);

  const refused = refusalsOf(app, existing, entries, mine, releaseFile, opts.replace === true, warnings);
  if (refused.length) return { refused };

  const ctx: PlanContext = {
    app,
    ns,
    entries,
    mine,
    notes: [],
    proposals: [],
    ownersFile: (name, e) => e.source?.file ?? rel(l.appFile(name, 'release.yaml')),
  };
  if (existing) lostGrantNotes(ctx, existing, releaseFile);
  const { notes, proposals } = ctx;

  const entry: AppEntry = { name: app.name, values, source: app.source };
  changes.push(...change(l.appFile(app.name, 'namespace.yaml'), renderNamespace(entry)));
  changes.push(...change(l.appFile(app.name, 'release.yaml'), renderRelease(entry)));
  changes.push(...change(l.appFile(app.name, 'kustomization.yaml'), renderKustomization()));
  changes.push(...change(l.appsKustomization, renderAppsKustomization([...listedApps(l), app.name])));
  const chartChange = change(l.appChart, renderAppChart(version));
  if (chartChange.length && readText(l.appChart) !== null) notes.push(`The shared chart source now pins chart version ${version}, for every app.`);
  changes.push(...chartChange);

  callsPlan(ctx);
  topicsPlan(ctx);

  const pool = typeof values.nodepool === 'string' && values.nodepool ? values.nodepool : app.name;
  if (!kindHasPool(root, pool)) {
    notes.push(
      `The kind cluster has no worker for node pool "${pool}": add one to platform/clusters/kind/kind-config.yaml (label and taint paddock.dev/nodepool=${pool}, like app1's), or create the cluster with \`npx paddock cluster up --pool ${pool}\`; otherwise the app's pods stay Pending there.`,
    );
  }
  notes.unshift(
    !existing
      ? `${app.name} is new: Flux creates ${ns} and installs the shared chart ${version} there.`
      : changes.length
        ? `${app.name} is updated.`
        : `${app.name} is already up to date; nothing to change.`,
  );
  return { plan: { changes, notes, warnings, proposals } };
}

/** What planning needs to say who must change what for the app's calls and topics. */
interface PlanContext {
  app: AppEntry & { source: AppSource };
  ns: string;
  entries: Map<string, AppEntry>;
  mine: TopicDeclaration;
  notes: string[];
  proposals: Proposal[];
  /** The file an app's owner edits: its values file, else its entry in the tree. */
  ownersFile: (name: string, e: AppEntry) => string;
}

/** Why the app may not be onboarded as it is: a name another file owns (unless replacing), a topic another app publishes. */
function refusalsOf(
  app: AppEntry & { source: AppSource },
  existing: AppEntry | undefined,
  entries: Map<string, AppEntry>,
  mine: TopicDeclaration,
  releaseFile: string,
  replace: boolean,
  warnings: string[],
): Finding[] {
  // The name has an owner: taking it over is an explicit, visible act.
  const refused: Finding[] = [];
  if (existing && !sameSource(existing.source, app.source)) {
    const theirs = existing.source
      ? `belongs to ${describeSource(existing.source)}, as ${releaseFile} records`
      : `is already onboarded (${releaseFile}), and its entry does not record which values file or owner it came from`;
    if (!replace) {
      refused.push({
        rule: 'onboard',
        severity: 'error',
        file: app.source.file,
        message: `The app name "${app.name}" ${theirs}; this file is ${describeSource(app.source)}. Onboarding it would replace that app: its image, its secrets and its data.`,
        fix: `Give this app another name (rename its folder, or pass --name), or, if you mean to replace ${app.name}, run onboard again with --replace.`,
      });
    } else {
      warnings.push(replaceWarning(existing, app));
    }
  }
  // A topic has one publisher.
  for (const topic of mine.publishes) {
    for (const [other, entry] of entries) {
      if (other !== app.name && topicDeclaration(other, entry.values).publishes.includes(topic)) {
        refused.push({
          rule: 'onboard',
          severity: 'error',
          file: app.source.file,
          path: 'pubsub.publishes',
          message: `The topic "${topic}" is already published by ${other} (${describeSource(entry.source)}); a topic has one publisher, so ${app.name} cannot send to it.`,
          fix: `Pick another topic name, or ask ${other}'s owner to take "${topic}" out of its pubsub.publishes (or offboard ${other}) first.`,
        });
      }
    }
  }
  return refused;
}

/** Exactly the app's own values: grants it no longer declares go, and say who loses them. */
function lostGrantNotes({ app, mine, notes }: PlanContext, existing: AppEntry, releaseFile: string): void {
  const values = app.values;
  for (const [key, field, what] of [
    ['allowIngressFrom', 'networkPolicy.allowIngressFrom', 'calls'],
    ['allowSubscribersFrom', 'pubsub.allowSubscribersFrom', 'topics'],
  ] as const) {
    const before = key === 'allowIngressFrom' ? allowList(existing.values, key) : topicDeclaration(app.name, existing.values).subscribers;
    const now = key === 'allowIngressFrom' ? allowList(values, key) : mine.subscribers;
    for (const lost of before.filter((x) => !now.includes(x))) {
      notes.push(
        what === 'calls'
          ? `${app.name} no longer accepts calls from ${lost}: it was in ${releaseFile}, but ${app.source.file} does not list it in ${field}; ${appOfNamespace(lost) ?? lost}'s calls are refused once Flux applies this.`
          : `${appOfNamespace(lost) ?? lost} no longer receives ${app.name}'s topics: ${app.source.file} does not list ${lost} in ${field}.`,
      );
    }
  }
}

/** Calls: the callee's own values decide. Propose, never write. */
function callsPlan({ app, ns, entries, notes, proposals, ownersFile }: PlanContext): void {
  const values = app.values;
  const party = (name: string, e: AppEntry): Party => ({
    name,
    namespace: namespaceOf(name),
    file: ownersFile(name, e),
    answersCalls: e.values.port !== 'none',
  });
  const me = party(app.name, app);
  for (const target of allowList(values, 'allowEgressTo')) {
    const callee = appOfNamespace(target);
    const theirs = callee ? entries.get(callee) : undefined;
    if (!callee || !theirs) {
      notes.push(
        `${app.name} calls ${target}, which is not onboarded yet; the call works once that app is onboarded with ${ns} in its networkPolicy.allowIngressFrom.`,
      );
      continue;
    }
    if (theirs.values.port === 'none') {
      // A worker has no app channel: nothing it could add makes the call work.
      const gap = consentGap(me, party(callee, theirs), true, false)!;
      notes.push(`${gap.message} ${gap.fix}`);
      continue;
    }
    const accepted = allowList(theirs.values, 'allowIngressFrom');
    if (accepted.includes(ns)) continue;
    proposals.push(
      grantProposal(
        callee,
        theirs,
        ownersFile(callee, theirs),
        'networkPolicy.allowIngressFrom',
        [...accepted, ns],
        ns,
        `${app.name} calls ${callee} (networkPolicy.allowEgressTo: ${target})`,
      ),
    );
  }
  for (const source of allowList(values, 'allowIngressFrom')) {
    const caller = appOfNamespace(source);
    const theirs = caller ? entries.get(caller) : undefined;
    if (caller && theirs && !allowList(theirs.values, 'allowEgressTo').includes(ns)) {
      const gap = consentGap(party(caller, theirs), me, false, true)!;
      notes.push(`${gap.message} ${gap.fix}`);
    }
  }
}

/** Topics: the publisher's own values decide who receives them. */
function topicsPlan({ app, ns, entries, mine, notes, proposals, ownersFile }: PlanContext): void {
  for (const topic of mine.subscribes) {
    if (mine.publishes.includes(topic)) continue;
    const owner = [...entries].find(([other, e]) => other !== app.name && topicDeclaration(other, e.values).publishes.includes(topic));
    if (!owner) {
      notes.push(
        `${app.name} subscribes to "${topic}", which no onboarded app publishes yet; it receives it once the app that publishes it is onboarded with ${ns} in its pubsub.allowSubscribersFrom.`,
      );
      continue;
    }
    const [publisher, theirs] = owner;
    const accepted = topicDeclaration(publisher, theirs.values).subscribers;
    if (accepted.includes(ns)) continue;
    proposals.push(
      grantProposal(
        publisher,
        theirs,
        ownersFile(publisher, theirs),
        'pubsub.allowSubscribersFrom',
        [...accepted, ns],
        ns,
        `${app.name} subscribes to "${topic}", which ${publisher} publishes`,
      ),
    );
  }
  for (const [other, e] of entries) {
    if (other === app.name) continue;
    const theirs = topicDeclaration(other, e.values);
    for (const topic of theirs.subscribes.filter((t) => mine.publishes.includes(t))) {
      if (!mine.subscribers.includes(theirs.namespace)) {
        notes.push(
          `${other} subscribes to "${topic}", but ${app.name} does not list ${theirs.namespace} in pubsub.allowSubscribersFrom, so ${other} receives nothing until it does.`,
        );
      }
    }
  }
}

/** What --replace hands to the new file: said before it happens. */
function replaceWarning(existing: AppEntry, app: AppEntry & { source: AppSource }): string {
  const image = existing.values.image as { repository?: string; tag?: string } | undefined;
  const old = image?.repository ? `${image.repository}:${image.tag ?? ''}` : 'its image';
  const v = existing.values as { secretstore?: { enabled?: boolean }; statestore?: { enabled?: boolean } };
  const topics = topicDeclaration(existing.name, existing.values).publishes;
  const parts = [
    `its image ${old} gives way to this file's`,
    `this file's app reads ${existing.name}'s secrets (Vault path dapr/${existing.name}${v.secretstore?.enabled ? ', in use' : ''})`,
    `and its data in Redis (keys ${existing.name}||*${v.statestore?.enabled ? ', in use' : ''})`,
    ...(topics.length ? [`and sends its topics (${topics.join(', ')})`] : []),
  ];
  return `--replace: ${existing.name} (${describeSource(existing.source)}) is replaced by ${describeSource(app.source)}: ${parts.join(', ')}.`;
}
