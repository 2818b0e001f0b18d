import { existsSync, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { UserError } from '../report/errors.js';
import { exec } from './exec.js';
import type { ImageSource } from './images.js';

/** Where the bootstrap writes, named so that the plan is data: the runner finds each folder on the machine it runs on. */
export type SpaceWhere = 'docker-root' | 'tmpdir' | 'go-build-cache' | 'go-module-cache';

export interface SpaceNeed {
  where: SpaceWhere;
  /** What takes the space, in the user's words. */
  what: string;
  gib: number;
  /** The need is the size this folder grows to: what is already in it counts (Go's caches, partly warm after a stopped run). */
  grownTo?: boolean;
  /** The need counts only while one of these images is missing from the engine (they are what takes the space). */
  whileMissing?: string[];
}

/** A need resolved on this machine: the folder, its filesystem's free space and what is still to be written there. */
export interface ResolvedNeed {
  what: string;
  path: string;
  bytes: number;
}

/**
 * What a converged cluster writes, measured by `make e2e` on a fresh machine
 * (issue 12; docs/cluster.md, "Disk"), rounded up.
 */
export const MEASURED_GIB = {
  /** The five kind nodes: every image in each node's containerd, packed and unpacked, and the pods' writable layers. */
  nodes: 24,
  /** The images built here (kept: a warm run rebuilds nothing). */
  builtImages: 5,
  /** TMPDIR at its fullest (3.4 GiB): the builds' scratch files and `kind load`'s archive of its largest batch. */
  loadArchive: 4,
  /** Go's caches once every image is built from source. */
  goBuildCache: 25,
  goModuleCache: 15,
} as const;

/** The free space `cluster up` needs: the nodes always; where images are built here, the builds too, while one is unbuilt. */
export function spaceNeeds(source: ImageSource, images: string[]): SpaceNeed[] {
  const m = MEASURED_GIB;
  const nodes: SpaceNeed = { where: 'docker-root', what: 'the kind nodes and the images on them', gib: m.nodes };
  if (source === 'pull') return [nodes];
  return [
    nodes,
    { where: 'docker-root', what: 'the images built here', gib: m.builtImages, whileMissing: images },
    { where: 'tmpdir', what: "the builds' scratch files and kind load's archive", gib: m.loadArchive },
    { where: 'go-build-cache', what: 'compiling the images', gib: m.goBuildCache, grownTo: true, whileMissing: images },
    { where: 'go-module-cache', what: 'the Go modules of the images', gib: m.goModuleCache, grownTo: true, whileMissing: images },
  ];
}

const GiB = 1024 ** 3;
const gib = (bytes: number): string => `${(bytes / GiB).toFixed(1)} GiB`;

/** A folder's filesystem (device) and its free space for an unprivileged writer, from the nearest folder that exists. */
export function filesystemOf(path: string): { dev: number; free: number } {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  const s = statfsSync(p);
  return { dev: statSync(p).dev, free: s.bavail * s.bsize };
}

type FsOf = (path: string) => { dev: number; free: number };

/** One line per filesystem the needs are on: its free space, the folders and what goes there, and the needs added up. */
export function diskLines(needs: ResolvedNeed[], fsOf: FsOf = filesystemOf): { short: boolean; line: string }[] {
  const byDev = new Map<number, { free: number; needs: ResolvedNeed[] }>();
  for (const n of needs.filter((x) => x.bytes > 0)) {
    const fs = fsOf(n.path);
    const entry = byDev.get(fs.dev) ?? { free: fs.free, needs: [] };
    entry.needs.push(n);
    byDev.set(fs.dev, entry);
  }
  return [...byDev.values()].map(({ free, needs: on }) => {
    const total = on.reduce((s, n) => s + n.bytes, 0);
    const parts = on.map((n) => `${n.path} (${n.what}: ${gib(n.bytes)})`).join(', ');
    return { short: free < total, line: `${gib(free)} free on the disk that holds ${parts}; the bootstrap needs ${gib(total)} there` };
  });
}

/**
 * One line per filesystem that has less free space than the needs on it add up
 * to (needs on the same disk are summed: Docker's data and /tmp are usually one).
 */
export function shortfalls(needs: ResolvedNeed[], fsOf: FsOf = filesystemOf): string[] {
  return diskLines(needs, fsOf)
    .filter((d) => d.short)
    .map((d) => d.line);
}

async function folderOf(where: SpaceWhere): Promise<string | undefined> {
  const first = async (argv: string[]): Promise<string | undefined> => {
    const r = await exec(argv);
    return r.code === 0 ? r.stdout.trim() || undefined : undefined;
  };
  switch (where) {
    case 'docker-root':
      return first(['docker', 'info', '--format', '{{.DockerRootDir}}']);
    case 'tmpdir':
      return tmpdir();
    case 'go-build-cache':
      return first(['go', 'env', 'GOCACHE']);
    case 'go-module-cache':
      return first(['go', 'env', 'GOMODCACHE']);
  }
}

async function allPresent(images: string[]): Promise<boolean> {
  return (await exec(['docker', 'image', 'inspect', '--format', '{{.Id}}', ...images])).code === 0;
}

async function sizeOf(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  const r = await exec(['du', '-sk', path]);
  return r.code === 0 ? Number.parseInt(r.stdout, 10) * 1024 : 0;
}

/**
 * Check free space before anything is built or started. A folder that is not
 * on this machine (Docker Desktop keeps its data in a VM) is not checked, and
 * the line printed says so.
 */
export async function checkSpace(needs: SpaceNeed[], note: (line: string) => void): Promise<void> {
  const resolved: ResolvedNeed[] = [];
  for (const n of needs) {
    if (n.whileMissing && (await allPresent(n.whileMissing))) continue;
    const path = await folderOf(n.where);
    if (path === undefined) continue;
    if (n.where === 'docker-root' && !existsSync(path)) {
      note(`Docker's data (${path}) is not on this machine (a VM?): give it ${n.gib} GiB free for ${n.what}`);
      continue;
    }
    const bytes = n.gib * GiB - (n.grownTo ? await sizeOf(path) : 0);
    resolved.push({ what: n.what, path, bytes });
  }
  const disks = diskLines(resolved);
  const short = disks.filter((d) => d.short).map((d) => d.line);
  if (short.length)
    throw new UserError(
      `not enough free disk space:\n  ${short.join('\n  ')}`,
      'Free space there (`docker system prune` removes stopped containers and unused images; built images are rebuilt from cache) or give the machine a larger disk, then run the command again; nothing was changed.',
    );
  for (const d of disks) note(`enough: ${d.line}`);
}

export function describeSpace(needs: SpaceNeed[]): string {
  const names: Record<SpaceWhere, string> = {
    'docker-root': "Docker's data root",
    tmpdir: 'TMPDIR',
    'go-build-cache': "Go's build cache",
    'go-module-cache': "Go's module cache",
  };
  return `check free space: ${needs
    .map((n) => `${names[n.where]} ${n.gib} GiB (${n.what}${n.grownTo ? ', less what is there' : ''}${n.whileMissing ? ', while an image is unbuilt' : ''})`)
    .join('; ')}; needs on one disk are added up`;
}
