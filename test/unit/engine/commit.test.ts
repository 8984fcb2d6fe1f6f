import { describe, expect, it } from 'vitest';
import { concatBytes, toHex } from '../../../src/core/content/bytes.ts';
import { ChunkIndex } from '../../../src/core/engine/chunkIndex.ts';
import {
  ChunkVerificationError,
  commitFile,
  InvalidRecordError,
  type CommitProgress,
  type CommitResult,
  type FetchChunk,
} from '../../../src/core/engine/commit.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import {
  ChangedMeanwhileError,
  VolumeUnavailableError,
  type VolumeEntry,
} from '../../../src/ports/Volume.ts';
import { FailingVolume } from '../../../src/adapters/volume/FailingVolume.ts';
import { noise, pair, recordOf, text, toIterable, type Pair } from './commitFixture.ts';

async function listing(p: Pair): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of p.local.list()) paths.push(entry.path);
  return paths;
}

function committed(result: CommitResult): Extract<CommitResult, { status: 'committed' }> {
  if (result.status !== 'committed') throw new Error(`expected committed, got ${JSON.stringify(result)}`);
  return result;
}

/** The error of a failed commit. */
function failure(result: CommitResult): Error {
  if (result.status !== 'failed') throw new Error(`expected failed, got ${result.status}`);
  return result.error;
}

/** Why the record was refused. */
function refusal(result: CommitResult): InvalidRecordError['why'] {
  const error = failure(result);
  if (!(error instanceof InvalidRecordError)) throw new Error(`expected a refusal, got ${error.name}`);
  return error.why;
}

const expectOf = (entry: VolumeEntry | undefined) =>
  entry ? { size: entry.size, mtime: entry.mtime } : 'absent';

/** `bytes` with `count` bytes at `at` flipped. */
function edit(bytes: Uint8Array, at: number, count: number): Uint8Array {
  const out = bytes.slice();
  for (let i = at; i < at + count; i++) out[i] = out[i]! ^ 0xff;
  return out;
}

