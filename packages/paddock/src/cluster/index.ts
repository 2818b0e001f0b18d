import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { upPlan, downPlan, syncPlan, type PlanOptions } from './plan.js';
import { hostFacts } from './host.js';

export {
  upPlan,
  downPlan,
  syncPlan,
  formatPlan,
  describe,
  daprSidecarMirror,
  kindConfigFor,
  kindNodes,
  UP_PHASES,
  BUILT_CHART_DIR,
  FLUX_COMPONENTS_FLAG,
  type Step,
  type Action,
  type PlanOptions,
} from './plan.js';
export {
  clusterCharts,
  clusterManifests,
  clusterImages,
  builtNodeImage,
  bootstrapRegistryImage,
  ESO_IMAGE_REPOSITORY,
  CONFIGS_WORKLOADS,
  workloadImages,
  toolVersions,
  FLUX_COMPONENTS,
  DAPR_CONTROL_PLANE,
  daprSubstitutes,
  type ClusterChart,
  type ClusterManifests,
  type ClusterImage,
  type ImageSource,
} from './images.js';
export { exampleImages, appBaseImages, type AppBase } from './app-images.js';
export { chooseImageSource, hostFacts, registriesAnswer, IMAGE_SOURCE_ENV, REGISTRIES, type HostFacts } from './host.js';
export { runPlan, missingTools, readFlux, readSecretSync } from './runner.js';
export { exec } from './exec.js';
export { checkSpace, filesystemOf, shortfalls, spaceNeeds, MEASURED_GIB, type SpaceNeed } from './disk.js';
export { statusRows, formatTable, fluxObjects, allReady, progressLine, type StatusRow } from './flux-state.js';
export { smokeTests, PROMISES, type CheckResult } from './smoke.js';
export { VERSIONS, CLUSTER, REQUIRED_TOOLS } from './versions.js';

/** The git commit of the tree, recorded on the pushed artifact; "local" outside git. */
export function treeRevision(root: string): string {
  try {
    return execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'local';
  }
}

/** Plan options for this repository: `workDir` is a fixed, readable path on --dry-run. */
export function planOptions(
  root: string,
  dryRun: boolean,
  extra: Partial<Pick<PlanOptions, 'images' | 'imagesWhy' | 'until' | 'pools' | 'platform'>> = {},
): PlanOptions {
  const workDir = dryRun ? join(tmpdir(), 'paddock-cluster-XXXXXX') : mkdtempSync(join(tmpdir(), 'paddock-cluster-'));
  return { root, revision: treeRevision(root), workDir, harborApi: process.env.PADDOCK_HARBOR_API, host: hostFacts(), ...extra };
}

export function planFor(command: 'up' | 'down' | 'sync', o: PlanOptions) {
  return command === 'up' ? upPlan(o) : command === 'sync' ? syncPlan(o) : downPlan();
}
