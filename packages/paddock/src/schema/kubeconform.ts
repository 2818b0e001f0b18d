import { join } from 'node:path';
import { stringify } from 'yaml';
import { tool } from '../paths.js';
import type { Finding } from '../report/finding.js';
import type { SourcedObject } from '../render/manifests.js';
import { objectRef } from '../render/manifests.js';
import { run } from '../run.js';
import { schemaDir } from './generated.js';

/**
 * Where kubeconform looks for schemas: the generated set (schema/generated.ts),
 * CRDs of the pinned components first, then the pinned Kubernetes' core kinds.
 * ensureSchemas() must have made it (the set-up and `paddock check` do).
 */
export function schemaLocations(dir: string = schemaDir()): string[] {
  return [
    join(dir, 'crds', '{{ .Group }}', '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
    join(dir, 'kubernetes', '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
  ];
}

/**
 * kubeconform's arguments, built here only: strict, against the generated
 * schemas, reading stdin (or `files`), with JSON output unless `text`.
 */
export function kubeconformArgs(o: { text?: boolean; summary?: boolean; files?: string[] } = {}): string[] {
  return [
    '-strict',
    ...(o.text ? [] : ['-output', 'json']),
    ...(o.summary === false ? [] : ['-summary']),
    ...schemaLocations().flatMap((l) => ['-schema-location', l]),
    ...(o.files ?? ['-']),
  ];
}

/** A resource kubeconform did not accept (its `-output json` shape; the engine uses it too). */
export interface KubeconformResource {
  filename?: string;
  kind: string;
  name: string;
  version: string;
  status: string;
  msg: string;
  validationErrors?: { path: string; msg: string }[];
}

/** kubeconform's verdicts as findings, pointing at the object's source. */
export function schemaFindings(resources: KubeconformResource[], objects: SourcedObject[]): Finding[] {
  const findings: Finding[] = [];
  for (const res of resources) {
    if (res.status === 'statusValid' || res.status === 'statusSkipped') continue;
    // A document with no kind did not parse as an object: the YAML step already reports it, with its line.
    if (!res.kind) continue;
    const src = objects.find((o) => o.object.kind === res.kind && (o.object.metadata.name ?? '') === res.name);
    const ref = src ? objectRef(src.object) : `${res.kind}/${res.name}`;
    const missing = res.status === 'statusError' && /could not find schema/i.test(res.msg);
    const details = res.validationErrors?.length ? res.validationErrors.map((e) => `${e.path || '/'}: ${e.msg}`) : [res.msg];
    for (const d of details) {
      findings.push({
        rule: 'schema',
        severity: missing ? 'warning' : 'error',
        file: src?.file ?? res.filename,
        line: src?.line,
        path: ref,
        message: missing
          ? `No schema is known for ${res.kind} ${res.version}, so it was not checked.`
          : `${ref} does not match the Kubernetes ${res.version} schema: ${d}`,
        fix: missing ? 'Check the apiVersion and kind.' : 'Remove or correct the field it names; unknown fields are refused.',
      });
    }
  }
  return findings;
}

/** Validate objects strictly (unknown fields fail) against the vendored JSON schemas, in one kubeconform process. */
export async function validateObjects(objects: SourcedObject[]): Promise<Finding[]> {
  if (objects.length === 0) return [];
  const stream = objects.map((o) => stringify(o.object)).join('---\n');
  const r = await run(tool('kubeconform'), kubeconformArgs(), { input: stream });
  let parsed: { resources?: KubeconformResource[] };
  try {
    parsed = JSON.parse(r.stdout) as { resources?: KubeconformResource[] };
  } catch {
    throw new Error(`kubeconform failed: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return schemaFindings(parsed.resources ?? [], objects);
}
