import { join } from 'node:path';

/**
 * Where things are in a platform tree (platform/ or a copy of it). The apps
 * layer is `apps/`: shared files at its top, one folder per app.
 */
export function layout(root: string) {
  const apps = join(root, 'apps');
  return {
    root,
    apps,
    appsKustomization: join(apps, 'kustomization.yaml'),
    appChart: join(apps, 'app-chart.yaml'),
    platformSettings: join(apps, 'platform-settings.yaml'),
    appDir: (name: string) => join(apps, name),
    appFile: (name: string, file: AppFile) => join(apps, name, file),
  };
}

export type Layout = ReturnType<typeof layout>;

/** The files of one app entry. */
export const APP_FILES = ['kustomization.yaml', 'namespace.yaml', 'release.yaml'] as const;
export type AppFile = (typeof APP_FILES)[number];

/** Shared files of the apps layer, listed first in apps/kustomization.yaml. */
export const SHARED_FILES = ['app-chart.yaml', 'platform-settings.yaml'] as const;

/** Names of the objects the apps layer relies on. */
export const NAMES = {
  chartSource: 'app-chart',
  settings: 'paddock-platform-settings',
  fluxNamespace: 'flux-system',
} as const;
