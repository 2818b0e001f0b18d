/**
 * Where the cluster puts an object that names no namespace. `kubectl apply -f`
 * (and a Flux Kustomization without targetNamespace) puts it in `default`,
 * outside every app namespace and the guardrails bound there; Helm puts the
 * chart's objects in the release namespace. `paddock check` places them the
 * same way, so they are judged where they would land, and reports the first.
 */
import { isNamespaced } from '../policies/resources.js';
import type { SourcedObject } from '../render/manifests.js';
import type { Finding } from '../report/finding.js';
import type { RenderedApp } from './render-all.js';

const CLUSTER_DEFAULT_NAMESPACE = 'default';

const unplaced = (o: SourcedObject): boolean =>
  isNamespaced(o.object.kind) && (typeof o.object.metadata?.namespace !== 'string' || o.object.metadata.namespace === '');

/**
 * Give every namespaced hand-written object without a namespace `default`
 * (in place, so the objects keep their identity for locating findings) and
 * say so, one finding per object. `apps`: the app names checked, for the fix.
 */
export function placeManifests(manifests: SourcedObject[], apps: string[]): Finding[] {
  const target = apps.length === 1 ? `${apps[0]}-ns` : '<app>-ns';
  const findings: Finding[] = [];
  for (const o of manifests) {
    if (!unplaced(o)) continue;
    o.object.metadata = { ...(o.object.metadata ?? {}), namespace: CLUSTER_DEFAULT_NAMESPACE };
    const ref = `${o.object.kind}/${o.object.metadata.name ?? '(unnamed)'}`;
    findings.push({
      rule: 'placement',
      severity: 'error',
      file: o.file,
      ...(o.line ? { line: o.line } : {}),
      path: ref,
      message: `${ref} names no namespace, so the cluster puts it in "default": outside every app namespace and the guardrails that protect them.`,
      fix: `Set metadata.namespace to the app's namespace (${target}).`,
    });
  }
  return findings;
}

/** The chart's objects carry their namespace; any that does not lands in its release namespace, as Helm places it. */
export function placeChartObjects(apps: RenderedApp[]): void {
  for (const a of apps) for (const o of a.objects) if (unplaced(o)) o.object.metadata = { ...(o.object.metadata ?? {}), namespace: a.app.namespace };
}
