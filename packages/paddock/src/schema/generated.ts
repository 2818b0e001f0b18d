/**
 * The JSON schemas `paddock check` validates against, generated, never copied:
 * the core kinds from the OpenAPI document of the pinned kube-apiserver
 * (started for a moment on loopback), the CRD kinds from each component's
 * pinned CRD manifests (crd-sources.ts). Cached, git-ignored, under
 * schemas/generated/<key>/, where the key changes whenever a pin or the
 * converter does; built by `make setup`, by the tests' set-up, and by
 * `paddock check` when missing.
 *
 *   <key>/kubernetes/<kind>-<group>-<version>.json   core kinds
 *   <key>/crds/<group>/<kind>_<version>.json          CRD kinds
 *   <key>/crd-manifests/<component>/<name>.json        the CRDs themselves, as JSON (check --server installs them)
 *   <key>/provenance.json                              what it was made from
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { kubeGitVersion } from '../contract/platform-settings.js';
import { paths, tool } from '../paths.js';
import { UserError } from '../report/errors.js';
import { readPins } from '../tools/pins.js';
import { CRD_SOURCES, type CrdSource } from './crd-sources.js';
import { coreSchemas, crdSchemas, objectMetaSchema } from './openapi2jsonschema.js';

const pexec = promisify(execFile);

/** Bump when the conversion changes: the cache key follows it. */
const GENERATOR_VERSION = 2;

type Say = (line: string) => void;

let cachedKey: string | undefined;

/** `k8s-v1.35.8-<hash>`: changes with the Kubernetes pin, any CRD source, controller-gen's pin, the vendored CRDs or the converter. */
export function schemaKey(): string {
  if (cachedKey) return cachedKey;
  const h = createHash('sha256');
  // controller-gen makes the Flux CRDs: a new one may write them differently
  h.update(JSON.stringify({ GENERATOR_VERSION, k8s: kubeGitVersion(), CRD_SOURCES, controllerGen: readPins(paths.tools).CONTROLLER_GEN_VERSION }));
  for (const s of CRD_SOURCES) {
    if (!s.vendored) continue;
    const dir = join(paths.root, s.vendored);
    for (const f of existsSync(dir) ? readdirSync(dir).sort() : []) h.update(f).update(readFileSync(join(dir, f)));
  }
  cachedKey = `k8s-${kubeGitVersion()}-${h.digest('hex').slice(0, 12)}`;
  return cachedKey;
}

function generatedRoot(): string {
  return join(paths.schemas, 'generated');
}

/** The folder of the current schema set (it may not exist yet: see ensureSchemas). */
export function schemaDir(): string {
  return join(generatedRoot(), schemaKey());
}

function schemasPresent(): boolean {
  return existsSync(join(schemaDir(), 'provenance.json'));
}

/** The pinned CRD manifests of the current schema set, as files. */
export function crdManifestFiles(): string[] {
  const root = join(schemaDir(), 'crd-manifests');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .flatMap((c) =>
      readdirSync(join(root, c))
        .sort()
        .map((f) => join(root, c, f)),
    );
}

