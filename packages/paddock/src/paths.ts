import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: PADDOCK_HOME, else three levels above this module (packages/paddock/dist). */
function findRoot(): string {
  if (process.env.PADDOCK_HOME) return resolve(process.env.PADDOCK_HOME);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'charts', 'app', 'Chart.yaml'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the paddock repository root (set PADDOCK_HOME)');
}

export const root = findRoot();

export const paths = {
  root,
  chart: join(root, 'charts', 'app'),
  contract: join(root, 'charts', 'app', 'values.schema.json'),
  buildingBlocks: join(root, 'charts', 'app', 'files', 'building-blocks.yaml'),
  schemas: join(root, 'schemas'),
  platform: join(root, 'platform'),
  policies: join(root, 'platform', 'infrastructure', 'configs', 'admission-policies'),
  toolsBin: join(root, 'tools', 'bin'),
  state: join(root, '.paddock'),
} as const;

/** Path of a pinned tool built by tools/build.sh. */
export function tool(name: string): string {
  return join(paths.toolsBin, name);
}
