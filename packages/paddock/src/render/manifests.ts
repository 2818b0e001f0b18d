import { readYamlStream } from '../contract/yaml-read.js';
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
  return {
    rule: 'yaml',
    severity: 'error',
    file,
    line,
    message: `This is not valid YAML: ${message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
    fix: 'Check the indentation (spaces, not tabs) around that line.',
  };
}

/** A document that parses but is not a Kubernetes object. */
export function notAnObject(file: string, line: number | undefined): Finding {
  return {
    rule: 'yaml',
    severity: 'error',
    file,
    line,
    message: 'This document is not a Kubernetes object (it has no apiVersion and kind).',
    fix: 'Give it apiVersion: and kind:, or remove it.',
  };
}

/**
 * Split multi-document YAML into Kubernetes objects, read as the API server
 * and the render engine read them (sigs.k8s.io/yaml: `defaultMode: 0440` is
 * 288, `yes` is true); documents that are not objects become findings.
 */
export function parseManifests(text: string, file: string): { objects: SourcedObject[]; findings: Finding[] } {
  const { docs } = readYamlStream(text, { mode: 'manifest' });
  const objects: SourcedObject[] = [];
  const findings: Finding[] = [];
  for (const { doc, value, problems, line } of docs) {
    for (const p of problems)
      findings.push(
        p.syntax
          ? yamlError(file, p.line, p.message)
          : { ...yamlError(file, p.line, p.message), message: `Kubernetes cannot read this: ${p.message}`, fix: p.fix ?? 'Fix the value on that line.' },
      );
    if (problems.length) continue;
    if (value === null || value === undefined) continue;
    const source = /^\s*Source:\s*(\S+)/m.exec(doc.commentBefore ?? '')?.[1];
    if (typeof value !== 'object' || Array.isArray(value) || !('kind' in value) || !('apiVersion' in value)) {
      findings.push(notAnObject(file, line));
      continue;
    }
    const object = value as unknown as K8sObject;
    object.metadata ??= {};
    objects.push({ object, file, line, template: source });
  }
  return { objects, findings };
}
