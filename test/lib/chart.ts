import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helmTemplateArgs, parseManifests, type K8sObject } from 'paddock/render/index.js';
import { paths, tool } from 'paddock/paths.js';
import { run } from 'paddock/run.js';

const fixtures = join(paths.root, 'test', 'fixtures', 'values');

export interface Fixture {
  file: string;
  /** For bad fixtures: the field the error must name (`# expect: image.tag`). */
  expect?: string;
}

export function listFixtures(kind: 'good' | 'bad'): Fixture[] {
  const dir = join(fixtures, kind);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => {
      const file = join(dir, f);
      const expect = /^# expect: (\S+)/m.exec(readFileSync(file, 'utf8'))?.[1];
      return { file, expect };
    });
}

/** Render through the real chart with the pinned helm, as `paddock render` does. */
export async function renderWithHelm(name: string, file: string): Promise<{ code: number; stderr: string; objects: K8sObject[] }> {
  const r = await run(tool('helm'), helmTemplateArgs({ name, namespace: `${name}-ns`, file }));
  const objects = r.code === 0 ? parseManifests(r.stdout, file).objects.map((o) => o.object) : [];
  return { code: r.code, stderr: r.stderr, objects };
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = find(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? `/${name}` : ''}, found ${found.length}`);
  return found[0] as K8sObject;
}

export { paths };
