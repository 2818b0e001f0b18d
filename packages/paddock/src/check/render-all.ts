import { readFile } from 'node:fs/promises';
import { appNameFor } from '../contract/app-name.js';
import type { CheckInputs } from './inputs.js';
import { runEngine, type EngineObject } from '../render/engine.js';
import { helmFailure } from '../render/helm.js';
import { notAnObject, yamlError, type K8sObject, type SourcedObject } from '../render/manifests.js';
import type { Finding } from '../report/finding.js';
import { ensureSchemas } from '../schema/generated.js';
import { schemaFindings } from '../schema/kubeconform.js';

/** What rendering needs of an app: its name, namespace and values file. */
interface RenderTarget {
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
  return {
    rule: 'render',
    severity: 'error',
    file: app.file,
    message: `The shared chart refused this app: ${message}`,
    fix: 'Fix the value it names in your values file.',
  };
}

/**
 * The engine's parsed objects as sourced objects. Lines are kept for files the
 * user wrote; for rendered apps they would point into helm's output, not the
 * values file, so only the template is kept.
 */
function fromEngine(objects: EngineObject[], file: string, keepLines: boolean): { objects: SourcedObject[]; findings: Finding[] } {
  const out: { objects: SourcedObject[]; findings: Finding[] } = { objects: [], findings: [] };
  for (const o of objects) {
    const line = keepLines ? o.line : undefined;
    if (o.error || !o.object) {
      out.findings.push(yamlError(file, line, o.error ?? 'empty document'));
    } else if (typeof o.object.kind !== 'string' || typeof o.object.apiVersion !== 'string') {
      out.findings.push(notAnObject(file, line));
    } else {
      const object = o.object as K8sObject;
      object.metadata ??= {};
      out.objects.push({ object, file, line, template: o.source });
    }
  }
  return out;
}

/** Render every app through the real chart and validate every object strictly, in one engine process. */
async function withEngine(apps: RenderTarget[], manifestFiles: string[]): Promise<RenderedSet> {
  const texts = await Promise.all(manifestFiles.map((f) => readFile(f, 'utf8')));
  const valuesTexts = await Promise.all(apps.map((a) => readFile(a.file, 'utf8')));
  const results = await runEngine({
    releases: apps.map((a, i) => ({ name: a.name, namespace: a.namespace, valuesYaml: valuesTexts[i] ?? '', valuesFile: a.file })),
    manifests: manifestFiles.map((f, i) => ({ name: f, manifest: texts[i] ?? '' })),
    schema: true,
    objects: true,
  });
  const out: RenderedSet = { apps: [], manifests: [], findings: [] };
  apps.forEach((app, i) => {
    const r = results[i];
    if (!r?.manifest) {
      out.findings.push(renderFailure(app, r?.error ? helmFailure(r.error) : 'no output'));
      return;
    }
    const parsed = fromEngine(r.objects ?? [], app.file, false);
    out.apps.push({ app, objects: parsed.objects });
    out.findings.push(...parsed.findings, ...schemaFindings(r.schema ?? [], parsed.objects));
  });
  manifestFiles.forEach((file, i) => {
    const r = results[apps.length + i];
    const parsed = fromEngine(r?.objects ?? [], file, true);
    out.manifests.push(...parsed.objects);
    out.findings.push(...parsed.findings, ...schemaFindings(r?.schema ?? [], parsed.objects));
  });
  return out;
}

async function renderAll(apps: RenderTarget[], manifestFiles: string[]): Promise<RenderedSet> {
  // The strict schemas are generated once from the pinned API server and CRDs (a no-op when they are there).
  await ensureSchemas();
  // One engine process renders every app and validates every object; without it the engine's own error says how to build it.
  return withEngine(apps, manifestFiles);
}

/**
 * Start rendering everything `check` was given, before the values are
 * validated: the engine is its own process, so it works while this one loads
 * the contract and the policies. Apps that fail the contract are dropped later.
 */
export function startRendering(inputs: CheckInputs, name?: string): Promise<RenderedSet> {
  const nameOf = (file: string): string => appNameFor(file, inputs.valuesFiles.length === 1 ? name : undefined);
  return renderAll(
    inputs.valuesFiles.map((file) => ({ name: nameOf(file), namespace: `${nameOf(file)}-ns`, file })),
    inputs.manifestFiles,
  );
}
