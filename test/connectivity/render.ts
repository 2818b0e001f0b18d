/** Render apps through the real chart with the pinned helm, as `paddock check` does. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { AppInput, KubeObject } from 'paddock/connectivity/index.js';
import { paths, renderWithHelm } from '../lib/chart.js';

export async function renderApp(name: string, file: string): Promise<AppInput> {
  const r = await renderWithHelm(name, file);
  if (r.code !== 0) throw new Error(`helm template ${name} failed: ${r.stderr}`);
  const text = readFileSync(file, 'utf8');
  return { name, namespace: `${name}-ns`, values: parse(text) ?? {}, valuesText: text, objects: r.objects as KubeObject[], file };
}

/** A values file for an extra app in a temp dir (apps/<name>/values.yaml layout). */
export function extraApp(name: string, networkPolicy: { allowIngressFrom?: string[]; allowEgressTo?: string[] }, blocks: Record<string, boolean> = {}): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'paddock-conn-')), name);
  mkdirSync(dir);
  const file = join(dir, 'values.yaml');
  const lines = [
    'image:',
    `  repository: localhost:30000/platform/dapr-${name}`,
    '  tag: "1.0.0"',
    'port: 8080',
    `nodepool: ${name}`,
    'networkPolicy:',
    `  allowIngressFrom: ${JSON.stringify(networkPolicy.allowIngressFrom ?? [])}`,
    `  allowEgressTo: ${JSON.stringify(networkPolicy.allowEgressTo ?? [])}`,
    ...['statestore', 'secretstore', 'pubsub'].map((b) => `${b}: { enabled: ${blocks[b] ?? false} }`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export const demo = (): Promise<AppInput[]> => Promise.all(['app1', 'app2'].map((n) => renderApp(n, join(paths.root, 'apps', n, 'values.yaml'))));
