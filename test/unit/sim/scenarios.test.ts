/**
 * Stories of whole clusters, one per rule of the sync engine (issue 3): each sets up the
 * situation, lets the cluster settle, and checks what the people would see.
 */
import { describe, expect, it } from 'vitest';
import { isConflictCopy } from '../../../src/core/model/conflictName.ts';
import { ChangedMeanwhileError } from '../../../src/ports/Volume.ts';
import { createCluster, type Cluster } from '../../../src/sim/index.ts';
import { isCopyOf } from './history.ts';
import { play, type Op } from './randomRun.ts';
import { noise } from '../../support/noise.ts';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

async function cluster(devices = ['a', 'b'], seed = 7): Promise<Cluster> {
  const c = await createCluster({ devices, seed });
  await c.share('docs', devices);
  await c.settle();
  return c;
}

function expectSame(c: Cluster, devices: readonly string[]): void {
  const [first, ...rest] = devices;
  for (const d of rest) expect(c.snapshot(d, 'docs'), `${d} vs ${first}`).toEqual(c.snapshot(first!, 'docs'));
}

/** Byte equality without the matcher's element-by-element diff (slow on megabytes). */
const same = (a: Uint8Array | null, b: Uint8Array) => a !== null && Buffer.compare(a, b) === 0;

const sent = (c: Cluster, d: string) => c.stats()[d]!.bytesSent;

describe('deletes', () => {
  it('a delete made while the other device was off propagates, and is never undone', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'report.txt', text('draft'));
    await c.settle();
    await c.crash('b');
    await c.remove('a', 'docs', 'report.txt');
    await c.settle();
    await c.restart('b');
    await c.settle();
    expect(await c.read('b', 'docs', 'report.txt')).toBeNull();
    expect(await c.read('a', 'docs', 'report.txt')).toBeNull();
  });

  it('a delete made while this page was closed still propagates when it opens', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'old.txt', text('old'));
    await c.settle();
    await c.crash('a');
    await c.remove('a', 'docs', 'old.txt'); // the person deletes it with the page closed
    await c.restart('a');
    await c.settle();
    expect(await c.read('b', 'docs', 'old.txt')).toBeNull();
  });

  it('tombstones are kept 15 months, then forgotten', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'gone.txt', text('x'));
    await c.settle();
    await c.remove('a', 'docs', 'gone.txt');
    await c.settle();
    expect((await c.records('b', 'docs')).get('gone.txt')?.deleted).toBe(true);
    for (const d of ['a', 'b']) await c.crash(d);
    c.clock.advance(14 * 31 * 24 * 3600_000); // 14 months: still kept
    for (const d of ['a', 'b']) await c.restart(d);
    await c.settle();
    expect((await c.records('b', 'docs')).get('gone.txt')?.deleted).toBe(true);
    for (const d of ['a', 'b']) await c.crash(d);
    c.clock.advance(2 * 31 * 24 * 3600_000); // past 15 months
    for (const d of ['a', 'b']) await c.restart(d);
    await c.settle();
    expect((await c.records('a', 'docs')).has('gone.txt')).toBe(false);
    expect((await c.records('b', 'docs')).has('gone.txt')).toBe(false);
  });

  it('an edit concurrent with a delete wins: the file stays, with the edit', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'x.txt', text('v1'));
    await c.settle();
    c.disconnect('a', 'b');
    await c.remove('a', 'docs', 'x.txt');
    await c.write('b', 'docs', 'x.txt', text('v2 by b'));
    await c.settle();
    c.connect('a', 'b');
    await c.settle();
    expect(str(await c.read('a', 'docs', 'x.txt'))).toBe('v2 by b');
    expectSame(c, ['a', 'b']);
    expect([...c.snapshot('a', 'docs').keys()].some(isConflictCopy)).toBe(false);
  });
});

