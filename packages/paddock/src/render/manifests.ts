import { LineCounter, parseAllDocuments } from 'yaml';
import type { Finding } from '../report/finding.js';

/** A Kubernetes object as rendered or read from a file. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [key: string]: unknown;
}

/** An object plus where it came from, for messages. */
export interface SourcedObject {
  object: K8sObject;
  file: string;
  line?: number;
  /** For chart output: the template that rendered it (`app/templates/deployment.yaml`). */
  template?: string;
}

export function objectRef(o: K8sObject): string {
  return `${o.kind}/${o.metadata?.name ?? '?'}`;
}

/** A document that does not parse, in the words every command uses. */
export function yamlError(file: string, line: number | undefined, message: string): Finding {
  return { rule: 'yaml', severity: 'error', file, line, message: `This is not valid YAML: ${message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`, fix: 'Check the indentation (spaces, not tabs) around that line.' };
}

/** A document that parses but is not a Kubernetes object. */
export function notAnObject(file: string, line: number | undefined): Finding {
  return { rule: 'yaml', severity: 'error', file, line, message: 'This document is not a Kubernetes object (it has no apiVersion and kind).', fix: 'Give it apiVersion: and kind:, or remove it.' };
}

/** Split multi-document YAML into Kubernetes objects; documents that are not objects become findings. */
export function parseManifests(text: string, file: string): { objects: SourcedObject[]; findings: Finding[] } {
  const lines = new LineCounter();
  // YAML 1.1, as Kubernetes reads manifests: `defaultMode: 0440` is octal there.
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: true, version: '1.1' });
  const objects: SourcedObject[] = [];
  const findings: Finding[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const line = doc.contents?.range ? lines.linePos(doc.contents.range[0]).line : undefined;
    for (const e of doc.errors) {
      findings.push(yamlError(file, e.linePos?.[0]?.line, e.message));
    }
    if (doc.errors.length) continue;
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const source = /^\s*Source:\s*(\S+)/m.exec(doc.commentBefore ?? '')?.[1];
    if (typeof value !== 'object' || Array.isArray(value) || !('kind' in value) || !('apiVersion' in value)) {
      findings.push(notAnObject(file, line));
      continue;
    }
    const object = value as K8sObject;
    object.metadata ??= {};
    objects.push({ object, file, line, template: source });
  }
  return { objects, findings };
}
