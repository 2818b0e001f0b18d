import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkFluxGraph, type TreeObject } from './graph.js';

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'graph-'));
  for (const p of ['a', 'b']) {
    mkdirSync(join(root, p));
    writeFileSync(join(root, p, 'kustomization.yaml'), 'resources: []\n');
  }
  return root;
}

const ks = (name: string, path: string, deps: string[] = []): TreeObject => ({
  file: `${name}.yaml`,
  line: 1,
  object: {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system' },
    spec: { path, prune: true, wait: true, sourceRef: { kind: 'OCIRepository', name: 'platform' }, dependsOn: deps.map((d) => ({ name: d })) },
  },
});
const source: TreeObject = {
  file: 's.yaml',
  line: 1,
  object: {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'OCIRepository',
    metadata: { name: 'platform', namespace: 'flux-system' },
    spec: { ref: { tag: '0.1.0' } },
  },
};

describe('checkFluxGraph', () => {
  it('accepts a sound graph', () => {
    assert.deepEqual(checkFluxGraph(tree(), [source, ks('a', './a'), ks('b', './b', ['a'])], '0.1.0'), []);
  });
  it('finds a dependency cycle', () => {
    const f = checkFluxGraph(tree(), [source, ks('a', './a', ['b']), ks('b', './b', ['a'])], '0.1.0');
    assert.ok(
      f.some((x) => /dependency cycle: (a → b → a|b → a → b)/.test(x.message)),
      JSON.stringify(f),
    );
  });
  it('finds a missing dependency, path and source', () => {
    const f = checkFluxGraph(tree(), [ks('a', './nowhere', ['ghost'])], '0.1.0').map((x) => x.message);
    assert.ok(f.some((m) => /depends on Kustomization ghost/.test(m)));
    assert.ok(f.some((m) => /path .\/nowhere has no kustomization.yaml/.test(m)));
    assert.ok(f.some((m) => /source OCIRepository\/platform is not in the tree/.test(m)));
  });
  it("checks the path of a Kustomization of the tree's own source only (another artifact holds its own paths)", () => {
    const other: TreeObject = { ...source, object: { ...source.object, metadata: { name: 'vendor', namespace: 'flux-system' } } };
    const fromOther = ks('vendor', './');
    (fromOther.object.spec as { sourceRef: object }).sourceRef = { kind: 'OCIRepository', name: 'vendor' };
    const root = tree();
    mkdirSync(join(root, 'c'));
    assert.deepEqual(checkFluxGraph(root, [source, other, ks('platform', './a'), fromOther], '0.1.0'), []);
    const f = checkFluxGraph(root, [source, other, ks('platform', './a'), ks('stray', './c')], '0.1.0').map((x) => x.message);
    assert.deepEqual(f, ['its path ./c has no kustomization.yaml in the tree']);
  });
  it('finds an unpinned chart and a chart source that does not pin the chart version', () => {
    const hr = (spec: object): TreeObject => ({
      file: 'hr.yaml',
      line: 1,
      object: { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'x', namespace: 'flux-system' }, spec },
    });
    const repo: TreeObject = {
      file: 'r.yaml',
      line: 1,
      object: { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name: 'r', namespace: 'flux-system' } },
    };
    const f1 = checkFluxGraph(
      tree(),
      [repo, hr({ chart: { spec: { chart: 'c', version: '>=1.0.0', sourceRef: { kind: 'HelmRepository', name: 'r' } } } })],
      '0.1.0',
    );
    assert.match(f1[0]?.message ?? '', /not pinned to an exact version/);
    const f2 = checkFluxGraph(tree(), [source, hr({ chartRef: { kind: 'OCIRepository', name: 'platform' } })], '0.2.0');
    assert.match(f2[0]?.message ?? '', /pins 0.1.0, but charts\/app\/Chart.yaml is version 0.2.0/);
  });
});
