import { parse, stringify } from 'yaml';
import { readText } from './changes.js';
import { SHARED_FILES, type Layout } from './layout.js';

/** The apps listed in apps/kustomization.yaml (its resources that are app folders). */
export function listedApps(l: Layout): string[] {
  const text = readText(l.appsKustomization);
  if (text === null) return [];
  const k = parse(text) as { resources?: unknown[] } | null;
  return (k?.resources ?? []).filter((r): r is string => typeof r === 'string' && !(SHARED_FILES as readonly string[]).includes(r));
}

export function renderAppsKustomization(apps: string[]): string {
  return (
    '# The apps layer: the shared chart source, the platform settings every app\n' +
    '# release reads (valuesFrom), then one folder per app. Maintained by\n' +
    '# `npx paddock onboard` / `npx paddock offboard`.\n' +
    stringify(
      { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...SHARED_FILES, ...[...new Set(apps)].sort()] },
      { lineWidth: 0 },
    )
  );
}
