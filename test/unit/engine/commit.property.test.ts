import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FastCdc } from '../../../src/core/content/fastcdc.ts';
import { ChunkIndex } from '../../../src/core/engine/chunkIndex.ts';
import { commitFile } from '../../../src/core/engine/commit.ts';
import { toHex } from '../../../src/core/content/bytes.ts';
import { pair } from './commitFixture.ts';

// Small chunks, so small contents make many of them and edits leave some untouched.
const chunker = new FastCdc({ minSize: 64, avgSize: 256, maxSize: 1024 });

/** Old content, and new content made from it by a few splices (so they share chunks). */
const contents = fc
  .tuple(
    fc.uint8Array({ maxLength: 6000 }),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 300 }), fc.uint8Array({ maxLength: 300 })), { maxLength: 3 }),
    fc.boolean(),
  )
  .map(([old, splices, unrelated]) => {
    let next = old;
    for (const [at, cut, insert] of splices) {
      const pos = next.length === 0 ? 0 : at % next.length;
      next = new Uint8Array([...next.subarray(0, pos), ...insert, ...next.subarray(pos + cut)]);
    }
    return { old, next: unrelated ? next.reverse() : next };
  });

describe('commitFile: property', () => {
  it('commits exactly the new content and fetches only chunks not present in the old', async () => {
    let reusedChunks = 0;
    let fetchedChunks = 0;
    await fc.assert(
      fc.asyncProperty(contents, async ({ old, next }) => {
        const p = pair();
        const { record: oldRecord } = await p.put(p.local, 'f', old, { chunker });
        const { record, digest } = await p.put(p.remote.volume, 'f', next, { chunker });
        const wishlist = ChunkIndex.fromRecords([oldRecord]).wishlist(record);
        const entry = (await p.local.stat('f'))!;

        const result = await commitFile(
          { volume: p.local, fetchChunk: p.remote.fetcher('f', digest) },
          { record, expect: { size: entry.size, mtime: entry.mtime }, wishlist },
        );

        if (result.status !== 'committed') throw new Error(`not committed: ${result.status}`);
        reusedChunks += result.stats.reusedChunks;
        fetchedChunks += result.stats.fetchedChunks;
        expect(await p.read(p.local, 'f')).toEqual(next);
        const oldHashes = new Set(oldRecord.chunks.map((c) => toHex(c.hash)));
        const fetched = p.remote.calls.map(([i]) => toHex(record.chunks[i]!.hash));
        expect(fetched.every((h) => !oldHashes.has(h))).toBe(true);
        expect(fetched).toHaveLength(record.chunks.filter((c) => !oldHashes.has(toHex(c.hash))).length);
      }),
      { numRuns: 60 },
    );
    // The runs did exercise both paths, so the property is not vacuous.
    expect(reusedChunks).toBeGreaterThan(0);
    expect(fetchedChunks).toBeGreaterThan(0);
  });
});
