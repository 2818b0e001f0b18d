import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { paths } from '../paths.js';

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
  cached ??= (parse(readFileSync(join(paths.chart, 'values.yaml'), 'utf8')) as { platform: PlatformSettings }).platform;
  return cached;
}