describe('conflicts', () => {
  it('a delete of the version that won a conflict elsewhere stands: the loser is kept, the winner stays deleted', async () => {
    // Found by a 5,000-run property check: the winner's merged version made b's delete of
    // a's content look concurrent, and "an edit beats a delete" brought it back.
    const ops: Op[] = [
      { kind: 'cut', a: 2, b: 0 },
      { kind: 'write', device: 0, path: 0, large: false },
      { kind: 'write', device: 3, path: 1, large: false },
      { kind: 'run', steps: 45 },
      { kind: 'write', device: 0, path: 5, large: true },
      { kind: 'write', device: 4, path: 5, large: false },
      { kind: 'run', steps: 39 },
      { kind: 'remove', device: 1, path: 5 },
    ];
    expect(await play(5, 1800705021, ops)).toEqual([]);
  });

  it('concurrent edits keep both versions, named the same on every device', async () => {
    const c = await cluster(['a', 'b', 'c']);
    await c.write('a', 'docs', 'notes/plan.md', text('base'));
    await c.settle();
    c.partition(['a'], ['b', 'c']);
    await c.write('a', 'docs', 'notes/plan.md', text('from a'));
    await c.write('b', 'docs', 'notes/plan.md', text('from b'));
    await c.settle();
    c.heal();
    await c.settle();
    expectSame(c, ['a', 'b', 'c']);
    const paths = [...c.snapshot('c', 'docs').keys()].sort();
    expect(paths).toHaveLength(2);
    const copy = paths.find((p) => isCopyOf(p, 'notes/plan.md'))!;
    expect(copy).toMatch(/^notes\/plan\.sync-conflict-\d{8}-\d{6}-[A-Z2-7]+\.md$/);
    // The newer edit (b's, made later) keeps the name; a's is the copy.
    expect(str(await c.read('a', 'docs', 'notes/plan.md'))).toBe('from b');
    expect(str(await c.read('a', 'docs', copy))).toBe('from a');
    expect(c.events('a').some((e) => e.type === 'conflict' && e.copyName === copy)).toBe(true);
  });

  it('identical content written on both sides is never a conflict', async () => {
    const c = await cluster();
    c.disconnect('a', 'b');
    await c.write('a', 'docs', 'same.txt', text('same bytes'));
    await c.write('b', 'docs', 'same.txt', text('same bytes'));
    await c.settle();
    c.connect('a', 'b');
    await c.settle();
    expect([...c.snapshot('a', 'docs').keys()]).toEqual(['same.txt']);
    expectSame(c, ['a', 'b']);
  });

  it('a file changed locally while a download of it was under way becomes a conflict, not an overwrite', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'big.bin', noise(600_000, 1));
    await c.settle();
    await c.write('a', 'docs', 'big.bin', noise(600_000, 2));
    await c.run(12); // b starts fetching a's new version…
    await c.write('b', 'docs', 'big.bin', text('b edited it meanwhile'));
    await c.settle();
    expectSame(c, ['a', 'b']);
    const hashes = [...c.snapshot('a', 'docs').values()];
    expect(hashes).toHaveLength(2); // both versions kept
  });

  it('a download refused because the file looked changed, when the rescan finds nothing new, is tried again', async () => {
    // As when a file's stat moves without its content (a touch, an indexer): the commit
    // refuses to replace it, the rescan records no new version, and the edit must still land.
    const c = await cluster();
    await c.write('a', 'docs', 'big.bin', noise(600_000, 1));
    await c.settle();
    const path = 'big.bin';
    const refused = new ChangedMeanwhileError(path, undefined, undefined);
    c.failVolume('b', 'docs', { operation: 'partialCommit', path, error: refused });
    c.failVolume('b', 'docs', { operation: 'writeAtomically', path, error: refused });
    await c.write('a', 'docs', path, noise(600_000, 2));
    await c.settle();
    expect(same(await c.read('b', 'docs', path), noise(600_000, 2))).toBe(true);
    expectSame(c, ['a', 'b']);
  });

  it('a download that ran out of storage space says so, and lands once there is room', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'big.bin', noise(600_000, 1));
    await c.settle();
    // The default fault: an I/O VolumeUnavailableError, as QuotaExceededError becomes.
    c.failVolume('b', 'docs', { operation: 'partialCommit', path: 'big.bin', times: 2 });
    await c.write('a', 'docs', 'big.bin', noise(600_000, 2));
    await c.settle();
    expect(same(await c.read('b', 'docs', 'big.bin'), noise(600_000, 2))).toBe(true);
    const issues = c.events('b').filter((e) => e.type === 'file-issue' && e.path === 'big.bin');
    expect(issues).toHaveLength(2);
  });

  it('a download refused every time backs off and stops, leaving the local file as it was', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'big.bin', noise(600_000, 1));
    await c.settle();
    const refused = new ChangedMeanwhileError('big.bin', undefined, undefined);
    c.failVolume('b', 'docs', { operation: 'partialCommit', error: refused, times: Infinity });
    await c.write('a', 'docs', 'big.bin', noise(600_000, 2));
    await c.settle(); // throws if the engine keeps trying without end
    expect(same(await c.read('b', 'docs', 'big.bin'), noise(600_000, 1))).toBe(true);
  });
});

