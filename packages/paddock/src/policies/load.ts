/**
 * Reads admission policies and bindings: the platform's from the GitOps tree,
 * and a platform team's own (`paddock check --policies DIR`), into one
 * PolicySet. Everything else in those folders is taken as objects that exist
 * in the cluster (the params bindings name).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { paths } from '../paths.js';
import { UserError } from '../report/errors.js';
import { isNamespaced } from './resources.js';
import type { KubeObject, PolicySet, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from './types.js';

const ADMISSION_GROUP = 'admissionregistration.k8s.io/';

function isPolicyKind(o: KubeObject): boolean {
  return (
    typeof o?.apiVersion === 'string' &&
    o.apiVersion.startsWith(ADMISSION_GROUP) &&
    (o.kind === 'ValidatingAdmissionPolicy' || o.kind === 'ValidatingAdmissionPolicyBinding')
  );
}

/** `Kind/name`, or `Kind/namespace/name` for namespaced objects: the keys of PolicySet.origin. */
function originKey(o: KubeObject): string {
  const name = o.metadata?.name ?? '';
  return isNamespaced(o.kind) && !isPolicyKind(o) ? `${o.kind}/${o.metadata?.namespace ?? 'default'}/${name}` : `${o.kind}/${name}`;
}

/**
 * Splits parsed objects into policies, bindings and the rest (params). Every
 * version of admissionregistration.k8s.io is kept: which one the API server
 * serves is its to say (the evaluator reports a version it does not).
 */
function policySetOf(objects: KubeObject[], origin?: (o: KubeObject) => string | undefined): PolicySet {
  const set: PolicySet = { policies: [], bindings: [], params: [], origin: {} };
  for (const o of objects) {
    if (!o || typeof o !== 'object' || typeof o.kind !== 'string') continue;
    if (o.kind === 'ValidatingAdmissionPolicy' && isPolicyKind(o)) set.policies.push(o as ValidatingAdmissionPolicy);
    else if (o.kind === 'ValidatingAdmissionPolicyBinding' && isPolicyKind(o)) set.bindings.push(o as ValidatingAdmissionPolicyBinding);
    else set.params!.push(o);
    const file = origin?.(o);
    if (file) set.origin![originKey(o)] = file;
  }
  return set;
}

/**
 * Parses every YAML document of a file; throws UserError naming the file and
 * line on bad YAML. Empty documents are skipped; with `strict`, a document
 * that is not a mapping (a bare word, a list) is an error too.
 */
export function readYamlObjects(file: string, strict = false): KubeObject[] {
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
    if (value && typeof value === 'object' && !Array.isArray(value)) out.push(value);
    else if (strict && value !== null && value !== undefined) {
      throw new UserError(
        `${shown(file)}: a document is not a Kubernetes object (it needs apiVersion, kind and metadata)`,
        'Keep only ValidatingAdmissionPolicies, their bindings and the objects they take as params in this folder.',
      );
    }
  }
  return out;
}

const cache = new Map<string, PolicySet>();

/** `.paddock/cache/policies.json`: the parsed policy files per folder, valid while no file's size or mtime changes. */
const diskCacheFile = join(paths.state, 'cache', 'policies.json');

type DiskCache = Record<string, { stamp: string; objects: Array<{ file: string; object: KubeObject }> }>;

function stampOf(dir: string, files: string[]): string {
  return files
    .map((f) => {
      const st = statSync(join(dir, f));
      return `${f}:${st.size}:${st.mtimeMs}`;
    })
    .join('|');
}

