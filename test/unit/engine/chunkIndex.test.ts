import { describe, expect, it } from 'vitest';
import { ChunkIndex } from '../../../src/core/engine/chunkIndex.ts';
import type { ChunkRef, FileRecord } from '../../../src/core/model/fileRecord.ts';

const chunk = (tag: number, size: number): ChunkRef => ({ hash: new Uint8Array(32).fill(tag), size });

function record(path: string, chunks: readonly ChunkRef[], deleted = false): FileRecord {
  return {
    path,
    size: chunks.reduce((n, c) => n + c.size, 0),
    mtime: 0,
    hash: new Uint8Array(32),
    chunks,
    version: { DEVA: 1 },
    deleted,
    sequence: 1,
    modifiedBy: 'DEVA',
  };
}

describe('ChunkIndex', () => {
  it('locates every chunk of the local records at its path and offset', () => {
    const index = ChunkIndex.fromRecords([
      record('a', [chunk(1, 10), chunk(2, 20)]),
      record('dir/b', [chunk(3, 5), chunk(2, 20)]),
    ]);
    expect(index.locate(chunk(1, 10).hash)).toEqual([{ path: 'a', offset: 0, size: 10 }]);
    expect(index.locate(chunk(2, 20).hash)).toEqual([
      { path: 'a', offset: 10, size: 20 },
      { path: 'dir/b', offset: 5, size: 20 },
    ]);
    expect(index.locate(chunk(9, 1).hash)).toEqual([]);
    expect(index.size).toBe(3);
  });

  it('a chunk repeated within one file is located at each of its offsets', () => {
    const index = ChunkIndex.fromRecords([record('a', [chunk(1, 4), chunk(1, 4), chunk(1, 4)])]);
    expect(index.locate(chunk(1, 4).hash).map((l) => l.offset)).toEqual([0, 4, 8]);
  });

  it('adding a record again replaces what the index knew of its path', () => {
    const index = ChunkIndex.fromRecords([record('a', [chunk(1, 10), chunk(2, 10)])]);
    index.add(record('a', [chunk(3, 10), chunk(2, 10)]));
    expect(index.locate(chunk(1, 10).hash)).toEqual([]);
    expect(index.locate(chunk(2, 10).hash)).toEqual([{ path: 'a', offset: 10, size: 10 }]);
    expect(index.locate(chunk(3, 10).hash)).toEqual([{ path: 'a', offset: 0, size: 10 }]);
  });

  it('a tombstone or a removal forgets the path and keeps other files', () => {
    const index = ChunkIndex.fromRecords([
      record('a', [chunk(1, 10)]),
      record('b', [chunk(1, 10), chunk(2, 1)]),
    ]);
    index.add(record('a', [], true));
    expect(index.locate(chunk(1, 10).hash)).toEqual([{ path: 'b', offset: 0, size: 10 }]);
    index.remove('b');
    index.remove('never-there');
    expect(index.size).toBe(0);
  });

  it('tombstones in the initial records hold no chunks', () => {
    const index = ChunkIndex.fromRecords([record('gone', [chunk(1, 10)], true)]);
    expect(index.size).toBe(0);
  });

  it('the wishlist takes each chunk from a local file when one has it and counts the bytes to fetch', () => {
    const index = ChunkIndex.fromRecords([record('old', [chunk(1, 10), chunk(2, 20)])]);
    const wanted = record('new', [chunk(2, 20), chunk(7, 30), chunk(1, 10), chunk(8, 5)]);

    const wishlist = index.wishlist(wanted);

    expect(wishlist.entries).toEqual([
      { chunk: chunk(2, 20), local: { path: 'old', offset: 10, size: 20 } },
      { chunk: chunk(7, 30), missing: true },
      { chunk: chunk(1, 10), local: { path: 'old', offset: 0, size: 10 } },
      { chunk: chunk(8, 5), missing: true },
    ]);
    expect(wishlist).toMatchObject({ fetchBytes: 35, fetchChunks: 2, reusedBytes: 30, reusedChunks: 2 });
  });

  it('a local chunk with the same hash but another size is not used', () => {
    const index = ChunkIndex.fromRecords([record('old', [chunk(1, 10)])]);
    expect(index.wishlist(record('new', [chunk(1, 11)])).entries).toEqual([
      { chunk: chunk(1, 11), missing: true },
    ]);
  });

  it('an empty file wishes for nothing', () => {
    expect(new ChunkIndex().wishlist(record('e', []))).toEqual({
      entries: [],
      fetchBytes: 0,
      fetchChunks: 0,
      reusedBytes: 0,
      reusedChunks: 0,
    });
  });
});
