import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../paths.js';
import { readYamlStream } from './yaml-read.js';

/** The platform settings the chart ships with (charts/app/values.yaml `platform:`), read once. */
export interface PlatformSettings {
  registries: string[];
  nodePoolAssignments: Record<string, string>;
  maxContainer: { cpu: string; memory: string };
  sizes: Record<string, { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } }>;
  kubeVersion: string;
  [key: string]: unknown;
}

let cached: PlatformSettings | undefined;

export function platformSettings(): PlatformSettings {
  // Read as Helm reads the chart's values, like every values file.
  if (cached) return cached;
  const values = readYamlStream(readFileSync(join(paths.chart, 'values.yaml'), 'utf8'), { mode: 'values' }).docs[0]?.value as
    | { platform?: PlatformSettings }
    | undefined;
  if (!values?.platform) throw new Error(`${join(paths.chart, 'values.yaml')} has no platform settings`);
  cached = values.platform;
  return cached;
}

/** The Kubernetes version the platform targets, as written there (`1.35.8`): what helm renders for (--kube-version). */
export function kubeVersion(): string {
  return platformSettings().kubeVersion;
}

/** The same version as the API server reports it (`v1.35.8`): the generated schemas are for it. */
export function kubeGitVersion(): string {
  const v = String(kubeVersion() ?? '');
  return v.startsWith('v') ? v : `v${v}`;
}

/**
 * The minor of the Kubernetes the platform targets, as `v1.35`: the version
 * Pod Security labels pin (`pod-security.kubernetes.io/enforce-version`).
 */
export function kubeMinorVersion(): string {
  const m = /^v?(\d+)\.(\d+)(\.\d+)?$/.exec(kubeVersion() ?? '');
  if (!m) throw new Error(`charts/app/values.yaml platform.kubeVersion is "${kubeVersion()}", not a Kubernetes version like 1.35.8`);
  return `v${m[1]}.${m[2]}`;
}
