import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FailingVolume } from '../../../src/adapters/volume/FailingVolume.ts';
import { NodeVolume } from '../../../src/adapters/volume/NodeVolume.ts';
import { toHex } from '../../../src/core/content/bytes.ts';
import { ChunkIndex } from '../../../src/core/engine/chunkIndex.ts';
import {
  abandonDownload,
  commitFile,
  reconcilePartials,
  type CommitDeps,
  type CommitOptions,
  type CommitPlan,
  type CommitProgress,
  type CommitResult,
  type FetchChunk,
} from '../../../src/core/engine/commit.ts';
import type { Volume } from '../../../src/ports/Volume.ts';
import {
  disconnectAt,
  FOLDER,
  hangAt,
  Journal,
  noise,
  pair,
  partialsOf,
  smallChunks,
  stuckAt,
  text,
  toIterable,
} from './commitFixture.ts';

function committed(result: CommitResult): Extract<CommitResult, { status: 'committed' }> {
  if (result.status !== 'committed') throw new Error(`expected committed, got ${JSON.stringify(result)}`);
  return result;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A remote file of ~30 small chunks, a local volume to download it to, and a journal. */
async function download(content = noise(40_000, 1), path = 'big.bin') {
  const p = pair();
  const { record, digest } = await p.put(p.remote.volume, path, content, smallChunks);
  const journal = new Journal();
  const good = p.remote.fetcher(path, digest);
  const n = record.chunks.length;
  /** Runs one commit of `record`; counts only this run's fetches. */
  const commit = async (
    fetchChunk: FetchChunk = good,
    options: CommitOptions = {},
    volume: CommitDeps['volume'] = p.local,
    plan: Partial<CommitPlan> = {},
  ) => {
    p.remote.calls.length = 0;
    const result = await commitFile(
      { volume, fetchChunk, resume: journal.resume },
      { record, expect: 'absent', ...plan },
      options,
    );
    return { result, fetched: p.remote.calls.map(([i]) => i) };
  };
  return { p, record, content, journal, good, n, commit, path };
}

describe('commitFile: resuming a download', () => {
  it('a download cut after k of n chunks resumes with only the n - k missing ones', async () => {
    const d = await download();
    expect(d.n).toBeGreaterThan(20);
    const k = 12;

    const first = await d.commit(disconnectAt(d.good, k));
    expect(first.result).toMatchObject({ status: 'failed', error: { message: 'the peer disconnected' } });
    expect(await d.p.local.stat(d.path)).toBeUndefined();
    expect(await d.journal.chunksDone(d.path)).toEqual(range(0, k));
    expect((await partialsOf(d.p.local)).map((p) => [p.path, p.key])).toEqual([
      [d.path, toHex(d.record.hash)],
    ]);

    const events: CommitProgress[] = [];
    const second = await d.commit(d.good, { onProgress: (e) => events.push(e) });
    const { stats } = committed(second.result);
    expect(second.fetched.sort((a, b) => a - b)).toEqual(range(k, d.n));
    expect(stats).toMatchObject({ resumedChunks: k, fetchedChunks: d.n - k, reusedChunks: 0 });
    expect(stats.resumedBytes + stats.fetchedBytes).toBe(d.record.size);
    expect(events.at(-1)).toEqual({ path: d.path, bytesDone: d.record.size, bytesTotal: d.record.size });
    expect(await d.p.read(d.p.local, d.path)).toEqual(d.content);
    expect(await partialsOf(d.p.local)).toEqual([]);
    expect(await d.journal.chunksDone(d.path)).toBeUndefined();
  });

  it('after a restart (a new store on the same backing, the same volume) the download resumes', async () => {
    const d = await download();
    const k = 15;
    // The page is killed while chunk k and later are in flight: the commit never returns.
    const crash = stuckAt(d.record, k);
    void d.commit(hangAt(d.good, k), { journalEvery: { chunks: 4 }, onProgress: crash.onProgress });
    await crash.stuck();
    await d.journal.restart();

    const journaled = (await d.journal.chunksDone(d.path))!;
    // Journaled in batches of 4: at most 3 chunks written since the last batch are lost.
    expect(journaled.length).toBeGreaterThan(k - 4);
    expect(journaled.every((i) => i < k)).toBe(true);
    const second = await d.commit();
    expect(committed(second.result).stats.resumedChunks).toBe(journaled.length);
    expect(second.fetched).toHaveLength(d.n - journaled.length);
    expect(await d.p.read(d.p.local, d.path)).toEqual(d.content);
  });

  it('a chunk corrupted in the partial file is fetched again', async () => {
    const d = await download();
    const k = 10;
    await d.commit(disconnectAt(d.good, k));
    const [partial] = await partialsOf(d.p.local);
    const offset = d.record.chunks.slice(0, 3).reduce((n, c) => n + c.size, 0);
    await partial!.write(offset + 5, text('bit rot'));

    const second = await d.commit();
    expect(second.fetched.sort((a, b) => a - b)).toEqual([3, ...range(k, d.n)]);
    expect(committed(second.result).stats.resumedChunks).toBe(k - 1);
    expect(await d.p.read(d.p.local, d.path)).toEqual(d.content);
  });

  it('a write torn by a power cut, though journaled, is fetched again', async () => {
    const d = await download();
    const failing = new FailingVolume(d.p.local);
    let writes = 0;
    const tearSecond: FetchChunk = async (chunk, index, attempt) => {
      if (++writes === 2) failing.fail({ operation: 'partialWrite', torn: true });
      return d.good(chunk, index, attempt);
    };
    await d.commit(disconnectAt(tearSecond, 8), { inFlight: 1 }, failing);
    expect(await d.journal.chunksDone(d.path)).toEqual(range(0, 8));

    const second = await d.commit();
    expect(second.fetched.sort((a, b) => a - b)).toEqual([1, ...range(8, d.n)]);
    expect(await d.p.read(d.p.local, d.path)).toEqual(d.content);
  });

  it('a partial write that fails stops the download; the chunks written before it are kept', async () => {
    const d = await download();
    const failing = new FailingVolume(d.p.local);
    const failSixth: FetchChunk = async (chunk, index, attempt) => {
      if (index === 5) failing.fail({ operation: 'partialWrite' });
      return d.good(chunk, index, attempt);
    };
    const first = await d.commit(failSixth, { inFlight: 1 }, failing);
    expect(first.result.status).toBe('failed');
    expect(await d.journal.chunksDone(d.path)).toEqual(range(0, 5));

    const second = await d.commit();
    expect(second.fetched).toHaveLength(d.n - 5);
    expect(await d.p.read(d.p.local, d.path)).toEqual(d.content);
  });

  it('a journal for another version of the path starts fresh and drops the old partial', async () => {
    const d = await download();
    await d.commit(disconnectAt(d.good, 10));
    const { record: newer, digest } = await d.p.put(d.p.remote.volume, d.path, noise(40_000, 2), smallChunks);
    const fetchNewer = d.p.remote.fetcher(d.path, digest);

    d.p.remote.calls.length = 0;
    const cut = await commitFile(
      { volume: d.p.local, fetchChunk: disconnectAt(fetchNewer, 4), resume: d.journal.resume },
      { record: newer, expect: 'absent' },
    );
    expect(cut.status).toBe('failed');
    expect(d.p.remote.calls.map(([i]) => i)).toEqual(range(0, 4));
    expect((await partialsOf(d.p.local)).map((p) => p.key)).toEqual([toHex(newer.hash)]);
    expect(await d.journal.store.getJournal(FOLDER, d.path)).toMatchObject({
      hash: newer.hash,
      chunksDone: range(0, 4),
    });
  });

  it('a record of one chunk is written directly, and drops a partial of another version', async () => {
    const d = await download();
    await d.commit(disconnectAt(d.good, 10));
    const small = text('now a small file');
    const { record, digest } = await d.p.put(d.p.remote.volume, d.path, small);
    expect(record.chunks).toHaveLength(1);

    committed(
      await commitFile(
        { volume: d.p.local, fetchChunk: d.p.remote.fetcher(d.path, digest), resume: d.journal.resume },
        { record, expect: 'absent' },
      ),
    );
    expect(await d.p.read(d.p.local, d.path)).toEqual(small);
    expect(await partialsOf(d.p.local)).toEqual([]);
    expect(await d.journal.chunksDone(d.path)).toBeUndefined();
  });

  it('a local edit during the download is changed-meanwhile; the partial stays and needs no fetch later', async () => {
    const d = await download();
    const oldBytes = text('the local version');
    await d.p.put(d.p.local, d.path, oldBytes);
    const planned = (await d.p.local.stat(d.path))!;
    const userEdit = text('typed while the download ran');
    let edited = false;
    const racing: FetchChunk = async (chunk, index, attempt) => {
      if (!edited) {
        edited = true;
        d.p.clock.advance(1000);
        await d.p.local.writeAtomically(d.path, toIterable([userEdit]));
      }
      return d.good(chunk, index, attempt);
    };
    const expect1 = { size: planned.size, mtime: planned.mtime };

    const first = await d.commit(racing, {}, d.p.local, { expect: expect1 });
    expect(first.result).toEqual({ status: 'changed-meanwhile' });
    expect(await d.p.read(d.p.local, d.path)).toEqual(userEdit);
    expect(await d.journal.chunksDone(d.path)).toEqual(range(0, d.n));

    // The engine keeps the edit aside, then commits the same version again.
    await d.p.local.rename(d.path, 'big.sync-conflict.bin');
    const second = await d.commit(d.good, {}, d.p.local, { expect: 'absent' });
    expect(committed(second.result).stats.resumedChunks).toBe(d.n);
    expect(second.fetched).toEqual([]);
    expect(await d.p.read(d.p.local, d.path)).toEqual(d.content);
  });

  it('reuses local chunks into the partial file as well, and resumes them', async () => {
    const d = await download();
    const { record: oldRecord } = await d.p.put(
      d.p.local,
      'old.bin',
      d.content.slice(0, 20_000),
      smallChunks,
    );
    const wishlist = ChunkIndex.fromRecords([oldRecord]).wishlist(d.record);
    expect(wishlist.reusedChunks).toBeGreaterThan(5);

    const first = await d.commit(disconnectAt(d.good, d.n - 3), {}, d.p.local, { wishlist });
    expect(first.fetched.length).toBeLessThan(d.n - wishlist.reusedChunks);
    const second = await d.commit(d.good, {}, d.p.local, { wishlist });
    expect(second.fetched).toEqual(range(d.n - 3, d.n));
    expect(committed(second.result).stats.reusedChunks).toBe(0);
    expect(await d.p.read(d.p.local, d.path)).toEqual(d.content);
  });

  it('journals in batches, never once per chunk', async () => {
    const d = await download();
    committed((await d.commit(d.good, { journalEvery: { chunks: 8 } })).result);
    // The first entry, one per 8 chunks, none at the end but the delete.
    expect(d.journal.calls.putJournal).toBeLessThanOrEqual(1 + Math.floor(d.n / 8));
    expect(d.journal.calls.deleteJournal).toBe(1);

    const e = await download();
    committed((await e.commit()).result);
    expect(e.journal.calls).toEqual({ putJournal: 1, deleteJournal: 1 });
  });

  it('without a journal no partial file is made, even when the download fails', async () => {
    const d = await download();
    const result = await commitFile(
      { volume: d.p.local, fetchChunk: disconnectAt(d.good, 5) },
      { record: d.record, expect: 'absent' },
    );
    expect(result.status).toBe('failed');
    expect(await partialsOf(d.p.local)).toEqual([]);
  });
});

describe('partial downloads: giving up and sweeping', () => {
  it('abandonDownload leaves no partial file and no journal entry', async () => {
    const d = await download();
    await d.commit(disconnectAt(d.good, 10));
    await abandonDownload(d.p.local, d.journal.resume, d.path);
    expect(await partialsOf(d.p.local)).toEqual([]);
    expect(await d.journal.chunksDone(d.path)).toBeUndefined();
  });

  it('reconcilePartials discards partials no entry names, and forgets entries without a partial', async () => {
    const d = await download();
    await d.commit(disconnectAt(d.good, 10));
    const volume = d.p.local;
    await (await volume.openPartial('orphan.bin', 'ab'.repeat(32))).write(0, text('no entry'));
    await d.journal.store.putJournal({
      folder: FOLDER,
      path: 'lost.bin',
      hash: new Uint8Array(32),
      size: 10,
      chunksDone: [0],
    });

    expect(await reconcilePartials(volume, { folder: FOLDER, journal: d.journal.store })).toEqual({
      discarded: 1,
      forgotten: 1,
    });
    expect((await partialsOf(volume)).map((p) => p.path)).toEqual([d.path]);
    expect((await d.journal.store.journal(FOLDER)).map((e) => e.path)).toEqual([d.path]);
    expect((await d.commit()).fetched).toHaveLength(d.n - 10);
  });
});

describe('commitFile: resuming on a NodeVolume', () => {
  const made: string[] = [];
  afterAll(async () => {
    await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('resumes after the NodeVolume is made again on the same folder, and leaves nothing behind', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tandem-resume-'));
    made.push(root);
    const first: Volume = new NodeVolume(root);
    await first.placeMarker();
    const d = await download();
    const k = 9;
    await d.commit(disconnectAt(d.good, k), {}, first);
    await d.journal.restart();

    const second = await d.commit(d.good, {}, new NodeVolume(root));
    expect(committed(second.result).stats.resumedChunks).toBe(k);
    expect(second.fetched).toHaveLength(d.n - k);
    expect(await d.p.read(d.p.local, d.path)).toBeUndefined();
    const source = await new NodeVolume(root).source(d.path);
    expect(await source.read(0, source.size)).toEqual(d.content);
    expect(await readdir(join(root, '.tandem.partials'))).toEqual([]);
  });
});
