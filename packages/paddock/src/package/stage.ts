/**
 * `npm pack` of packages/paddock (its prepack script) runs this: it copies what
 * the CLI reads from the repository into packages/paddock/share/, at the same
 * relative paths, so that an installed paddock finds them there (paths.ts):
 *
 *   charts/app/                                   the chart, the contract, the building-block mapping
 *   platform/infrastructure/configs/admission-policies/   the admission policies
 *   platform/infrastructure/controllers/dapr.yaml the Dapr injector settings the policies are judged with
 *   schemas/generated/<key>/                      the strict JSON schemas (generated now when missing: `make schemas`)
 *   schemas/crd-sources/                          the vendored CRDs (part of the schema set's key)
 *   tools/                                        build.sh, the pins and the Go wrappers, to build tools into the user's cache
 *   grammars/                                     the tree-sitter grammars doctor loads (from tree-sitter-wasms)
 *   PADDOCK-ASSETS.json                           the marker: version, commit, schema key
 *
 * postpack (`node dist/package/stage.js --clean`) removes share/ again; the
 * checkout never reads it (paths.ts looks for the repository first).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { GRAMMARS } from '../doctor/parse.js';
import { ASSETS_MARKER, layout, packageDir, packageInfo, paths } from '../paths.js';
import { ensureSchemas, schemaDir, schemaKey } from '../schema/generated.js';

const share = join(packageDir, 'share');

/** The Go wrapper modules an installed paddock may build: the engine (render, check), Dapr (dev), the API server (check --server). */
const WRAPPERS = ['engine', 'daprd', 'sentry', 'kube-apiserver', 'etcd'];

function copy(rel: string, filter: (src: string) => boolean = () => true): void {
  const src = join(paths.root, rel);
  if (!existsSync(src)) throw new Error(`${rel} is missing from the repository`);
  mkdirSync(dirname(join(share, rel)), { recursive: true });
  cpSync(src, join(share, rel), { recursive: true, filter: (s) => !/(^|\/)\.DS_Store$/.test(s) && filter(s) });
}

function size(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
}

function commit(): string | undefined {
  try {
    return execFileSync('git', ['-C', paths.root, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

async function stage(): Promise<void> {
  if (layout !== 'checkout') throw new Error('paddock can only be packed from a checkout of its repository');
  rmSync(share, { recursive: true, force: true });
  // The schema set is made from the pinned API server and CRDs; a no-op when `make schemas` already made it.
  await ensureSchemas({ say: (l) => process.stderr.write(`[pack] ${l}\n`) });

  copy('charts/app');
  copy('platform/infrastructure/configs/admission-policies');
  copy('platform/infrastructure/controllers/dapr.yaml');
  copy('schemas/README.md');
  copy('schemas/crd-sources');
  copy(relative(paths.root, schemaDir()));
  // Only the grammars doctor loads (5.8 MB), so tree-sitter-wasms (all 36 grammars, 50 MB) is no dependency of the package.
  const wasms = join(dirname(createRequire(import.meta.url).resolve('tree-sitter-wasms/package.json')));
  mkdirSync(join(share, 'grammars'));
  for (const g of GRAMMARS) copyFileSync(join(wasms, 'out', `tree-sitter-${g}.wasm`), join(share, 'grammars', `tree-sitter-${g}.wasm`));
  copyFileSync(join(wasms, 'LICENSE'), join(share, 'grammars', 'LICENSE'));
  copy('tools/build.sh');
  copy('tools/versions.env');
  copy('tools/README.md');
  for (const w of WRAPPERS) copy(`tools/${w}`, (s) => !/\/(bin|vendor)(\/|$)/.test(s.slice(paths.root.length)));

  const { name, version } = packageInfo();
  writeFileSync(join(share, ASSETS_MARKER), `${JSON.stringify({ name, version, commit: commit(), schemaKey: schemaKey() }, null, 2)}\n`);
  process.stderr.write(
    `[pack] staged ${relative(process.cwd(), share) || share}: ${(size(share) / 1e6).toFixed(1)} MB (schemas ${(size(schemaDir()) / 1e6).toFixed(1)} MB)\n`,
  );
}

if (process.argv.includes('--clean')) rmSync(share, { recursive: true, force: true });
else {
  await stage().catch((err: unknown) => {
    rmSync(share, { recursive: true, force: true });
    const hint = (err as { hint?: string }).hint;
    process.stderr.write(`[pack] error: ${err instanceof Error ? err.message : String(err)}\n${hint ? `${hint}\n` : ''}`);
    process.exit(1);
  });
}