describe('change detection', () => {
  it('an edit that kept the file’s size and mtime is still synced: the watch named it', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'notes.txt', text('version one'));
    await c.settle();
    c.overwriteKeepingMtime('a', 'docs', 'notes.txt', text('version two'));
    await c.settle();
    expect(str(await c.read('b', 'docs', 'notes.txt'))).toBe('version two');
  });

  it('a scan names the changes it found, the first twenty of them, deletes included', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'gone.txt', text('x'));
    await c.settle();
    await c.crash('a'); // the changes below meet one scan, at the restart
    for (let i = 0; i < 25; i++) await c.write('a', 'docs', `n${i}.txt`, text(`new ${i}`));
    await c.remove('a', 'docs', 'gone.txt');
    await c.restart('a');
    await c.settle();
    const last = c
      .events('a')
      .filter((e) => e.type === 'scanned')
      .at(-1);
    if (last?.type !== 'scanned') throw new Error('no scan was reported');
    expect(last.changed).toBe(26);
    expect(last.paths).toHaveLength(20);
    const all = [...Array.from({ length: 25 }, (_, i) => `n${i}.txt`), 'gone.txt'];
    for (const { path, deleted } of last.paths) {
      expect(all).toContain(path);
      expect(deleted).toBe(path === 'gone.txt');
    }
  });
});

describe('transfer', () => {
  it('a rename is done locally: the content does not travel again', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'photos/big.jpg', noise(2_000_000, 3));
    await c.settle();
    const before = sent(c, 'a');
    await c.rename('a', 'docs', 'photos/big.jpg', 'archive/big.jpg');
    await c.settle();
    expect(await c.read('b', 'docs', 'photos/big.jpg')).toBeNull();
    expect(same(await c.read('b', 'docs', 'archive/big.jpg'), noise(2_000_000, 3))).toBe(true);
    expect(sent(c, 'a') - before).toBeLessThan(20_000); // index records only
  });

  it('only the changed chunks of an edited file travel', async () => {
    const c = await cluster();
    const original = noise(4_000_000, 4);
    await c.write('a', 'docs', 'video.bin', original);
    await c.settle();
    const edited = original.slice();
    edited.set(text('a small edit in the middle'), 2_000_000);
    const before = sent(c, 'a');
    await c.write('a', 'docs', 'video.bin', edited);
    await c.settle();
    expect(same(await c.read('b', 'docs', 'video.bin'), edited)).toBe(true);
    expect(sent(c, 'a') - before).toBeLessThan(600_000); // a chunk or two, not 4 MB
  });

  it('a copy of content the device already holds elsewhere is assembled locally', async () => {
    const c = await cluster();
    const data = noise(1_500_000, 5);
    await c.write('a', 'docs', 'one.bin', data);
    await c.settle();
    const before = sent(c, 'a');
    await c.write('a', 'docs', 'two.bin', data);
    await c.settle();
    expect(same(await c.read('b', 'docs', 'two.bin'), data)).toBe(true);
    expect(sent(c, 'a') - before).toBeLessThan(20_000);
  });

  it('a device fetches one file from several peers at once', async () => {
    const c = await cluster(['a', 'b', 'c']);
    const data = noise(3_000_000, 6);
    c.disconnect('a', 'c');
    c.disconnect('b', 'c');
    await c.write('a', 'docs', 'shared.bin', data);
    await c.settle(); // b has it too now
    const before = { a: sent(c, 'a'), b: sent(c, 'b') };
    c.connect('a', 'c');
    c.connect('b', 'c');
    await c.settle();
    expect(same(await c.read('c', 'docs', 'shared.bin'), data)).toBe(true);
    expect(sent(c, 'a') - before.a).toBeGreaterThan(300_000);
    expect(sent(c, 'b') - before.b).toBeGreaterThan(300_000);
  });

  it('a download cut by a lost connection completes when it comes back', async () => {
    const c = await cluster();
    const data = noise(3_000_000, 7);
    await c.write('a', 'docs', 'movie.bin', data);
    c.cutAfter('a', 'b', 20);
    await c.settle();
    expect(same(await c.read('b', 'docs', 'movie.bin'), data)).toBe(true);
  });

  it('a device that crashes mid-download finishes after restarting', async () => {
    const c = await cluster();
    const data = noise(3_000_000, 8);
    await c.write('a', 'docs', 'movie.bin', data);
    await c.run(30);
    await c.crash('b');
    await c.restart('b');
    await c.settle();
    expect(same(await c.read('b', 'docs', 'movie.bin'), data)).toBe(true);
    expectSame(c, ['a', 'b']);
  });

  it('a folder reports its progress over all files of a round, ending with every file and byte done', async () => {
    const c = await cluster();
    c.disconnect('a', 'b');
    for (let i = 0; i < 5; i++) await c.write('a', 'docs', `f${i}.bin`, noise(400_000, 20 + i));
    await c.settle();
    c.connect('a', 'b');
    await c.settle();
    const rounds = c.events('b').flatMap((e) => (e.type === 'folder-progress' ? [e] : []));
    expect(rounds.length).toBeGreaterThan(1);
    for (const [before, after] of rounds.slice(1).map((e, i) => [rounds[i]!, e] as const)) {
      if (after.bytesTotal === before.bytesTotal)
        expect(after.bytesDone).toBeGreaterThanOrEqual(before.bytesDone);
    }
    expect(rounds.at(-1)).toMatchObject({
      filesDone: 5,
      filesTotal: 5,
      bytesDone: 2_000_000,
      bytesTotal: 2_000_000,
    });
    // The rate is the unit test's (roundProgress.test.ts): here a transfer takes no virtual time.
  });

  it('downloads report per-file progress up to the file size', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'p.bin', noise(1_000_000, 9));
    await c.settle();
    const progress = c.events('b').filter((e) => e.type === 'progress' && e.path === 'p.bin');
    expect(progress.length).toBeGreaterThan(1);
    const last = progress.at(-1)!;
    expect(
      last.type === 'progress' && last.bytesDone === last.bytesTotal && last.bytesTotal === 1_000_000,
    ).toBe(true);
  });

  it('several chains of devices relay a file they do not share directly', async () => {
    const c = await cluster(['a', 'b', 'c']);
    c.disconnect('a', 'c');
    await c.write('a', 'docs', 'relay.txt', text('via b'));
    await c.settle();
    expect(str(await c.read('c', 'docs', 'relay.txt'))).toBe('via b');
  });
});

