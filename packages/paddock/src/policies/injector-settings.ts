/**
 * The Dapr injector settings a Dapr HelmRelease produces: the chart values
 * (dapr 1.17.5, charts/dapr/charts/dapr_sidecar_injector) that become the
 * injector's SIDECAR_* environment, with the chart's defaults.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../paths.js';
import { readYamlObjects } from './load.js';

/** The platform's settings of the Dapr sidecar injector (Dapr Helm chart values). */
export interface InjectorSettings {
  /** `dapr_sidecar_injector.image` / `global.registry` + `global.tag`: the daprd image the injector adds. */
  sidecarImage: string;
  /** `global.imagePullPolicy`. */
  imagePullPolicy: string;
  /** `dapr_sidecar_injector.sidecarRunAsNonRoot` (SIDECAR_RUN_AS_NON_ROOT; injector default true). */
  sidecarRunAsNonRoot: boolean;
  /** `dapr_sidecar_injector.sidecarReadOnlyRootFilesystem` (SIDECAR_READ_ONLY_ROOT_FILESYSTEM; default true). */
  sidecarReadOnlyRootFilesystem: boolean;
  /** `dapr_sidecar_injector.sidecarDropALLCapabilities` (SIDECAR_DROP_ALL_CAPABILITIES; injector default FALSE). */
  sidecarDropALLCapabilities: boolean;
  /** `dapr_sidecar_injector.sidecarRunAsUser` / `sidecarRunAsGroup` (unset by default). */
  sidecarRunAsUser?: number;
  sidecarRunAsGroup?: number;
  /** Namespace and trust domain of the Dapr control plane (the audience of the Sentry token). */
  controlPlaneNamespace: string;
  controlPlaneTrustDomain: string;
  /** `dapr_sidecar_injector.enableK8sDownwardAPIs`. */
  enableK8sDownwardAPIs: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: a HelmRelease as JSON, read field by field
type Json = Record<string, any>;

/** The platform's Dapr release (Flux HelmRelease) in the GitOps tree. */
export const daprReleaseFile = join(paths.platform, 'infrastructure', 'controllers', 'dapr.yaml');

/** Settings from a Dapr HelmRelease's values; undefined when the file holds no Dapr release. */
export function injectorSettingsFromRelease(file: string = daprReleaseFile): InjectorSettings | undefined {
  const release = readYamlObjects(file).find((o) => o.kind === 'HelmRelease' && (o.spec as Json)?.chart?.spec?.chart === 'dapr');
  if (!release) return undefined;
  const spec = release.spec as Json;
  const values: Json = spec.values ?? {};
  const global: Json = values.global ?? {};
  const inj: Json = values.dapr_sidecar_injector ?? {};
  // dapr_sidecar_injector_deployment.yaml: SIDECAR_IMAGE
  const name: string = inj.image?.name ?? 'daprd';
  const image = name.includes('/') ? name : `${global.registry ?? 'ghcr.io/dapr'}/${name}:${global.tag ?? spec.chart.spec.version}`;
  const bool = (v: unknown, dflt: boolean) => (v === undefined ? dflt : String(v) === 'true');
  const settings: InjectorSettings = {
    sidecarImage: image,
    imagePullPolicy: inj.sidecarImagePullPolicy ?? 'IfNotPresent',
    sidecarRunAsNonRoot: bool(inj.sidecarRunAsNonRoot, true),
    sidecarReadOnlyRootFilesystem: bool(inj.sidecarReadOnlyRootFilesystem, true),
    sidecarDropALLCapabilities: bool(inj.sidecarDropALLCapabilities, false),
    controlPlaneNamespace: spec.targetNamespace ?? release.metadata.namespace ?? 'dapr-system',
    controlPlaneTrustDomain: global.mtls?.controlPlaneTrustDomain ?? 'cluster.local',
    enableK8sDownwardAPIs: bool(inj.enableK8sDownwardAPIs, false),
  };
  if (Number(inj.sidecarRunAsUser) > 0) settings.sidecarRunAsUser = Number(inj.sidecarRunAsUser);
  if (Number(inj.sidecarRunAsGroup) > 0) settings.sidecarRunAsGroup = Number(inj.sidecarRunAsGroup);
  return settings;
}

let memo: { stamp: string; settings: InjectorSettings } | undefined;

/**
 * The platform's injector settings, from its Dapr release (read again when the
 * file changes). The release ships with paddock, in a checkout and in the
 * installed package alike, so without it paddock itself is broken.
 */
export function loadPlatformInjectorSettings(): InjectorSettings {
  if (!existsSync(daprReleaseFile)) throw new Error(`${daprReleaseFile} is missing: paddock judges the Dapr sidecar with the settings of that release`);
  const st = statSync(daprReleaseFile);
  const stamp = `${st.size}:${st.mtimeMs}`;
  if (memo?.stamp !== stamp) {
    const settings = injectorSettingsFromRelease(daprReleaseFile);
    if (!settings) throw new Error(`${daprReleaseFile} holds no Dapr HelmRelease (spec.chart.spec.chart: dapr)`);
    memo = { stamp, settings };
  }
  return memo.settings;
}
