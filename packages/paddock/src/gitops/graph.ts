import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Finding } from '../report/finding.js';

/** One YAML document of the tree, with where it came from. */
export interface TreeObject {
  file: string;
  line: number;
  object: Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
}

/** Every YAML file under `root`, sorted. */
export function yamlFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(name)) out.push(p);
    }
  };
  walk(root);
  return out;
}

/** Parse every YAML document under `root`; parse errors come back as findings. */
export function loadTree(root: string): { objects: TreeObject[]; findings: Finding[] } {
  const objects: TreeObject[] = [];
  const findings: Finding[] = [];
  for (const file of yamlFiles(root)) {
    const lines = new LineCounter();
    const docs = parseAllDocuments(readFileSync(file, 'utf8'), { lineCounter: lines, uniqueKeys: true });
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      for (const e of [...doc.errors, ...doc.warnings]) {
        findings.push({
          rule: 'yaml',
          severity: 'error',
          file: relative(root, file),
          line: e.linePos?.[0]?.line,
          message: e.message.split('\n')[0] ?? e.message,
        });
      }
      const object = doc.toJS() as TreeObject['object'] | null;
      if (object && typeof object === 'object') {
        objects.push({ file: relative(root, file), line: lines.linePos(doc.range[0]).line, object });
      }
    }
  }
  return { objects, findings };
}

type Ref = { kind?: string; name?: string; namespace?: string };
const key = (kind: string, ns: string | undefined, name: string | undefined): string => `${kind}/${ns ?? ''}/${name ?? ''}`;
const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/**
 * The Flux graph of the tree: every Kustomization and HelmRelease refers to a
 * source, a path, a chart version and dependencies that exist; chart versions
 * are exact; dependencies have no cycle; the shared chart's source pins
 * `chartVersion`.
 */
export function checkFluxGraph(root: string, objects: TreeObject[], chartVersion: string): Finding[] {
  const findings: Finding[] = [];
  const index = new Map<string, TreeObject>();
  for (const o of objects) if (o.object.kind) index.set(key(o.object.kind, o.object.metadata?.namespace, o.object.metadata?.name), o);
  const err = (o: TreeObject, message: string): void => {
    findings.push({ rule: 'flux-graph', severity: 'error', file: o.file, line: o.line, path: `${o.object.kind}/${o.object.metadata?.name}`, message });
  };
  const edges = new Map<string, string[]>();
  // The source this tree is served from: the root Kustomization's. A
  // Kustomization of another source (a controller's own manifests, pushed as
  // their own artifact) has its path in that artifact, not here.
  const srcKey = (o: TreeObject): string => {
    const src = (o.object.spec as { sourceRef?: Ref } | undefined)?.sourceRef;
    return key(src?.kind ?? '', src?.namespace ?? o.object.metadata?.namespace, src?.name);
  };
  const treeRoot = objects.find((o) => o.object.kind === 'Kustomization' && o.object.metadata?.name === 'platform');
  const inTree = (o: TreeObject): boolean => !treeRoot || srcKey(o) === srcKey(treeRoot);

  for (const o of objects) {
    const { kind, metadata } = o.object;
    const spec = (o.object.spec ?? {}) as Record<string, unknown>;
    const ns = metadata?.namespace;
    const self = key(kind ?? '', ns, metadata?.name);
    if (kind === 'Kustomization' && o.object.apiVersion?.startsWith('kustomize.toolkit.fluxcd.io/')) {
      const src = spec.sourceRef as Ref | undefined;
      if (!src || !index.has(key(src.kind ?? '', src.namespace ?? ns, src.name))) err(o, `its source ${src?.kind}/${src?.name} is not in the tree`);
      const path = String(spec.path ?? '');
      if (inTree(o) && !existsSync(join(root, path, 'kustomization.yaml'))) err(o, `its path ${path} has no kustomization.yaml in the tree`);
      if (spec.prune !== true) err(o, 'prune is not on, so removed objects would stay in the cluster');
      // A cluster's entry point only hands out the layers; the layers themselves must wait.
      if (spec.wait !== true && !spec.healthChecks && !path.includes('clusters/')) err(o, 'it neither waits for its objects nor has health checks');
    }
    if (kind === 'HelmRelease') {
      const chart = (spec.chart as { spec?: { chart?: string; version?: string; sourceRef?: Ref } } | undefined)?.spec;
      const chartRef = spec.chartRef as Ref | undefined;
      if (chart) {
        const src = chart.sourceRef;
        if (!src || !index.has(key(src.kind ?? '', src.namespace ?? ns, src.name))) err(o, `its chart source ${src?.kind}/${src?.name} is not in the tree`);
        if (!chart.version || !EXACT_VERSION.test(chart.version)) err(o, `chart ${chart.chart} is not pinned to an exact version (${chart.version ?? 'none'})`);
      } else if (chartRef) {
        const source = index.get(key(chartRef.kind ?? '', chartRef.namespace ?? ns, chartRef.name));
        if (!source) err(o, `its chartRef ${chartRef.kind}/${chartRef.name} is not in the tree`);
        else {
          const tag = (source.object.spec as { ref?: { tag?: string } } | undefined)?.ref?.tag ?? '';
          if (tag !== chartVersion) err(o, `its chart source pins ${tag || 'no tag'}, but charts/app/Chart.yaml is version ${chartVersion}`);
        }
      } else err(o, 'it names no chart');
      for (const v of (spec.valuesFrom as Ref[] | undefined) ?? []) {
        if (!index.has(key(v.kind ?? '', ns, v.name))) err(o, `valuesFrom ${v.kind}/${v.name} is not in the tree (namespace ${ns})`);
      }
    }
    if (kind === 'Kustomization' || kind === 'HelmRelease') {
      const deps: string[] = [];
      for (const d of (spec.dependsOn as Ref[] | undefined) ?? []) {
        const dep = key(kind, d.namespace ?? ns, d.name);
        if (!index.has(dep)) err(o, `it depends on ${kind} ${d.name}, which is not in the tree`);
        deps.push(dep);
      }
      edges.set(self, deps);
    }
  }

  // Cycles: depth-first search with colours.
  const colour = new Map<string, 'grey' | 'black'>();
  const visit = (n: string, stack: string[]): void => {
    if (colour.get(n) === 'black') return;
    if (colour.get(n) === 'grey') {
      const cycle = [...stack.slice(stack.indexOf(n)), n].map((k) => k.split('/').pop()).join(' → ');
      const o = index.get(n);
      if (o) err(o, `dependency cycle: ${cycle}`);
      return;
    }
    colour.set(n, 'grey');
    for (const d of edges.get(n) ?? []) visit(d, [...stack, n]);
    colour.set(n, 'black');
  };
  for (const n of edges.keys()) visit(n, []);
  return findings;
}
