import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import { chunkSource, digestSource, type FileDigest } from '../../../src/core/content/chunk.ts';
import { CHUNKING } from '../../../src/core/content/fastcdc.ts';
import { toHex } from '../../../src/core/content/bytes.ts';
import { generatedBytes, generatedSource } from '../../support/generatedSource.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function expectWellFormed(digest: FileDigest, bytes: Uint8Array): void {
  let offset = 0;
  digest.chunks.forEach((chunk, i) => {
    expect(chunk.offset).toBe(offset);
    expect(chunk.size).toBeLessThanOrEqual(CHUNKING.maxSize);
    if (i < digest.chunks.length - 1) expect(chunk.size).toBeGreaterThanOrEqual(CHUNKING.minSize);
    expect(toHex(chunk.hash)).toBe(sha256(bytes.subarray(chunk.offset, chunk.offset + chunk.size)));
    offset += chunk.size;
  });
  expect(offset).toBe(bytes.length);
  const concatenated = Buffer.concat(digest.chunks.map((c) => c.hash));
  expect(toHex(digest.hash)).toBe(sha256(concatenated));
}

/** Chunk hashes of `after` that `before` does not have. */
function newChunkCount(before: FileDigest, after: FileDigest): number {
  const known = new Set(before.chunks.map((c) => toHex(c.hash)));
  return after.chunks.filter((c) => !known.has(toHex(c.hash))).length;
}

describe('content-defined chunking', () => {
  it('cuts a fixed input exactly as the protocol fixes it (golden vector)', async () => {
    const digest = await digestSource(generatedSource(1 << 20, 2026));
    expect(digest.chunks.map((c) => [c.offset, c.size, toHex(c.hash).slice(0, 16)])).toEqual([
      [0, 71426, '44792127809ae421'],
      [71426, 54654, 'ce1eec014661236f'],
      [126080, 80536, 'aaaacd345aa5b217'],
      [206616, 74451, '0c8f398ad0579ea2'],
      [281067, 80548, '04660d30c841f73f'],
      [361615, 70897, '7db2059652bd94cb'],
      [432512, 93571, '8e53a725385a140d'],
      [526083, 76894, '63552574df87d953'],
      [602977, 73379, '7da85815e8af9c8e'],
      [676356, 89613, '3dd2bbf05e5eb767'],
      [765969, 97977, 'ed104d5809cc592d'],
      [863946, 77177, 'a29fab80230cb2f1'],
      [941123, 22558, '6d591aaef6e25780'],
      [963681, 72200, '7198789267d39ae7'],
      [1035881, 12695, 'a064fe4991fe98c3'],
    ]);
    expect(toHex(digest.hash)).toBe('2013d6b8f8926dcf21fad4af0c1560b788e365e5aee703d9a33b15d7615aa28f');
  });

  it('hashes an empty file to the SHA-256 of nothing, with no chunks', async () => {
    const digest = await digestSource(bytesSource(new Uint8Array(0)));
    expect(digest.chunks).toEqual([]);
    expect(toHex(digest.hash)).toBe(sha256(new Uint8Array(0)));
  });

  it('covers every file with contiguous, correctly hashed chunks within the size limits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 << 20 }), fc.integer(), async (size, seed) => {
        const bytes = generatedBytes(size, seed);
        expectWellFormed(await digestSource(bytesSource(bytes)), bytes);
      }),
      { numRuns: 25 },
    );
  });

  it('cuts the same chunks whatever the read window and hashing concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 << 20 }),
        fc.integer({ min: CHUNKING.maxSize, max: 3 << 20 }),
        fc.integer({ min: 1, max: 16 }),
        async (size, windowSize, inFlight) => {
          const source = generatedSource(size, size);
          const reference = await digestSource(source);
          const other = await digestSource(source, { windowSize, inFlight });
          expect(other).toEqual(reference);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('cuts runs of identical bytes at the maximum size', async () => {
    const bytes = new Uint8Array(CHUNKING.maxSize * 3 + 5).fill(7);
    const digest = await digestSource(bytesSource(bytes));
    expect(digest.chunks.map((c) => c.size)).toEqual([
      CHUNKING.maxSize,
      CHUNKING.maxSize,
      CHUNKING.maxSize,
      5,
    ]);
    expectWellFormed(digest, bytes);
  });

  it('changes at most 2 chunk hashes of a 16 MiB file when bytes are inserted near the start', async () => {
    const original = generatedBytes(16 << 20, 16);
    const before = await digestSource(bytesSource(original));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1 << 20 }),
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        async (position, inserted) => {
          const edited = new Uint8Array(original.length + inserted.length);
          edited.set(original.subarray(0, position));
          edited.set(inserted, position);
          edited.set(original.subarray(position), position + inserted.length);
          const after = await digestSource(bytesSource(edited));
          expect(newChunkCount(before, after)).toBeLessThanOrEqual(2);
          expect(after.chunks.length - before.chunks.length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('streams a 2 GiB source in bounded memory', async () => {
    const size = 2 * 1024 ** 3;
    const baseline = process.memoryUsage();
    let peak = 0;
    let bytes = 0;
    let count = 0;
    for await (const chunk of chunkSource(generatedSource(size, 3))) {
      bytes += chunk.size;
      if (++count % 256 === 0) {
        const now = process.memoryUsage();
        peak = Math.max(peak, now.heapUsed - baseline.heapUsed + now.arrayBuffers - baseline.arrayBuffers);
      }
    }
    expect(bytes).toBe(size);
    // Holding the file would cost 2 GiB; the window, carry-over and hashes in flight a few MiB.
    // Garbage collection is lazy, so allow generous slack, still 16× below the file size.
    expect(peak).toBeLessThan(128 * 1024 ** 2);
  }, 240_000);
});
