/**
 * The connectivity check: who can reach whom across a set of apps (their
 * NetworkPolicies and Dapr access control), compared with what their values
 * files declare. See docs/connectivity.md.
 */
import type { Finding } from '../report/finding.js';
import { compareWithDeclarations } from './compare.js';
import { computeMatrix, type MatrixResult } from './matrix.js';
import type { AppInput, KubeObject, Platform } from './model.js';
import { defaultPlatform } from './platform.js';
import { topicFindings } from './pubsub.js';

export interface ConnectivityResult extends MatrixResult {
  findings: Finding[];
}

export interface ConnectivityOptions {
  platform?: Platform;
  /**
   * The platform's own NetworkPolicies (e.g. from platform/infrastructure/configs).
   * Errors are always judged app-side, with platform namespaces assumed open (an
   * app's policies must hold by themselves); these add warnings for declared or
   * needed flows the platform's policies stop (e.g. Redis admitting only
   * namespaces labelled as tenants — give AppInput.namespaceLabels).
   */
  platformObjects?: KubeObject[];
}

/** Compute the reach matrix of `apps` (with the platform around them) and every difference from their declarations. */
export function checkConnectivity(apps: AppInput[], options: ConnectivityOptions = {}): ConnectivityResult {
  const platform = options.platform ?? defaultPlatform();
  const result = computeMatrix(apps, platform);
  const findings = [...compareWithDeclarations(result), ...topicFindings(apps)];
  if (options.platformObjects?.length) {
    const full = withExtraObjects(
      apps,
      options.platformObjects.filter((o) => o?.kind === 'NetworkPolicy'),
      platform,
    );
    const seen = new Set(findings.map((f) => `${f.rule}\u0000${f.message}`));
    for (const f of compareWithDeclarations(computeMatrix(full.apps, full.platform))) {
      if (f.severity !== 'warning' || seen.has(`${f.rule}\u0000${f.message}`)) continue;
      findings.push({
        ...f,
        message: `${f.message} The app's own policies allow it; the platform's NetworkPolicies stop it.`,
        fix: 'Check the platform\'s NetworkPolicies (platform/infrastructure/configs) and the labels of the app\'s namespace (tenant namespaces carry paddock.dev/tenant: "true").',
      });
    }
  }
  return { ...result, findings };
}

/**
 * Add Kubernetes objects that were not rendered from a values file (a manifest
 * applied by hand, another chart's output) to the check: objects in an app's
 * namespace join that app; NetworkPolicies in a platform namespace become that
 * namespace's own policies (so it is no longer assumed open).
 */
export function withExtraObjects(apps: AppInput[], objects: KubeObject[], platform: Platform = defaultPlatform()): { apps: AppInput[]; platform: Platform } {
  const byNs = new Map<string, KubeObject[]>();
  for (const o of objects) {
    const ns = o?.metadata?.namespace;
    if (!ns) continue;
    if (!byNs.has(ns)) byNs.set(ns, []);
    byNs.get(ns)!.push(o);
  }
  return {
    apps: apps.map((a) => (byNs.has(a.namespace) ? { ...a, objects: [...a.objects, ...byNs.get(a.namespace)!] } : a)),
    platform: {
      ...platform,
      namespaces: platform.namespaces.map((n) => {
        const extra = (byNs.get(n.namespace) ?? []).filter((o) => o.kind === 'NetworkPolicy');
        return extra.length ? { ...n, policies: [...(n.policies ?? []), ...extra] } : n;
      }),
    },
  };
}

export { callBetween, explainApp, formatMatrix, reaches } from './table.js';
export { platformFromChartValues, type ChartPlatformValues } from './platform.js';
export type * from './model.js';
