// `cluster up` checks free disk space before it builds or starts anything: a
// full disk otherwise fails a cold run an hour in, at `kind load` (seen in
// issue 12). These run on the machine's real filesystems: the checkout's disk
// and /dev/shm (a tmpfs, another device), no Docker needed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MEASURED_GIB, checkSpace, filesystemOf, hostFacts, shortfalls, spaceNeeds, upPlan } from 'paddock/cluster/index.js';
import { UserError } from 'paddock/report/errors.js';
import { paths } from 'paddock/paths.js';

const GiB = 1024 ** 3;
const onDisk = mkdtempSync(join(tmpdir(), 'paddock-space-'));
const onShm = mkdtempSync('/dev/shm/paddock-space-');
after(() => {
  rmSync(onDisk, { recursive: true, force: true });
  rmSync(onShm, { recursive: true, force: true });
});

describe('free disk space', () => {
  it('finds the filesystem of a folder that does not exist yet from its nearest parent', () => {
    assert.deepEqual(filesystemOf(join(onDisk, 'go-build', 'not', 'yet')).dev, filesystemOf(onDisk).dev);
    assert.notEqual(filesystemOf(onShm).dev, filesystemOf(onDisk).dev, '/dev/shm is another device');
  });

  it('names the folder, what takes the space, the free space and the need', () => {
    const free = filesystemOf(onDisk).free;
    assert.deepEqual(shortfalls([{ what: 'the kind nodes', path: onDisk, bytes: 1 }]), []);
    const [line, ...rest] = shortfalls([{ what: 'the kind nodes', path: onDisk, bytes: free + GiB }]);
    assert.equal(rest.length, 0);
    assert.match(
      line!,
      new RegExp(
        `^${(free / GiB).toFixed(1)} GiB free on the disk that holds ${onDisk} \\(the kind nodes: [\\d.]+ GiB\\); the bootstrap needs [\\d.]+ GiB there$`,
      ),
    );
  });

  it('adds up the needs on one disk, and judges each disk on its own', () => {
    const free = filesystemOf(onDisk).free;
    const half = Math.ceil(free * 0.6);
    const lines = shortfalls([
      { what: 'the kind nodes', path: onDisk, bytes: half },
      { what: "kind load's image archive", path: join(onDisk, 'tmp'), bytes: half },
      { what: 'a small need elsewhere', path: onShm, bytes: 1 },
    ]);
    assert.equal(lines.length, 1, 'each need fits alone; together they do not');
    assert.match(lines[0]!, /the kind nodes: .*kind load's image archive/);
    assert.doesNotMatch(lines[0]!, /dev\/shm/);
    const shmFree = filesystemOf(onShm).free;
    const both = shortfalls([
      { what: 'the kind nodes', path: onDisk, bytes: free + GiB },
      { what: 'the builds', path: onShm, bytes: shmFree + GiB },
    ]);
    assert.equal(both.length, 2);
  });

  it('stops with a plain message and a way out when TMPDIR is short, before anything is written', async () => {
    const was = process.env.TMPDIR;
    process.env.TMPDIR = onShm;
    try {
      const huge = Math.ceil(filesystemOf(onShm).free / GiB) + 1;
      await assert.rejects(
        checkSpace([{ where: 'tmpdir', what: "kind load's image archive", gib: huge }], () => {}),
        (err: unknown) =>
          err instanceof UserError &&
          err.message.startsWith('not enough free disk space:\n  ') &&
          err.message.includes(`${onShm} (kind load's image archive: ${huge}.0 GiB)`) &&
          /nothing was changed/.test(err.hint ?? ''),
      );
      const noted: string[] = [];
      await checkSpace([{ where: 'tmpdir', what: "kind load's image archive", gib: 0.001 }], (l) => noted.push(l));
      assert.equal(noted.length, 1, 'one line per disk when there is room');
      assert.match(noted[0]!, new RegExp(`^enough: [\\d.]+ GiB free on the disk that holds ${onShm} \\(kind load's image archive: 0\\.0 GiB\\)`));
    } finally {
      if (was === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = was;
    }
  });

  it('asks for the builds only where images are built, and only while one is missing', () => {
    assert.deepEqual(
      spaceNeeds('pull', ['a:1']).map((n) => n.where),
      ['docker-root'],
    );
    const build = spaceNeeds('build', ['a:1', 'b:2']);
    assert.deepEqual(build.map((n) => n.where).sort(), ['docker-root', 'docker-root', 'go-build-cache', 'go-module-cache', 'tmpdir']);
    for (const n of build.filter((x) => x.where.startsWith('go-'))) {
      assert.deepEqual(n.whileMissing, ['a:1', 'b:2']);
      assert.equal(n.grownTo, true, "what is in Go's caches already counts");
    }
    for (const [k, v] of Object.entries(MEASURED_GIB)) assert.ok(v > 0, `${k} is a measured figure`);
  });

  it('is checked once the engine answers, before the first image is built', () => {
    for (const images of ['pull', 'build'] as const) {
      const plan = upPlan({ root: paths.root, revision: 'x', workDir: '/tmp/x', images, host: hostFacts() });
      const engine = plan.findIndex((s) => s.title === 'check that the Docker engine answers');
      const space = plan.findIndex((s) => s.action.kind === 'space');
      const firstWrite = plan.findIndex((s, i) => i > engine && s.action.kind !== 'space');
      assert.ok(engine >= 0 && space === engine + 1 && firstWrite === space + 1, `${images}: engine, then space, then the rest`);
    }
  });
});
