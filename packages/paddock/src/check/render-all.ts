import { readFile } from 'node:fs/promises';
import { engineAvailable, runEngine } from '../render/engine.js';
import { helmFailure, helmTemplate } from '../render/helm.js';
import { parseManifests, type SourcedObject } from '../render/manifests.js';
import type { Finding } from '../report/finding.js';
import { schemaFindings, validateObjects } from '../schema/kubeconform.js';

/** What rendering needs of an app: its name, namespace and values file. */
export interface RenderTarget {
  name: string;
  namespace: string;
  file: string;
}

export interface RenderedApp {
  app: RenderTarget;
  objects: SourcedObject[];
}

export interface RenderedSet {
  apps: RenderedApp[];
  manifests: SourcedObject[];
  findings: Finding[];
}

function renderFailure(app: RenderTarget, message: string): Finding {
  return { rule: 'render', severity: 'error', file: app.file, message: `The shared chart refused this app: ${message}`, fix: 'Fix the value it names in your values file.' };
}

/** Render every app through the real chart and validate every object strictly, in one engine process. */
async function withEngine(apps: RenderTarget[], manifestFiles: string[]): Promise<RenderedSet> {
  const texts = await Promise.all(manifestFiles.map((f) => readFile(f, 'utf8')));
  const valuesTexts = await Promise.all(apps.map((a) => readFile(a.file, 'utf8')));
  const results = await runEngine({
    releases: apps.map((a, i) => ({ name: a.name, namespace: a.namespace, valuesYaml: valuesTexts[i] ?? '', valuesFile: a.file })),
    manifests: manifestFiles.map((f, i) => ({ name: f, manifest: texts[i] ?? '' })),
    schema: true,
  });
  const out: RenderedSet = { apps: [], manifests: [], findings: [] };
  apps.forEach((app, i) => {
    const r = results[i];
    if (!r?.manifest) {
      out.findings.push(renderFailure(app, r?.error ? helmFailure(r.error) : 'no output'));
      return;
    }
    const parsed = parseManifests(r.manifest, app.file);
    out.apps.push({ app, objects: parsed.objects });
    out.findings.push(...parsed.findings, ...schemaFindings(r.schema ?? [], parsed.objects));
  });
  manifestFiles.forEach((file, i) => {
    const r = results[apps.length + i];
    const parsed = parseManifests(texts[i] ?? '', file);
    out.manifests.push(...parsed.objects);
    out.findings.push(...parsed.findings, ...schemaFindings(r?.schema ?? [], parsed.objects));
  });
  return out;
}

/** The same with one helm process per app and one kubeconform process for everything. */
async function withProcesses(apps: RenderTarget[], manifestFiles: string[]): Promise<RenderedSet> {
  const out: RenderedSet = { apps: [], manifests: [], findings: [] };
  for (const app of apps) {
    const r = await helmTemplate(app);
    if (r.manifest === undefined) {
      out.findings.push(...r.findings);
      continue;
    }
    const parsed = parseManifests(r.manifest, app.file);
    out.apps.push({ app, objects: parsed.objects });
    out.findings.push(...parsed.findings);
  }
  for (const file of manifestFiles) {
    const parsed = parseManifests(await readFile(file, 'utf8'), file);
    out.manifests.push(...parsed.objects);
    out.findings.push(...parsed.findings);
  }
  out.findings.push(...(await validateObjects([...out.apps.flatMap((a) => a.objects), ...out.manifests])));
  return out;
}

export function renderAll(apps: RenderTarget[], manifestFiles: string[]): Promise<RenderedSet> {
  return engineAvailable() ? withEngine(apps, manifestFiles) : withProcesses(apps, manifestFiles);
}