describe('commitFile: assembling', () => {
  it('a new file is assembled entirely from fetched chunks and matches the remote byte for byte', async () => {
    const p = pair();
    const content = noise(400_000, 1);
    const { record, digest } = await p.put(p.remote.volume, 'big.bin', content);
    expect(record.chunks.length).toBeGreaterThan(2);
    const wishlist = new ChunkIndex().wishlist(record);

    const result = committed(
      await commitFile(
        { volume: p.local, fetchChunk: p.remote.fetcher('big.bin', digest) },
        { record, expect: 'absent', wishlist },
      ),
    );

    expect(await p.read(p.local, 'big.bin')).toEqual(content);
    expect(p.remote.calls.map(([i]) => i)).toEqual(record.chunks.map((_, i) => i));
    expect(result.entry).toMatchObject({ path: 'big.bin', kind: 'file', size: 400_000 });
    expect(result.stats).toEqual({
      fetchedChunks: record.chunks.length,
      fetchedBytes: 400_000,
      reusedChunks: 0,
      reusedBytes: 0,
      resumedChunks: 0,
      resumedBytes: 0,
    });
  });

  it('an edited file reuses unchanged chunks from the local old version and fetches only the changed ones', async () => {
    const p = pair();
    const old = noise(800_000, 2);
    const changed = edit(old, 400_000, 100);
    const { record: oldRecord } = await p.put(p.local, 'doc.bin', old);
    const { record, digest } = await p.put(p.remote.volume, 'doc.bin', changed);
    const wishlist = ChunkIndex.fromRecords([oldRecord]).wishlist(record);
    expect(wishlist.fetchChunks).toBeGreaterThan(0);
    expect(wishlist.fetchChunks).toBeLessThanOrEqual(2);

    const result = committed(
      await commitFile(
        { volume: p.local, fetchChunk: p.remote.fetcher('doc.bin', digest) },
        { record, expect: expectOf(await p.local.stat('doc.bin')), wishlist },
      ),
    );

    expect(await p.read(p.local, 'doc.bin')).toEqual(changed);
    expect(p.remote.calls).toHaveLength(wishlist.fetchChunks);
    expect(result.stats.fetchedBytes).toBe(wishlist.fetchBytes);
    expect(result.stats.reusedBytes).toBe(wishlist.reusedBytes);
    expect(result.stats.fetchedBytes + result.stats.reusedBytes).toBe(800_000);
  });

  it('a renamed file is assembled with zero fetches and the old path is left for the engine', async () => {
    const p = pair();
    const content = noise(300_000, 3);
    const { record: oldRecord } = await p.put(p.local, 'a.bin', content);
    const { record, digest } = await p.put(p.remote.volume, 'renamed/b.bin', content);
    const wishlist = ChunkIndex.fromRecords([oldRecord]).wishlist(record);

    committed(
      await commitFile(
        { volume: p.local, fetchChunk: p.remote.fetcher('renamed/b.bin', digest) },
        { record, expect: 'absent', wishlist },
      ),
    );

    expect(p.remote.calls).toEqual([]);
    expect(await p.read(p.local, 'renamed/b.bin')).toEqual(content);
    expect(await p.read(p.local, 'a.bin')).toEqual(content);
  });

  it('an empty file is committed with no chunks and no fetches', async () => {
    const p = pair();
    const { record, digest } = await p.put(p.remote.volume, 'empty', new Uint8Array(0));
    expect(record.chunks).toEqual([]);

    const result = committed(
      await commitFile(
        { volume: p.local, fetchChunk: p.remote.fetcher('empty', digest) },
        { record, expect: 'absent', wishlist: new ChunkIndex().wishlist(record) },
      ),
    );

    expect(result.entry.size).toBe(0);
    expect(await p.read(p.local, 'empty')).toEqual(new Uint8Array(0));
    expect(p.remote.calls).toEqual([]);
  });

  it('without a wishlist every chunk is fetched', async () => {
    const p = pair();
    const content = noise(200_000, 4);
    const { record, digest } = await p.put(p.remote.volume, 'f', content);
    await commitFile(
      { volume: p.local, fetchChunk: p.remote.fetcher('f', digest) },
      { record, expect: 'absent' },
    );
    expect(await p.read(p.local, 'f')).toEqual(content);
    expect(p.remote.calls).toHaveLength(record.chunks.length);
  });

  it('progress events add up to the file size, one per chunk, in order', async () => {
    const p = pair();
    const content = noise(500_000, 5);
    const { record, digest } = await p.put(p.remote.volume, 'p.bin', content);
    const events: CommitProgress[] = [];

    committed(
      await commitFile(
        { volume: p.local, fetchChunk: p.remote.fetcher('p.bin', digest) },
        { record, expect: 'absent' },
        { onProgress: (e) => events.push(e) },
      ),
    );

    expect(events).toHaveLength(record.chunks.length);
    expect(events.map((e) => e.bytesDone)).toEqual(
      record.chunks.map((_, i) => record.chunks.slice(0, i + 1).reduce((n, c) => n + c.size, 0)),
    );
    expect(events.at(-1)).toEqual({ path: 'p.bin', bytesDone: 500_000, bytesTotal: 500_000 });
  });
});

