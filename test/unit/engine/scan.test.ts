import { describe, expect, it } from 'vitest';
import { FailingVolume } from '../../../src/adapters/volume/FailingVolume.ts';
import { toHex } from '../../../src/core/content/bytes.ts';
import { digestSource } from '../../../src/core/content/chunk.ts';
import type { HashFile } from '../../../src/core/engine/scan.ts';
import { compareVersions } from '../../../src/core/model/versionVector.ts';
import { VolumeUnavailableError, type Volume, type VolumeEntry } from '../../../src/ports/Volume.ts';
import { DEVICE, finished, fixture, FOLDER, hashOf, synced, text } from './scanFixture.ts';

const SECONDS = Date.UTC(2024, 0, 1) / 1000;

/** The same volume with its listing passed through `list`. */
function wrapListing(
  inner: Volume,
  list: (entries: AsyncIterable<VolumeEntry>) => AsyncGenerator<VolumeEntry>,
): Volume {
  return {
    hasMarker: () => inner.hasMarker(),
    placeMarker: () => inner.placeMarker(),
    list: () => list(inner.list()),
    stat: (path) => inner.stat(path),
    source: (path) => inner.source(path),
    writeAtomically: (path, chunks, expect) => inner.writeAtomically(path, chunks, expect),
    remove: (path, expect) => inner.remove(path, expect),
    rename: (from, to) => inner.rename(from, to),
    mkdir: (path) => inner.mkdir(path),
  };
}

/** The same volume, whose listing fails after `count` entries, as when a disk is pulled. */
function cutListing(inner: Volume, count: number): Volume {
  return wrapListing(inner, async function* (entries) {
    let given = 0;
    for await (const entry of entries) {
      if (given++ === count) throw new VolumeUnavailableError('gone', 'the disk went away');
      yield entry;
    }
  });
}