function readDiskCache(): DiskCache {
  if (process.env.PADDOCK_NO_CACHE === '1') return {};
  try {
    const c = JSON.parse(readFileSync(diskCacheFile, 'utf8')) as DiskCache;
    return c && typeof c === 'object' && !Array.isArray(c) ? c : {};
  } catch {
    return {};
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

/** How a user names a file: relative to the working directory when inside it. */
function shown(file: string): string {
  const r = relative(process.cwd(), file);
  return r && !r.startsWith('..') ? r : file;
}

/** Every object of every YAML file in `dir` (kustomization.yaml skipped), each with its file; UserError on anything unreadable. */
function readFolder(dir: string): Array<{ file: string; object: KubeObject }> {
  let files: string[];
  let stamp: string;
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f) && !/^kustomization\.ya?ml$/.test(f))
      .sort();
    stamp = stampOf(dir, files);
  } catch {
    throw new UserError(
      `cannot read the admission policies in ${shown(dir)}: it is not a folder that can be read`,
      'Give a folder of ValidatingAdmissionPolicy YAML files.',
    );
  }
  const disk = readDiskCache();
  const hit = disk[dir];
  if (hit && hit.stamp === stamp) return hit.objects;
  const objects: Array<{ file: string; object: KubeObject }> = [];
  for (const f of files) {
    const file = join(dir, f);
    const docs = readYamlObjects(file, true);
    for (const o of docs) {
      if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || !o.metadata || typeof o.metadata !== 'object') {
        throw new UserError(
          `${shown(file)}: a document is not a Kubernetes object (it needs apiVersion, kind and metadata)`,
          'Keep only ValidatingAdmissionPolicies, their bindings and the objects they take as params in this folder.',
        );
      }
      objects.push({ file, object: o });
    }
  }
  writeDiskCache({ ...disk, [dir]: { stamp, objects } });
  return objects;
}

/** Loads every policy and binding in `dir` (the kustomization.yaml is skipped). */
export function loadPolicies(dir: string = paths.policies): PolicySet {
  return loadPolicyFolders([dir]);
}

/**
 * One PolicySet from several folders (the platform's first, then a team's
 * own). UserError (exit 2) when a folder holds no policy, a file is not YAML
 * or not Kubernetes objects, two files define one policy or binding, or a
 * binding names a policy that none of the folders holds.
 */
export function loadPolicyFolders(dirs: string[]): PolicySet {
  const key = dirs.map((d) => resolve(d)).join('\u0000');
  const hit = cache.get(key);
  if (hit) return hit;
  const entries: Array<{ file: string; object: KubeObject }> = [];
  for (const d of dirs) {
    const dir = resolve(d);
    const read = readFolder(dir);
    if (!read.some((e) => e.object.kind === 'ValidatingAdmissionPolicy' && isPolicyKind(e.object))) {
      throw new UserError(
        `no ValidatingAdmissionPolicy found in ${shown(dir)}`,
        'Give a folder that holds ValidatingAdmissionPolicy YAML files (and their bindings).',
      );
    }
    entries.push(...read);
  }
  const fileOf = new Map(entries.map((e) => [e.object, shown(e.file)]));
  const seen = new Map<string, string>();
  for (const { object, file } of entries) {
    const k = `${object.apiVersion.split('/')[0]}/${originKey(object)}`;
    const before = seen.get(k);
    if (before)
      throw new UserError(
        `${shown(file)}: ${originKey(object)} is defined twice (also in ${shown(before)})`,
        'Keep one definition: the API server would hold only the last one applied.',
      );
    seen.set(k, file);
  }
  const set = policySetOf(
    entries.map((e) => e.object),
    (o) => fileOf.get(o),
  );
  const names = new Set(set.policies.map((p) => p.metadata.name));
  for (const b of set.bindings) {
    const policy = b.spec?.policyName;
    if (!names.has(policy)) {
      const file = set.origin?.[originKey(b)] ?? '';
      throw new UserError(
        `${file}: ValidatingAdmissionPolicyBinding ${b.metadata.name} names the policy ${JSON.stringify(policy ?? '')}, which none of the policy folders holds`,
        'Name a ValidatingAdmissionPolicy that exists (spec.policyName), or add it to the folder.',
      );
    }
  }
  cache.set(key, set);
  return set;
}