describe('commitFile: verification', () => {
  it('a corrupt chunk from one source is retried and the second source good chunk is used', async () => {
    const p = pair();
    const content = noise(300_000, 6);
    const { record, digest } = await p.put(p.remote.volume, 'r.bin', content);
    const good = p.remote.fetcher('r.bin', digest);
    const badFirstPeer: FetchChunk = async (chunk, index, attempt) => {
      const bytes = await good(chunk, index, attempt);
      return index === 1 && attempt === 0 ? edit(bytes, 10, 1) : bytes;
    };

    committed(await commitFile({ volume: p.local, fetchChunk: badFirstPeer }, { record, expect: 'absent' }));

    expect(await p.read(p.local, 'r.bin')).toEqual(content);
    expect(p.remote.calls.filter(([i]) => i === 1)).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });

  it('a fetch that rejects is retried', async () => {
    const p = pair();
    const content = noise(100_000, 7);
    const { record, digest } = await p.put(p.remote.volume, 'x', content);
    const good = p.remote.fetcher('x', digest);
    const flaky: FetchChunk = (chunk, index, attempt) =>
      attempt === 0 ? Promise.reject(new Error('peer went away')) : good(chunk, index, attempt);

    committed(await commitFile({ volume: p.local, fetchChunk: flaky }, { record, expect: 'absent' }));
    expect(await p.read(p.local, 'x')).toEqual(content);
  });

  it('a chunk that stays corrupt fails the commit, leaves the old file intact and no temp file listed', async () => {
    const p = pair();
    const old = text('the old version, which must survive');
    await p.put(p.local, 'keep.txt', old);
    const content = noise(300_000, 8);
    const { record, digest } = await p.put(p.remote.volume, 'keep.txt', content);
    const good = p.remote.fetcher('keep.txt', digest);
    const alwaysBad: FetchChunk = async (chunk, index, attempt) => {
      const bytes = await good(chunk, index, attempt);
      return index === 2 ? edit(bytes, 0, 1) : bytes;
    };
    const before = await listing(p);

    const result = await commitFile(
      { volume: p.local, fetchChunk: alwaysBad },
      { record, expect: expectOf(await p.local.stat('keep.txt')) },
      { fetchAttempts: 4 },
    );

    expect(result.status).toBe('failed');
    const error = failure(result);
    expect(error).toBeInstanceOf(ChunkVerificationError);
    expect(error).toMatchObject({ path: 'keep.txt', index: 2, expected: toHex(record.chunks[2]!.hash) });
    expect((error as ChunkVerificationError).actual).not.toBe((error as ChunkVerificationError).expected);
    expect(p.remote.calls.filter(([i]) => i === 2)).toHaveLength(4);
    expect(await p.read(p.local, 'keep.txt')).toEqual(old);
    expect(await listing(p)).toEqual(before);
  });

  it('a chunk of the right hash prefix but wrong length is refused', async () => {
    const p = pair();
    const { record, digest } = await p.put(p.remote.volume, 'x', noise(100_000, 9));
    const good = p.remote.fetcher('x', digest);
    const long: FetchChunk = async (chunk, index, attempt) => {
      const bytes = await good(chunk, index, attempt);
      return new Uint8Array([...bytes, 0]);
    };
    const result = await commitFile({ volume: p.local, fetchChunk: long }, { record, expect: 'absent' });
    expect(result.status).toBe('failed');
    expect(await p.local.stat('x')).toBeUndefined();
  });

  it('a reused local chunk whose file changed since it was indexed is fetched instead', async () => {
    const p = pair();
    const content = noise(300_000, 10);
    const { record: staleRecord } = await p.put(p.local, 'other.bin', content);
    p.clock.advance(1000);
    await p.put(p.local, 'other.bin', noise(300_000, 11)); // edited, not yet rescanned
    const { record, digest } = await p.put(p.remote.volume, 'new.bin', content);
    const wishlist = ChunkIndex.fromRecords([staleRecord]).wishlist(record);
    expect(wishlist.fetchChunks).toBe(0);

    const result = committed(
      await commitFile(
        { volume: p.local, fetchChunk: p.remote.fetcher('new.bin', digest) },
        { record, expect: 'absent', wishlist },
      ),
    );

    expect(await p.read(p.local, 'new.bin')).toEqual(content);
    expect(p.remote.calls).toHaveLength(record.chunks.length);
    expect(result.stats.reusedChunks).toBe(0);
  });

  it('a local chunk whose read fails with changed-meanwhile is fetched instead', async () => {
    const p = pair();
    const content = noise(300_000, 20);
    const { record: oldRecord } = await p.put(p.local, 'same.bin', content);
    const { record, digest } = await p.put(p.remote.volume, 'copy.bin', content);
    const failing = new FailingVolume(p.local);
    // Twice: the block read ahead for every chunk, then the first chunk's own read.
    const changed = new ChangedMeanwhileError('same.bin', undefined, undefined);
    failing.fail({ operation: 'read', error: changed, times: 2 });

    const result = committed(
      await commitFile(
        { volume: failing, fetchChunk: p.remote.fetcher('copy.bin', digest) },
        { record, expect: 'absent', wishlist: ChunkIndex.fromRecords([oldRecord]).wishlist(record) },
      ),
    );

    expect(await p.read(p.local, 'copy.bin')).toEqual(content);
    expect(p.remote.calls).toHaveLength(1);
    expect(result.stats.reusedChunks).toBe(record.chunks.length - 1);
  });

  it('reuses a local file’s chunks with one read per 4 MiB, not one per chunk', async () => {
    const p = pair();
    const content = noise(800_000, 21);
    const { record: oldRecord } = await p.put(p.local, 'old.bin', content);
    const { record, digest } = await p.put(p.remote.volume, 'new.bin', content);
    const reads: number[] = [];
    const counting = {
      writeAtomically: p.local.writeAtomically.bind(p.local),
      source: async (path: string) => {
        const source = await p.local.source(path);
        const read = (offset: number, length: number) => (reads.push(length), source.read(offset, length));
        return { ...source, read };
      },
    };

    committed(
      await commitFile(
        { volume: counting, fetchChunk: p.remote.fetcher('new.bin', digest) },
        { record, expect: 'absent', wishlist: ChunkIndex.fromRecords([oldRecord]).wishlist(record) },
      ),
    );

    expect(await p.read(p.local, 'new.bin')).toEqual(content);
    expect(record.chunks.length).toBeGreaterThan(4);
    expect(reads).toEqual([800_000]);
    expect(p.remote.calls).toHaveLength(0);
  });

  it('reads ahead only the chunks it reuses: nothing of a local file that no chunk needs', async () => {
    const p = pair();
    const [head, tail] = [noise(400_000, 22), noise(400_000, 23)];
    const { record: headRecord } = await p.put(p.local, 'head.bin', concatBytes([head, noise(600_000, 24)]));
    const { record: tailRecord } = await p.put(p.local, 'tail.bin', concatBytes([noise(600_000, 25), tail]));
    const joined = concatBytes([head, tail]);
    const { record, digest } = await p.put(p.remote.volume, 'joined.bin', joined);
    const wishlist = ChunkIndex.fromRecords([headRecord, tailRecord]).wishlist(record);
    let readBytes = 0;
    const counting = {
      writeAtomically: p.local.writeAtomically.bind(p.local),
      source: async (path: string) => {
        const source = await p.local.source(path);
        const read = (offset: number, length: number) => ((readBytes += length), source.read(offset, length));
        return { ...source, read };
      },
    };

    const result = committed(
      await commitFile(
        { volume: counting, fetchChunk: p.remote.fetcher('joined.bin', digest) },
        { record, expect: 'absent', wishlist },
      ),
    );

    expect(await p.read(p.local, 'joined.bin')).toEqual(joined);
    expect(result.stats.reusedBytes).toBeGreaterThan(400_000); // most of both halves
    expect(readBytes).toBe(result.stats.reusedBytes);
  });

  it('a record whose chunk hashes do not derive its file hash is refused before writing', async () => {
    const p = pair();
    const { record, digest } = await p.put(p.remote.volume, 'lie.bin', noise(200_000, 12));
    const forged: FileRecord = { ...record, hash: new Uint8Array(32).fill(1) };

    const result = await commitFile(
      { volume: p.local, fetchChunk: p.remote.fetcher('lie.bin', digest) },
      { record: forged, expect: 'absent' },
    );

    expect(result).toEqual({ status: 'failed', error: expect.any(InvalidRecordError) });
    expect(refusal(result)).toBe('hash-mismatch');
    expect(p.remote.calls).toEqual([]);
    expect(await p.local.stat('lie.bin')).toBeUndefined();
  });

  it('a record whose chunk sizes do not add up to its size, or a tombstone, is refused', async () => {
    const p = pair();
    const { record, digest } = await p.put(p.remote.volume, 'r', noise(50_000, 13));
    const fetchChunk = p.remote.fetcher('r', digest);
    const wrongSize = await commitFile(
      { volume: p.local, fetchChunk },
      { record: { ...record, size: 1 }, expect: 'absent' },
    );
    const tombstone = await commitFile(
      { volume: p.local, fetchChunk },
      { record: { ...record, deleted: true }, expect: 'absent' },
    );
    expect(refusal(wrongSize)).toBe('size-mismatch');
    expect(refusal(tombstone)).toBe('tombstone');
    expect(p.remote.calls).toEqual([]);
  });

  it('a wishlist made for another record is refused', async () => {
    const p = pair();
    const { record, digest } = await p.put(p.remote.volume, 'r', noise(200_000, 14));
    const { record: other } = await recordOf('o', noise(200_000, 15));
    const result = await commitFile(
      { volume: p.local, fetchChunk: p.remote.fetcher('r', digest) },
      { record, expect: 'absent', wishlist: new ChunkIndex().wishlist(other) },
    );
    expect(refusal(result)).toBe('wishlist-mismatch');
  });
});