describe('folders that vanish, ignores, paths', () => {
  it('a folder whose marker is missing pauses instead of deleting everything', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'keep.txt', text('precious'));
    await c.settle();
    c.removeMarker('b', 'docs');
    await c.write('a', 'docs', 'later.txt', text('later'));
    await c.settle();
    expect(str(await c.read('a', 'docs', 'keep.txt'))).toBe('precious');
    expect(c.engine('b')!.folders()[0]!.state.kind).toBe('paused');
    await c.restoreMarker('b', 'docs');
    await c.wait(10_000); // the paused folder looks for its marker now and then

    expect(str(await c.read('b', 'docs', 'later.txt'))).toBe('later');
    expectSame(c, ['a', 'b']);
  });

  it('.tandemignore keeps matching files local, and the ignore file itself syncs', async () => {
    const c = await cluster();
    await c.write('a', 'docs', '.tandemignore', text('*.tmp\nbuild/\n'));
    await c.write('a', 'docs', 'scratch.tmp', text('local only'));
    await c.write('a', 'docs', 'build/out.o', text('local only'));
    await c.write('a', 'docs', 'src/main.c', text('int main;'));
    await c.settle();
    expect([...c.snapshot('b', 'docs').keys()].sort()).toEqual(['.tandemignore', 'src/main.c']);
  });

  it('names that differ only by case are reported and left alone, never overwritten', async () => {
    const c = await cluster();
    await c.write('a', 'docs', 'Readme.txt', text('one'));
    await c.write('a', 'docs', 'README.txt', text('two'));
    await c.settle();
    expect(await c.read('b', 'docs', 'Readme.txt')).toBeNull();
    expect(await c.read('b', 'docs', 'README.txt')).toBeNull();
    const problems = c.events('a').filter((e) => e.type === 'scan-problems');
    expect(JSON.stringify(problems)).toContain('case-collision');
    expect(str(await c.read('a', 'docs', 'README.txt'))).toBe('two');
  });
});

describe('the simulation', () => {
  it('replays exactly from its seed', async () => {
    const run = async () => {
      const c = await cluster(['a', 'b', 'c'], 99);
      await c.write('a', 'docs', 'f.bin', noise(700_000, 10));
      await c.run(15);
      c.cut('a', 'b');
      await c.write('c', 'docs', 'f.bin', text('c'));
      await c.settle();
      return { stats: c.stats(), snapshot: [...c.snapshot('b', 'docs')], now: c.clock.now() };
    };
    expect(await run()).toEqual(await run());
  });

  it('settle throws, naming the seed, when the cluster cannot quiesce in its bounds', async () => {
    const c = await cluster(['a', 'b'], 1234);
    await c.write('a', 'docs', 'x.bin', noise(2_000_000, 11));
    await expect(c.settle({ maxSteps: 3 })).rejects.toThrow(/seed 1234/);
  });
});

describe('cost', () => {
  it('a device whose peer takes in its files does not plan again for each file the peer sends back', async () => {
    const c = await cluster();
    const readsFor = async (tag: string) => {
      const before = c.wholeIndexReads('a');
      for (let i = 0; i < 10; i++) {
        await c.write('a', 'docs', `${tag}${i}.txt`, text(`file ${i}`));
        await c.settle();
      }
      return c.wholeIndexReads('a') - before;
    };
    await c.crash('b');
    const alone = await readsFor('alone');
    await c.restart('b');
    await c.settle();
    const withPeer = await readsFor('shared');
    expectSame(c, ['a', 'b']);
    // b sends back each file it took; none of it is news to a, which plans as if alone.
    expect(withPeer).toBeLessThanOrEqual(alone);
  });
});
