import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { paths } from '../paths.js';
import {
  bootstrapRegistryImage,
  clusterCharts,
  clusterImages,
  DAPR_CONTROL_PLANE,
  daprSubstitutes,
  FLUX_COMPONENTS,
  fluxControllers,
  kindNodeImage,
} from './images.js';

const copies: string[] = [];
after(() => {
  for (const root of copies) rmSync(root, { recursive: true, force: true });
});

/** A copy of the pins (and the etcd wrapper the etcd tag comes from) to change one line of. */
function pinsWith(edit: (env: string) => string): string {
  const root = mkdtempSync(join(tmpdir(), 'paddock-pins-'));
  copies.push(root);
  mkdirSync(join(root, 'tools', 'images'), { recursive: true });
  writeFileSync(join(root, 'tools', 'versions.env'), edit(readFileSync(join(paths.root, 'tools', 'versions.env'), 'utf8')));
  cpSync(join(paths.root, 'tools', 'images', 'etcd'), join(root, 'tools', 'images', 'etcd'), { recursive: true });
  return root;
}

describe('the cluster images, from tools/versions.env', () => {
  it('names each Flux controller at its pin, with the substitute it is built with', () => {
    const controllers = fluxControllers(paths.root);
    assert.deepEqual(
      controllers.map((c) => c.name),
      [...FLUX_COMPONENTS],
    );
    const root = pinsWith((env) => env.replace(/^FLUX_SOURCE_CONTROLLER_SUBSTITUTE=.*$/m, ''));
    assert.equal(fluxControllers(root).find((c) => c.name === 'source-controller')?.substitute, undefined);
    const source = clusterImages(paths.root).find((i) => i.recipe === 'source-controller')!;
    assert.match(source.from, /built with github\.com\/fluxcd\/pkg\/artifact v0\.18\.0/, 'a substitution is never silent');
  });

  it('follows the distribution pin for the bootstrap registry, and fails naming a missing pin', () => {
    assert.equal(bootstrapRegistryImage(pinsWith((env) => env.replace(/^REGISTRY_VERSION=.*$/m, 'REGISTRY_VERSION=v9.8.7'))), 'registry:9.8.7');
    assert.throws(
      () => fluxControllers(pinsWith((env) => env.replace(/^FLUX_HELM_CONTROLLER_VERSION=.*$/m, ''))),
      /tools\/versions\.env has no FLUX_HELM_CONTROLLER_VERSION/,
    );
  });

  it('every image says which phase first needs it; the nodes come before anything loaded onto them', () => {
    const images = clusterImages(paths.root);
    for (const i of images) assert.ok(['cluster', 'network', 'gitops', 'publish'].includes(i.neededIn), i.ref);
    assert.ok(
      images.filter((i) => i.placement === 'base').every((i) => i.neededIn === 'publish'),
      'an app base is needed when the apps are built',
    );
    assert.ok(images.filter((i) => i.placement === 'preload').every((i) => i.neededIn === 'cluster'));
    assert.equal(images.at(-1)!.placement, 'node', 'the node image is made last, from the preloaded images');
  });

  it('names each chart served from the bootstrap registry at its pin, a substitution with its reason', () => {
    const metrics = clusterCharts(pinsWith((env) => env.replace(/^METRICS_SERVER_CHART_VERSION=.*$/m, 'METRICS_SERVER_CHART_VERSION=9.9.9')));
    assert.equal(metrics.find((c) => c.name === 'metrics-server')?.version, '9.9.9');
    for (const c of clusterCharts(paths.root)) assert.ok(c.substitution === undefined || c.substitution.length > 20, `${c.name}: a reason, not a word`);
    assert.throws(() => clusterCharts(pinsWith((env) => env.replace(/^METRICS_SERVER_MODULE=.*$/m, ''))), /tools\/versions\.env has no METRICS_SERVER_MODULE/);
  });

  it("builds Dapr with exactly the substitutions the pins name, each a replace in the wrapper's go.mod", () => {
    const mod = readFileSync(join(paths.root, 'tools', 'images', 'dapr', 'go.mod'), 'utf8');
    const subs = daprSubstitutes(paths.root);
    assert.ok(subs.length > 0);
    const esc = (t: string) => t.replace(/\./g, '\\.');
    for (const s of subs) assert.match(mod, new RegExp(`^replace ${esc(s.module)} => ${esc(s.module)} ${s.version}$`, 'm'), s.module);
    const ours = [...mod.matchAll(/^\/\/ paddock: NOT from upstream/gm)].length;
    assert.equal(ours, subs.length, 'every replace paddock adds is a named substitution');
    for (const binary of [...DAPR_CONTROL_PLANE, 'daprd']) {
      const image = clusterImages(paths.root).find((i) => i.recipe === `dapr-${binary}`)!;
      for (const s of subs) {
        const named = image.from.includes(`${s.module} ${s.version}`);
        assert.equal(named, s.binaries.includes(binary), `${binary}: ${s.module} named exactly where it is linked (never silent, never spurious)`);
      }
    }
    assert.throws(() => daprSubstitutes(pinsWith((env) => env.replace(/^DAPR_SUBSTITUTES=.*$/m, 'DAPR_SUBSTITUTES=github.com/x/y'))), /module@version:binary/);
    const script = readFileSync(join(paths.root, 'tools', 'images', 'dapr-bin.sh'), 'utf8');
    assert.deepEqual(
      /^TARGETS=\(([^)]*)\)/m
        .exec(script)?.[1]
        ?.split(/\s+/)
        .map((t) => t.split(':')[0]),
      [...DAPR_CONTROL_PLANE, 'daprd'],
    );
  });

  it('a kind config has one node image only when every node names the same', () => {
    assert.equal(kindNodeImage({ nodes: [{ image: 'a' }, { image: 'a' }] }), 'a');
    assert.equal(kindNodeImage({ nodes: [{ image: 'a' }, { image: 'b' }] }), undefined);
    assert.equal(kindNodeImage({}), undefined);
  });
});