describe('commitFile: races and failures', () => {
  it('a local file edited after planning is reported changed-meanwhile and the edit stays intact', async () => {
    const p = pair();
    const { record: oldRecord } = await p.put(p.local, 'doc.txt', noise(300_000, 16));
    const planned = expectOf(await p.local.stat('doc.txt'));
    const { record, digest } = await p.put(p.remote.volume, 'doc.txt', noise(300_000, 17));
    const wishlist = ChunkIndex.fromRecords([oldRecord]).wishlist(record);
    const userEdit = text('typed while the download ran');
    const fetch = p.remote.fetcher('doc.txt', digest);
    let edited = false;
    const racing: FetchChunk = async (chunk, index, attempt) => {
      if (!edited) {
        edited = true;
        p.clock.advance(1000);
        await p.local.writeAtomically('doc.txt', toIterable([userEdit]));
      }
      return fetch(chunk, index, attempt);
    };

    const result = await commitFile(
      { volume: p.local, fetchChunk: racing },
      { record, expect: planned, wishlist },
    );

    expect(result).toEqual({ status: 'changed-meanwhile' });
    expect(await p.read(p.local, 'doc.txt')).toEqual(userEdit);
  });

  it('a file created locally where the plan expected nothing is changed-meanwhile', async () => {
    const p = pair();
    const { record, digest } = await p.put(p.remote.volume, 'n', noise(10_000, 18));
    await p.put(p.local, 'n', text('mine'));
    const result = await commitFile(
      { volume: p.local, fetchChunk: p.remote.fetcher('n', digest) },
      { record, expect: 'absent' },
    );
    expect(result).toEqual({ status: 'changed-meanwhile' });
    expect(await p.read(p.local, 'n')).toEqual(text('mine'));
  });

  it('a folder that vanished fails with the volume error, so the engine can pause', async () => {
    const p = pair();
    const { record, digest } = await p.put(p.remote.volume, 'n', noise(10_000, 19));
    p.local.removeMarker();
    const result = await commitFile(
      { volume: p.local, fetchChunk: p.remote.fetcher('n', digest) },
      { record, expect: 'absent' },
    );
    expect(result).toEqual({ status: 'failed', error: expect.any(VolumeUnavailableError) });
  });
});
