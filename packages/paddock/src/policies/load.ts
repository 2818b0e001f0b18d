/** Reads the platform's admission policies and bindings from the GitOps tree. */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

/** `.paddock/cache/policies.json`: the parsed policy files, valid while no file's size or mtime changes. */
const diskCacheFile = join(paths.state, 'cache', 'policies.json');

interface DiskCache {
  dir: string;
  stamp: string;
  objects: KubeObject[];
}

function stampOf(dir: string, files: string[]): string {
  return files
    .map((f) => {
      const st = statSync(join(dir, f));
      return `${f}:${st.size}:${st.mtimeMs}`;
    })
    .join('|');
}

function readDiskCache(dir: string, stamp: string): KubeObject[] | undefined {
  if (process.env.PADDOCK_NO_CACHE === '1') return undefined;
  try {
    const c = JSON.parse(readFileSync(diskCacheFile, 'utf8')) as DiskCache;
    return c.dir === dir && c.stamp === stamp ? c.objects : undefined;
  } catch {
    return undefined;
  }
}

function writeDiskCache(c: DiskCache): void {
  if (process.env.PADDOCK_NO_CACHE === '1') return;
  try {
    mkdirSync(join(paths.state, 'cache'), { recursive: true });
    const tmp = `${diskCacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(c));
    renameSync(tmp, diskCacheFile);
  } catch {
    /* a read-only checkout: no cache */
  }
}

/** Loads every policy and binding in `dir` (the kustomization.yaml is skipped). */
export function loadPolicies(dir: string = paths.policies): PolicySet {
  dir = resolve(dir);
  const hit = cache.get(dir);
  if (hit) return hit;
  let files: string[];
  let stamp: string;
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !/^kustomization\.ya?ml$/.test(f)).sort();
    stamp = stampOf(dir, files);
  } catch {
    throw new UserError(`cannot read the admission policies in ${dir}`);
  }
  let objects = readDiskCache(dir, stamp);
  if (!objects) {
    objects = files.flatMap((f) => readYamlObjects(join(dir, f)));
    writeDiskCache({ dir, stamp, objects });
  }
  const set = policySetOf(objects);
  if (set.policies.length === 0) throw new UserError(`no ValidatingAdmissionPolicy found in ${dir}`);
  cache.set(dir, set);
  return set;
}
