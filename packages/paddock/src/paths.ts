import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from './report/errors.js';

/**
 * Where paddock's own files are. Two layouts:
 *
 * - **checkout**: this module is `<repo>/packages/paddock/dist/paths.js`; the
 *   chart, platform/, schemas/ and tools/ are the repository's (PADDOCK_HOME
 *   names such a root explicitly). Tools are built into `<repo>/tools/bin`.
 * - **installed** (`npm install` of the packed tarball): the package carries
 *   the same files under `<package>/share/` (staged by `npm pack`, see
 *   package/stage.ts), marked by `share/PADDOCK-ASSETS.json`. Tools are found
 *   on PATH or built into a per-user cache (tools/ensure.ts).
 */
const here = dirname(fileURLToPath(import.meta.url));
/** The folder of paddock's package.json (packages/paddock, or node_modules/paddock). */
export const packageDir = dirname(here);

export type Layout = 'checkout' | 'installed';

/** The marker `npm pack` writes into the staged files (package/stage.ts). */
export const ASSETS_MARKER = 'PADDOCK-ASSETS.json';

function isRoot(dir: string): boolean {
  return existsSync(join(dir, 'charts', 'app', 'Chart.yaml'));
}

function findRoot(): { root: string; layout: Layout } {
  const home = process.env.PADDOCK_HOME;
  if (home) {
    if (!isRoot(resolve(home)))
      throw new UserError(
        `PADDOCK_HOME is ${home}, which is not a checkout of paddock (it has no charts/app/Chart.yaml)`,
        'Point PADDOCK_HOME at a clone of the paddock repository, or unset it.',
      );
    return { root: resolve(home), layout: 'checkout' };
  }
  // The checkout first, so that files staged by a pack (packages/paddock/share) never stand in for the repository's.
  const repo = dirname(dirname(packageDir));
  if (basename(dirname(packageDir)) === 'packages' && isRoot(repo)) return { root: repo, layout: 'checkout' };
  const share = join(packageDir, 'share');
  if (existsSync(join(share, ASSETS_MARKER)) && isRoot(share)) return { root: share, layout: 'installed' };
  let dir = here;
  for (let i = 0; i < 6; i++) {
    if (isRoot(dir)) return { root: dir, layout: 'checkout' };
    dir = dirname(dir);
  }
  throw new UserError(
    "cannot find paddock's chart: this is neither a checkout of the paddock repository nor an installed paddock package (set PADDOCK_HOME to a checkout, or reinstall the package)",
  );
}

const found = findRoot();
const root = found.root;
export const layout: Layout = found.layout;

/** The per-user cache: $XDG_CACHE_HOME/paddock (when absolute, as the XDG spec requires), else ~/.cache/paddock. */
function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'paddock');
}

export const paths = {
  root,
  chart: join(root, 'charts', 'app'),
  contract: join(root, 'charts', 'app', 'values.schema.json'),
  buildingBlocks: join(root, 'charts', 'app', 'files', 'building-blocks.yaml'),
  schemas: join(root, 'schemas'),
  platform: join(root, 'platform'),
  policies: join(root, 'platform', 'infrastructure', 'configs', 'admission-policies'),
  tools: join(root, 'tools'),
  // Installed, the tools go to the user's cache: a package folder is replaced on every install.
  toolsBin: layout === 'checkout' ? join(root, 'tools', 'bin') : join(userCacheDir(), 'tools', 'bin'),
  // Caches. Installed: inside the package (the compiled contract requires ajv from there; reinstalling clears it).
  state: layout === 'checkout' ? join(root, '.paddock') : join(packageDir, '.paddock'),
} as const;

/** Where `paddock dev` keeps its session by default: the checkout's .paddock, or .paddock in the folder it runs in. */
export function devStateDir(): string {
  return layout === 'checkout' ? paths.state : resolve('.paddock');
}

/** The GitOps tree onboard and offboard change by default: the checkout's platform/, or platform/ in the folder paddock runs in. */
export function gitopsDefault(): string {
  return layout === 'checkout' ? paths.platform : resolve('platform');
}

/** For what needs the whole repository (the example apps, the full GitOps tree): refuse, plainly, in an installed paddock. */
export function requireCheckout(what: string): void {
  if (layout === 'checkout') return;
  throw new UserError(
    `${what} runs from a checkout of the paddock repository: it needs the example apps and the whole platform/ tree, which the installed package does not carry`,
    'Clone the paddock repository, run `make setup` there, and run it from that folder.',
  );
}

/** name and version of paddock's package.json. */
export function packageInfo(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name?: string; version?: string };
  return { name: pkg.name ?? 'paddock', version: pkg.version ?? '0.0.0' };
}

/** Path of a pinned tool built by tools/build.sh. */
export function tool(name: string): string {
  return join(paths.toolsBin, name);
}
