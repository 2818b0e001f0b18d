/** Reads the platform's admission policies and bindings from the GitOps tree. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { paths } from '../paths.js';
import { UserError } from '../report/errors.js';
import type { KubeObject, PolicySet, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from './types.js';

/** Splits parsed objects into policies and bindings; other kinds are ignored. */
export function policySetOf(objects: KubeObject[]): PolicySet {
  const policies: ValidatingAdmissionPolicy[] = [];
  const bindings: ValidatingAdmissionPolicyBinding[] = [];
  for (const o of objects) {
    if (o?.apiVersion !== 'admissionregistration.k8s.io/v1') continue;
    if (o.kind === 'ValidatingAdmissionPolicy') policies.push(o as ValidatingAdmissionPolicy);
    if (o.kind === 'ValidatingAdmissionPolicyBinding') bindings.push(o as ValidatingAdmissionPolicyBinding);
  }
  return { policies, bindings };
}

/** Parses every YAML document of a file; throws UserError naming the file and line on bad YAML. */
export function readYamlObjects(file: string): KubeObject[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      throw new UserError(`${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
    }
    const value = doc.toJS() as KubeObject | null;
    if (value && typeof value === 'object') out.push(value);
  }
  return out;
}

const cache = new Map<string, PolicySet>();

/** Loads every policy and binding in `dir` (the kustomization.yaml is skipped). */
export function loadPolicies(dir: string = paths.policies): PolicySet {
  const hit = cache.get(dir);
  if (hit) return hit;
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !/^kustomization\.ya?ml$/.test(f)).sort();
  } catch {
    throw new UserError(`cannot read the admission policies in ${dir}`);
  }
  const set = policySetOf(files.flatMap((f) => readYamlObjects(join(dir, f))));
  if (set.policies.length === 0) throw new UserError(`no ValidatingAdmissionPolicy found in ${dir}`);
  cache.set(dir, set);
  return set;
}
