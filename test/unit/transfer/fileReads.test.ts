import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, FileReads } from '../../../src/core/transfer/fileReads.ts';
import { ChangedMeanwhileError, type FileSource, type Volume } from '../../../src/ports/Volume.ts';

/** A volume of files made of `bytes`, counting what it opens and reads. */
function countingVolume(files: Record<string, Uint8Array>) {
  const opened: string[] = [];
  const reads: { path: string; offset: number; length: number }[] = [];
  let changed = new Set<string>();
  const volume: Pick<Volume, 'source'> = {
    async source(path): Promise<FileSource> {
      opened.push(path);
      const bytes = files[path]!;
      const version = changed;
      return {
        size: bytes.length,
        mtime: 1,
        read: async (offset, length) => {
          if (version !== changed && changed.has(path))
            throw new ChangedMeanwhileError(path, undefined, undefined);
          reads.push({ path, offset, length });
          return bytes.slice(offset, offset + length);
        },
      };
    },
  };
  return {
    volume,
    opened,
    reads,
    change(path: string, bytes: Uint8Array) {
      files[path] = bytes;
      changed = new Set([...changed, path]);
    },
  };
}

function noise(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Chunk boundaries of a file of `size`, 40–90 KiB apart, as a content-defined chunker gives. */
function chunksOf(size: number): { offset: number; size: number }[] {
  const out = [];
  for (let at = 0, i = 0; at < size; i++) {
    const length = Math.min(size - at, 40_000 + ((i * 7919) % 50_000));
    out.push({ offset: at, size: length });
    at += length;
  }
  return out;
}

describe('FileReads', () => {
  it('reads a file requested in order a block at a time, 16 requests in flight, opening it once', async () => {
    const size = 10 * 1024 * 1024 + 12_345;
    const file = noise(size, 1);
    const world = countingVolume({ 'big.bin': file });
    const reads = new FileReads();
    const chunks = chunksOf(size);
    const got: Uint8Array[] = new Array(chunks.length);
    for (let i = 0; i < chunks.length; i += 16) {
      await Promise.all(
        chunks.slice(i, i + 16).map(async (c, k) => {
          got[i + k] = (
            await reads.read(world.volume, { folder: 'F', path: 'big.bin', offset: c.offset, size: c.size })
          ).bytes;
        }),
      );
    }
    expect(Buffer.concat(got).equals(Buffer.from(file))).toBe(true);
    expect(world.opened).toEqual(['big.bin']);
    // A block per 4 MiB, and one more per block end a chunk straddles.
    expect(world.reads.length).toBeLessThanOrEqual(2 * Math.ceil(size / BLOCK_SIZE));
  });

  it('reads scattered requests alone: never more bytes than asked for', async () => {
    const file = noise(8 * 1024 * 1024, 2);
    const world = countingVolume({ 'f.bin': file });
    const reads = new FileReads();
    for (const offset of [5_000_000, 100_000, 7_000_000]) {
      const { bytes } = await reads.read(world.volume, {
        folder: 'F',
        path: 'f.bin',
        offset: offset,
        size: 65_536,
      });
      expect(Buffer.from(bytes).equals(Buffer.from(file.subarray(offset, offset + 65_536)))).toBe(true);
    }
    expect(world.reads.map((r) => r.length)).toEqual([65_536, 65_536, 65_536]);
  });

  it('opens a file again when the version kept open reports a change, and serves the new bytes', async () => {
    const [before, after] = [noise(5 << 20, 4), noise(5 << 20, 5)];
    const world = countingVolume({ 'a.bin': before });
    const reads = new FileReads();
    expect((await reads.read(world.volume, { folder: 'F', path: 'a.bin', offset: 0, size: 10 })).fresh).toBe(
      true,
    );
    world.change('a.bin', after);
    // From the block read before the change: that version's bytes, as the port allows.
    const kept = await reads.read(world.volume, { folder: 'F', path: 'a.bin', offset: 10, size: 10 });
    expect([kept.fresh, Array.from(kept.bytes)]).toEqual([false, Array.from(before.subarray(10, 20))]);
    // Past the block, the kept version's read is refused: opened again, the new bytes.
    const again = await reads.read(world.volume, { folder: 'F', path: 'a.bin', offset: 4_500_000, size: 10 });
    expect([again.fresh, Array.from(again.bytes)]).toEqual([
      true,
      Array.from(after.subarray(4_500_000, 4_500_010)),
    ]);
    expect(world.opened).toEqual(['a.bin', 'a.bin']);
  });

  it('forgets a file on request, and keeps at most eight files open', async () => {
    const files = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, noise(100, i)]));
    const world = countingVolume(files);
    const reads = new FileReads();
    for (let i = 0; i < 9; i++)
      await reads.read(world.volume, { folder: 'F', path: `f${i}`, offset: 0, size: 10 });
    await reads.read(world.volume, { folder: 'F', path: 'f8', offset: 10, size: 10 }); // kept
    await reads.read(world.volume, { folder: 'F', path: 'f0', offset: 10, size: 10 }); // the least recently used: closed
    reads.forget('F', 'f8');
    await reads.read(world.volume, { folder: 'F', path: 'f8', offset: 20, size: 10 });
    expect(world.opened.filter((p) => p === 'f0')).toHaveLength(2);
    expect(world.opened.filter((p) => p === 'f8')).toHaveLength(2);
  });

  it('returns exactly the file’s bytes for any sequence of requests, in order or not', async () => {
    const size = 9 * 1024 * 1024;
    const file = noise(size, 3);
    const request = fc.record({
      offset: fc.oneof(fc.integer({ min: 0, max: size }), fc.constant(0)),
      size: fc.integer({ min: 1, max: 300_000 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 40 }), async (requests) => {
        const world = countingVolume({ f: file });
        const reads = new FileReads();
        await Promise.all(
          requests.map(async (r) => {
            const { bytes } = await reads.read(world.volume, {
              folder: 'F',
              path: 'f',
              offset: r.offset,
              size: r.size,
            });
            const want = file.subarray(r.offset, Math.min(size, r.offset + r.size));
            expect(Buffer.from(bytes).equals(Buffer.from(want))).toBe(true);
          }),
        );
      }),
      { numRuns: 60 },
    );
  });
});
