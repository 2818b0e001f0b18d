import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** Apps onboarded in the tree that have a Dockerfile in apps/<name>/: their image reference from values. */
/** An onboarded app built from its own Dockerfile, and the node pool it runs on. */
export interface ExampleImage {
  app: string;
  image: string;
  context: string;
  pool: string;
}

export function exampleImages(root: string): ExampleImage[] {
  const apps = parse(readFileSync(join(root, 'platform', 'apps', 'kustomization.yaml'), 'utf8')) as { resources?: string[] };
  const out: ExampleImage[] = [];
  for (const app of apps.resources ?? []) {
    const dir = join(root, 'apps', app);
    if (!existsSync(join(dir, 'Dockerfile')) || !existsSync(join(dir, 'values.yaml'))) continue;
    const v = parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) as { image?: { repository?: string; tag?: string }; nodepool?: string };
    if (v.image?.repository && v.image.tag) out.push({ app, image: `${v.image.repository}:${v.image.tag}`, context: dir, pool: v.nodepool || app });
  }
  return out;
}

/** A base image an app's Dockerfile names, and where that is (for the message when it cannot be built here). */
export interface AppBase {
  ref: string;
  /** The recipe in tools/images/build.sh that makes it, or undefined when none does. */
  recipe?: 'python-slim' | 'node-slim';
  /** The version the tag names (Python's or Node.js's). */
  version?: string;
  /** "apps/app1/Dockerfile:3". */
  where: string;
}

/** The bases paddock builds where no registry answers: the official images' bookworm variants. */
const BASES: { pattern: RegExp; recipe: NonNullable<AppBase['recipe']> }[] = [
  // Debian bookworm's Python is 3.11: another minor would be a different Python
  { pattern: /^python:(3\.11(?:\.\d+)?)-slim-bookworm$/, recipe: 'python-slim' },
  { pattern: /^node:(\d+\.\d+\.\d+)-bookworm-slim$/, recipe: 'node-slim' },
];

/** The FROM images of a Dockerfile, build stages (FROM … AS name, then FROM name) left out. */
export function dockerfileBases(text: string, file: string): AppBase[] {
  const stages = new Set<string>();
  const out: AppBase[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(line);
    if (!m) return;
    const ref = m[1]!.replace(/^docker\.io\/(library\/)?/, '');
    if (!stages.has(ref.toLowerCase())) {
      const base = BASES.find((b) => b.pattern.test(ref));
      out.push({ ref, where: `${file}:${i + 1}`, ...(base ? { recipe: base.recipe, version: base.pattern.exec(ref)![1]! } : {}) });
    }
    if (m[2]) stages.add(m[2].toLowerCase());
  });
  return out;
}

/** Every base the example apps' Dockerfiles name, once each. */
export function appBaseImages(root: string): AppBase[] {
  const seen = new Map<string, AppBase>();
  for (const img of exampleImages(root)) {
    const file = join('apps', img.app, 'Dockerfile');
    for (const b of dockerfileBases(readFileSync(join(root, file), 'utf8'), file)) if (!seen.has(b.ref)) seen.set(b.ref, b);
  }
  return [...seen.values()];
}