/** Makes the schema set unless it is there already; returns its folder. */
export async function ensureSchemas(opts: { say?: Say } = {}): Promise<string> {
  if (schemasPresent()) return schemaDir();
  const say = opts.say ?? ((l: string) => process.stderr.write(`[schemas] ${l}\n`));
  say(`generating the JSON schemas for Kubernetes ${kubeGitVersion()} and the pinned CRDs (once; reused from ${shown(schemaDir())})`);
  const started = Date.now();
  mkdirSync(generatedRoot(), { recursive: true });
  const work = mkdtempSync(join(generatedRoot(), '.tmp-'));
  try {
    await buildTools(say);
    const provenance = { kubernetes: kubeGitVersion(), generator: GENERATOR_VERSION, apiserver: '', kinds: 0, crds: [] as object[] };
    const objectMeta = await writeCoreSchemas(work, provenance, say);
    for (const source of CRD_SOURCES) provenance.crds.push(await writeCrds(source, work, objectMeta, say));
    writeFileSync(join(work, 'provenance.json'), `${JSON.stringify(provenance, null, 2)}\n`);
    try {
      renameSync(work, schemaDir());
    } catch {
      // Another process made the same set meanwhile: keep theirs.
      if (!schemasPresent()) throw new Error(`cannot move the generated schemas to ${schemaDir()}`);
      rmSync(work, { recursive: true, force: true });
    }
    for (const old of readdirSync(generatedRoot())) {
      if (old !== schemaKey() && !old.startsWith('.tmp-')) rmSync(join(generatedRoot(), old), { recursive: true, force: true });
    }
    say(`schemas ready in ${((Date.now() - started) / 1000).toFixed(0)} s: ${provenance.kinds} Kubernetes kinds, ${provenance.crds.length} CRD sources`);
    return schemaDir();
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}

function shown(p: string): string {
  return p.startsWith(`${paths.root}/`) ? p.slice(paths.root.length + 1) : p;
}

/** tools/build.sh for what generation runs (a few milliseconds when warm); its progress lines go to `say`. */
async function buildTools(say: Say): Promise<void> {
  const script = join(paths.root, 'tools', 'build.sh');
  if (!existsSync(script)) return;
  const child = spawn(script, ['kube-apiserver', 'etcd', 'controller-gen'], { stdio: ['ignore', 'ignore', 'pipe'] });
  createInterface({ input: child.stderr! }).on('line', (l) => say(l.replace(/^\[build\] /, '')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0)
    throw new UserError(
      'building the pinned kube-apiserver, etcd and controller-gen failed (messages above)',
      'Fix what tools/build.sh says, then run the command again.',
    );
}

async function writeCoreSchemas(work: string, provenance: { apiserver: string; kinds: number }, say: Say): Promise<Record<string, unknown> | undefined> {
  const { startControlPlane } = await import('../server/control-plane.js');
  say('starting the pinned kube-apiserver to read its OpenAPI document');
  const cp = await startControlPlane({ say });
  // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document, walked as JSON
  let openapi: Record<string, any>;
  try {
    if (cp.version !== kubeGitVersion()) {
      throw new UserError(
        `tools/bin/kube-apiserver is ${cp.version}, but the platform targets Kubernetes ${kubeGitVersion()} (charts/app/values.yaml platform.kubeVersion)`,
        'Make them agree: KUBERNETES_VERSION in tools/versions.env and platform.kubeVersion are one pin; then run tools/build.sh kube-apiserver etcd.',
      );
    }
    const r = await cp.client.request('GET', '/openapi/v2');
    if (r.status !== 200 || typeof r.body !== 'object') throw new Error(`GET /openapi/v2 answered ${r.status}`);
    openapi = r.body;
    provenance.apiserver = cp.version;
  } finally {
    await cp.stop();
  }
  const schemas = coreSchemas(openapi);
  mkdirSync(join(work, 'kubernetes'));
  for (const [file, schema] of schemas) writeFileSync(join(work, 'kubernetes', file), JSON.stringify(schema));
  provenance.kinds = schemas.size;
  return objectMetaSchema(openapi);
}

async function go(args: string[], cwd: string): Promise<string> {
  try {
    const r = await pexec('go', args, { cwd, env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod' }, maxBuffer: 64 * 1024 * 1024 });
    return r.stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new UserError(
        "Go is not installed: paddock needs it once, to fetch the pinned CRDs from the components' Go modules",
        'Install Go 1.25 or newer (https://go.dev/doc/install), then run the command again.',
      );
    // `go mod download -json` reports a refused module in its JSON on stdout.
    const reported = /"Error": "([^"]*)"/.exec(e.stdout ?? '')?.[1];
    throw new Error(`go ${args.join(' ')} failed: ${reported ?? e.stderr?.trim() ?? e.message}`);
  }
}

/** The module's folder in Go's module cache (downloaded on first use). */
async function moduleDir(module: string, version: string, say: Say): Promise<string> {
  say(`fetching the Go module ${module}@${version}`);
  const scratch = mkdtempSync(join(tmpdir(), 'paddock-mod-'));
  try {
    const out = JSON.parse(await go(['mod', 'download', '-json', `${module}@${version}`], scratch)) as { Dir?: string; Error?: string };
    if (!out.Dir) throw new Error(`go mod download ${module}@${version}: ${out.Error ?? 'no folder'}`);
    return out.Dir;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** CRD manifests made by controller-gen from an api module (copied out of the read-only module cache first). */
async function controllerGen(dir: string, say: Say): Promise<string[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'paddock-crdgen-'));
  try {
    const src = join(scratch, 'src');
    await pexec('cp', ['-r', dir, src]);
    await pexec('chmod', ['-R', 'u+w', src]);
    say(`generating its CRDs with controller-gen`);
    const bin = tool('controller-gen');
    if (!existsSync(bin)) throw new UserError(`${bin} is not installed`, 'Run tools/build.sh controller-gen in the repository root.');
    await pexec(bin, ['crd:crdVersions=v1', 'paths=./...', `output:crd:artifacts:config=${join(scratch, 'out')}`], {
      cwd: src,
      env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod' },
      maxBuffer: 64 * 1024 * 1024,
    }).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`controller-gen failed in ${dir}: ${err.stderr?.trim() || err.message}`);
    });
    return readdirSync(join(scratch, 'out'))
      .sort()
      .map((f) => readFileSync(join(scratch, 'out', f), 'utf8'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function manifestsOf(source: CrdSource, say: Say): Promise<{ texts: string[]; from: string }> {
  if (source.vendored) {
    const dir = join(paths.root, source.vendored);
    const files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    return { texts: files.map((f) => readFileSync(join(dir, f), 'utf8')), from: source.vendored };
  }
  const dir = await moduleDir(source.module!, source.version, say);
  if (source.controllerGen) return { texts: await controllerGen(dir, say), from: `${source.module}@${source.version} (controller-gen)` };
  return {
    texts: (source.files ?? []).map((f) => {
      const file = join(dir, f);
      if (!existsSync(file)) throw new Error(`${source.module}@${source.version} has no ${f}`);
      return readFileSync(file, 'utf8');
    }),
    from: `${source.module}@${source.version}`,
  };
}

async function writeCrds(source: CrdSource, work: string, objectMeta: Record<string, unknown> | undefined, say: Say): Promise<object> {
  say(`${source.component} ${source.version}: CRDs`);
  const { texts, from } = await manifestsOf(source, say);
  const slug = `${source.component.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${source.version}`;
  const kinds: string[] = [];
  for (const text of texts) {
    for (const doc of parseAllDocuments(text)) {
      // biome-ignore lint/suspicious/noExplicitAny: a CRD document, read field by field
      const crd = doc.toJS() as Record<string, any> | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      // JSON, not the YAML it came as: parsing 5 MB of CRDs as YAML costs most of a second on every `check --server`.
      const manifest = join(work, 'crd-manifests', slug, `${crd.metadata.name}.json`);
      mkdirSync(dirname(manifest), { recursive: true });
      writeFileSync(manifest, JSON.stringify(crd));
      for (const s of crdSchemas(crd, objectMeta)) {
        const file = join(work, 'crds', s.file);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(s.schema));
        kinds.push(`${s.group}/${s.version} ${s.kind}`);
      }
    }
  }
  if (kinds.length === 0) throw new Error(`${source.component} ${source.version}: no CRD found in ${from}`);
  return { component: source.component, version: source.version, from, kinds };
}