describe('scanFolder: indexing', () => {
  it('first scan indexes every file with its hash, chunks and a first version', async () => {
    const f = fixture();
    await f.write('a.txt', 'alpha');
    await f.write('docs/b.md', 'beta');
    await f.write('docs/deep/c.bin', new Uint8Array(100_000).fill(7));
    await f.write('empty', '');

    const result = finished(await f.scan());

    expect(result.changed.map((r) => r.path)).toEqual(['a.txt', 'docs/b.md', 'docs/deep/c.bin', 'empty']);
    expect(result.problems).toEqual([]);
    expect(result.stats).toEqual({ files: 4, hashedBytes: 5 + 4 + 100_000, skippedUnchanged: 0 });
    const records = await f.records();
    expect(toHex(records.get('a.txt')!.hash)).toBe(await hashOf('alpha'));
    expect(toHex(records.get('empty')!.hash)).toBe(await hashOf(''));
    const c = records.get('docs/deep/c.bin')!;
    expect(c.size).toBe(100_000);
    expect(c.chunks.reduce((n, chunk) => n + chunk.size, 0)).toBe(100_000);
    expect(c).toMatchObject({ deleted: false, modifiedBy: DEVICE, version: { [DEVICE]: SECONDS } });
    expect(c.mtime).toBe(f.clock.now());
    expect(c.observed).toEqual({ size: 100_000, mtime: f.clock.now() });
    expect(result.changed.map((r) => r.sequence)).toEqual([1, 2, 3, 4]);
  });

  it('an unchanged rescan hashes nothing and writes nothing', async () => {
    const f = fixture();
    await f.write('a.txt', 'alpha');
    await f.write('b/c.txt', 'gamma');
    await f.scan();
    f.hashed.length = 0;
    f.clock.advance(60_000);

    const result = finished(await f.scan());

    expect(f.hashed).toEqual([]);
    expect(result.changed).toEqual([]);
    expect(result.stats).toEqual({ files: 2, hashedBytes: 0, skippedUnchanged: 2 });
    expect(await f.store.localSequence(FOLDER)).toBe(2);
  });

  it('a path the watch named is hashed though its stat is unchanged (an in-place write that kept it)', async () => {
    const f = fixture();
    await f.write('a.txt', 'alpha');
    await f.write('b.txt', 'bravo');
    await f.scan();
    f.disk.overwriteKeepingMtime('a.txt', text('ALPHA'));
    f.hashed.length = 0;

    expect(finished(await f.scan()).changed).toEqual([]); // the stat alone says nothing changed
    const result = finished(await f.scan(undefined, undefined, new Set(['a.txt'])));

    expect(f.hashed).toEqual(['a.txt']);
    expect(result.changed.map((r) => [r.path, toHex(r.hash)])).toEqual([['a.txt', await hashOf('ALPHA')]]);
  });

  it('an edit gets a new version that dominates the old one', async () => {
    const f = fixture();
    await f.write('a.txt', 'alpha');
    await f.scan();
    const before = (await f.records()).get('a.txt')!;
    f.clock.advance(1); // within the same second: the counter still moves on by one

    await f.write('a.txt', 'alpha, edited');
    const result = finished(await f.scan());

    const after = (await f.records()).get('a.txt')!;
    expect(result.changed).toEqual([after]);
    expect(compareVersions(after.version, before.version)).toBe('greater');
    expect(after.version[DEVICE]).toBe(SECONDS + 1);
    expect(toHex(after.hash)).toBe(await hashOf('alpha, edited'));
    expect(after.sequence).toBe(2);
    expect(after.mtime).toBe(f.clock.now());
    expect(after.observed).toEqual({ size: 13, mtime: f.clock.now() });
  });

  it('a touch (same content, new mtime) updates only the observed stat: same record, same sequence', async () => {
    const f = fixture();
    await f.write('a.txt', 'alpha');
    await f.scan();
    const before = (await f.records()).get('a.txt')!;
    f.clock.advance(5_000);

    await f.write('a.txt', 'alpha');
    const result = finished(await f.scan());
    const after = (await f.records()).get('a.txt')!;
    expect(result.changed).toEqual([]);
    expect(synced(after)).toEqual(synced(before));
    expect(after.sequence).toBe(1);
    expect(after.observed).toEqual({ size: 5, mtime: before.mtime + 5_000 });
    expect(await f.store.localSequence(FOLDER)).toBe(1);
    expect(f.hashed).toEqual(['a.txt', 'a.txt']);

    f.hashed.length = 0;
    const next = finished(await f.scan());
    expect(f.hashed).toEqual([]);
    expect(next.changed).toEqual([]);
    expect(next.stats.skippedUnchanged).toBe(1);
  });

  it('a record written by a sync (foreign mtime, observed stat of the file) is unchanged for the next scan', async () => {
    const f = fixture();
    f.clock.advance(90_000);
    await f.write('synced.txt', 'from a peer');
    const disk = (await f.disk.stat('synced.txt'))!;
    const digest = await digestSource(await f.disk.source('synced.txt'));
    const [stored] = await f.store.putLocal(FOLDER, [
      {
        path: 'synced.txt',
        size: digest.size,
        mtime: disk.mtime - 3_600_000, // the author's mtime: the browser could not set it
        hash: digest.hash.slice(),
        chunks: digest.chunks.map((c) => ({ hash: c.hash.slice(), size: c.size })),
        version: { PEER: 7 },
        deleted: false,
        modifiedBy: 'PEER',
        observed: { size: disk.size, mtime: disk.mtime },
      },
    ]);
    f.clock.advance(60_000);

    const result = finished(await f.scan());

    expect(f.hashed).toEqual([]);
    expect(result.changed).toEqual([]);
    expect(result.stats).toMatchObject({ hashedBytes: 0, skippedUnchanged: 1 });
    expect(await f.store.getLocal(FOLDER, 'synced.txt')).toEqual(stored);
    expect(await f.store.localSequence(FOLDER)).toBe(1);
  });

  it('an edit of a synced file (disk differs from the observed stat) gets this device’s version and mtime', async () => {
    const f = fixture();
    await f.write('synced.txt', 'from a peer');
    const disk = (await f.disk.stat('synced.txt'))!;
    const digest = await digestSource(await f.disk.source('synced.txt'));
    await f.store.putLocal(FOLDER, [
      {
        path: 'synced.txt',
        size: digest.size,
        mtime: 1_000,
        hash: digest.hash.slice(),
        chunks: digest.chunks.map((c) => ({ hash: c.hash.slice(), size: c.size })),
        version: { PEER: 7 },
        deleted: false,
        modifiedBy: 'PEER',
        observed: { size: disk.size, mtime: disk.mtime },
      },
    ]);
    f.clock.advance(2_000);
    await f.write('synced.txt', text('edited here'));

    const result = finished(await f.scan());

    expect(result.changed).toMatchObject([
      {
        path: 'synced.txt',
        mtime: f.clock.now(),
        observed: { size: 11, mtime: f.clock.now() },
        version: { PEER: 7, [DEVICE]: SECONDS + 2 },
        modifiedBy: DEVICE,
      },
    ]);
  });

  it('hashes with several files in flight and records them in path order', async () => {
    const f = fixture();
    const names = Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`);
    for (const name of names) await f.write(name, name.repeat(50));
    let inFlight = 0;
    let most = 0;
    const slow: HashFile = async (source) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      const digest = await digestSource(source);
      inFlight--;
      return digest;
    };
    const result = finished(await f.scan(undefined, slow));
    expect(most).toBeGreaterThan(1);
    expect(result.changed.map((r) => r.path)).toEqual(names);
  });
});

describe('scanFolder: deletions', () => {
  it('a deleted file becomes a tombstone with a bumped version', async () => {
    const f = fixture();
    await f.write('a.txt', 'alpha');
    await f.write('b.txt', 'beta');
    await f.scan();
    const before = (await f.records()).get('a.txt')!;
    f.clock.advance(3_000);

    await f.disk.remove('a.txt');
    const result = finished(await f.scan());

    const tomb = (await f.records()).get('a.txt')!;
    expect(result.changed).toEqual([tomb]);
    expect(tomb).toMatchObject({
      deleted: true,
      size: 0,
      chunks: [],
      modifiedBy: DEVICE,
      mtime: f.clock.now(),
    });
    expect(tomb.hash).toEqual(new Uint8Array(0));
    expect(compareVersions(tomb.version, before.version)).toBe('greater');
  });

  it('files deleted while the page was closed become tombstones at the next scan', async () => {
    const f = fixture();
    const gone = ['gone/1.txt', 'gone/2.txt', 'gone/sub/3.txt'];
    for (const name of ['keep.txt', ...gone]) await f.write(name, name);
    await f.scan();
    await f.store.close();
    for (const name of gone) await f.disk.remove(name);
    await f.disk.remove('gone/sub');
    await f.disk.remove('gone');
    f.clock.advance(86_400_000);

    await f.reload();
    const result = finished(await f.scan());

    expect(result.changed.map((r) => [r.path, r.deleted])).toEqual(gone.map((p) => [p, true]));
    expect(result.changed.every((r) => r.version[DEVICE] === SECONDS + 86_400)).toBe(true);
    expect((await f.records()).get('keep.txt')?.deleted).toBe(false);
    expect(f.hashed).toHaveLength(4);
  });

  it('a tombstone stays as it is, and a file back after it gets a version that dominates it', async () => {
    const f = fixture();
    await f.write('a.txt', 'alpha');
    await f.scan();
    await f.disk.remove('a.txt');
    await f.scan();
    const tomb = (await f.records()).get('a.txt')!;

    f.clock.advance(10);
    expect(finished(await f.scan()).changed).toEqual([]);

    await f.write('a.txt', 'alpha again');
    const result = finished(await f.scan());
    const back = (await f.records()).get('a.txt')!;
    expect(result.changed).toEqual([back]);
    expect(back.deleted).toBe(false);
    expect(compareVersions(back.version, tomb.version)).toBe('greater');
    expect(toHex(back.hash)).toBe(await hashOf('alpha again'));
  });
});

describe('scanFolder: an unavailable folder pauses and writes nothing', () => {
  async function indexed() {
    const f = fixture();
    for (const name of ['a.txt', 'b.txt', 'c/d.txt', 'e.txt']) await f.write(name, name);
    await f.scan();
    return { f, before: await f.records() };
  }

  it('a missing marker pauses the scan, even with every file gone', async () => {
    const { f, before } = await indexed();
    for (const name of ['a.txt', 'b.txt', 'c/d.txt', 'e.txt']) await f.disk.remove(name);
    f.disk.removeMarker();

    expect(await f.scan()).toEqual({
      status: 'paused',
      reason: 'marker-missing',
      message: expect.any(String),
    });
    expect(await f.records()).toEqual(before);
    expect(f.hashed).toHaveLength(4);
  });

  it('a listing that fails at once pauses the scan', async () => {
    const { f, before } = await indexed();
    const failing = new FailingVolume(f.disk);
    failing.fail({ operation: 'list' });

    expect(await f.scan(failing)).toMatchObject({ status: 'paused', reason: 'io' });
    expect(await f.records()).toEqual(before);
  });

  it('a listing that fails midway pauses the scan: no tombstones for the files not yet listed', async () => {
    const { f, before } = await indexed();
    await f.write('new.txt', 'new');

    expect(await f.scan(cutListing(f.disk, 2))).toMatchObject({ status: 'paused', reason: 'gone' });
    expect(await f.records()).toEqual(before);
  });

  it('a read failing with VolumeUnavailableError while hashing pauses the scan', async () => {
    const { f, before } = await indexed();
    f.clock.advance(1_000);
    await f.write('a.txt', 'changed');
    await f.disk.remove('e.txt');
    const failing = new FailingVolume(f.disk);
    failing.fail({
      operation: 'read',
      error: new VolumeUnavailableError('permission', 'permission revoked'),
    });

    expect(await f.scan(failing)).toMatchObject({ status: 'paused', reason: 'permission' });
    expect(await f.records()).toEqual(before);
  });
});

describe('scanFolder: .tandemignore', () => {
  it('skips what the rules ignore and indexes the rules file itself', async () => {
    const f = fixture();
    await f.write('.tandemignore', '# comments work\n*.log\nbuild/\n!keep.log\n.tandemignore\n');
    await f.write('a.txt', 'a');
    await f.write('debug.log', 'noise');
    await f.write('keep.log', 'wanted');
    await f.write('sub/trace.LOG', 'noise');
    await f.write('build/out.bin', 'artifact');
    await f.write('build/deep/x.txt', 'artifact');
    await f.write('src/build', 'a file named build is not the directory build/');

    const result = finished(await f.scan());

    expect([...(await f.records()).keys()].sort()).toEqual([
      '.tandemignore',
      'a.txt',
      'keep.log',
      'src/build',
    ]);
    expect(result.problems).toEqual([]);
    expect(result.stats.files).toBe(4);
  });

  it('keeps the record of a file that became ignored, even once it is gone', async () => {
    const f = fixture();
    await f.write('a.log', 'log');
    await f.scan();
    const before = await f.records();

    await f.write('.tandemignore', '*.log\n');
    await f.disk.remove('a.log');
    const result = finished(await f.scan());

    expect(result.changed.map((r) => r.path)).toEqual(['.tandemignore']);
    expect((await f.records()).get('a.log')).toEqual(before.get('a.log'));
  });

  it('a rules file too large to read stops the scan with a problem and writes nothing', async () => {
    const f = fixture();
    await f.write('a.txt', 'a');
    await f.write('.tandemignore', new Uint8Array((1 << 20) + 1).fill(0x61));

    const result = finished(await f.scan());

    expect(result.changed).toEqual([]);
    expect(result.problems).toEqual([
      { path: '.tandemignore', code: 'ignore-file-unreadable', message: expect.stringContaining('1 MiB') },
    ]);
    expect(await f.records()).toEqual(new Map());
  });
});

describe('scanFolder: names that cannot sync', () => {
  it('reports names other systems cannot hold, and indexes the rest', async () => {
    const f = fixture();
    await f.write('fine.txt', 'ok');
    await f.write('a:b.txt', 'colon');
    await f.write('CON.txt', 'reserved');
    await f.write('dir./x.txt', 'trailing dot');
    await f.write('tab\there', 'control');

    const result = finished(await f.scan());

    expect([...(await f.records()).keys()]).toEqual(['fine.txt']);
    expect(result.problems.map((p) => [p.path, p.code])).toEqual([
      ['CON.txt', 'invalid-path'],
      ['a:b.txt', 'invalid-path'],
      ['dir./x.txt', 'invalid-path'],
      ['tab\there', 'invalid-path'],
    ]);
    expect(result.problems[0]!.message).toMatch(/reserved on Windows/);
    expect(result.stats.files).toBe(5);
  });

  it('indexes a name listed in NFD under its NFC form', async () => {
    const f = fixture();
    await f.write('cafe\u0301.txt', 'decomposed');

    const result = finished(await f.scan());

    expect(result.changed.map((r) => r.path)).toEqual(['caf\u00e9.txt']);
    f.hashed.length = 0;
    expect(finished(await f.scan()).changed).toEqual([]);
    expect(f.hashed).toEqual([]);
  });

  it('reports names that differ only by Unicode form and syncs neither', async () => {
    const f = fixture();
    await f.write('caf\u00e9.txt', 'composed');
    await f.write('cafe\u0301.txt', 'decomposed');

    const result = finished(await f.scan());

    expect(result.changed).toEqual([]);
    expect(result.problems.map((p) => p.code)).toEqual(['unicode-collision', 'unicode-collision']);
  });

  it('reports case-only collisions, of files and of directories, and never overwrites either', async () => {
    const f = fixture();
    await f.write('A.txt', 'upper');
    await f.write('Docs/x.txt', 'x');
    await f.write('other.txt', 'other');
    const first = finished(await f.scan());
    expect(first.changed.map((r) => r.path)).toEqual(['A.txt', 'Docs/x.txt', 'other.txt']);
    const before = await f.records();

    await f.write('a.txt', 'lower');
    await f.write('docs/y.txt', 'y');
    const result = finished(await f.scan());

    expect(result.changed).toEqual([]);
    expect(result.problems.map((p) => [p.path, p.code])).toEqual([
      ['A.txt', 'case-collision'],
      ['Docs/x.txt', 'case-collision'],
      ['a.txt', 'case-collision'],
      ['docs/y.txt', 'case-collision'],
    ]);
    expect(result.problems[0]!.message).toContain('"a.txt"');
    expect(await f.records()).toEqual(before);
  });
});

describe('scanFolder: files changing under the scan', () => {
  it('skips and reports a file that changes while being hashed, and takes it at the next scan', async () => {
    const f = fixture();
    await f.write('stable.txt', 'stable');
    await f.write('busy.txt', 'v1');
    const editWhileHashing: HashFile = async (source, path) => {
      if (path === 'busy.txt') await f.write('busy.txt', 'v2');
      return digestSource(source);
    };

    const result = finished(await f.scan(undefined, editWhileHashing));

    expect(result.changed.map((r) => r.path)).toEqual(['stable.txt']);
    expect(result.problems).toEqual([
      { path: 'busy.txt', code: 'changed-while-scanning', message: expect.stringMatching(/next scan/) },
    ]);

    const next = finished(await f.scan());
    expect(next.changed.map((r) => r.path)).toEqual(['busy.txt']);
    expect(toHex(next.changed[0]!.hash)).toBe(await hashOf('v2'));
  });

  it('a file removed between listing and reading is neither indexed nor tombstoned this round', async () => {
    const f = fixture();
    await f.write('a.txt', 'a');
    await f.scan();
    f.clock.advance(1_000);
    await f.write('a.txt', 'a, edited');
    const before = await f.records();
    const removing: HashFile = async (source, path) => {
      await f.disk.remove(path);
      return digestSource(source);
    };

    const result = finished(await f.scan(undefined, removing));

    expect(result.changed).toEqual([]);
    expect(result.problems.map((p) => p.code)).toEqual(['changed-while-scanning']);
    expect(await f.records()).toEqual(before);
    expect(finished(await f.scan()).changed).toMatchObject([{ path: 'a.txt', deleted: true }]);
  });

  it('records the size and mtime of the bytes it hashed, not those listed', async () => {
    const f = fixture();
    await f.write('a.txt', 'one');
    const editAfterListing = wrapListing(f.disk, async function* (entries) {
      yield* entries;
      f.clock.advance(2_000);
      await f.write('a.txt', 'three');
    });

    const result = finished(await f.scan(editAfterListing));

    expect(result.changed).toMatchObject([{ path: 'a.txt', size: 5, mtime: f.clock.now() }]);
    expect(toHex(result.changed[0]!.hash)).toBe(await hashOf('three'));
    f.hashed.length = 0;
    expect(finished(await f.scan()).changed).toEqual([]);
    expect(f.hashed).toEqual([]);
  });
});
