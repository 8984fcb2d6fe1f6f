/**
 * A FileDigest packed into three flat buffers so it crosses a worker boundary as
 * transferables, not as thousands of structured-cloned objects:
 *
 * - `hashes`:  chunk hash i at bytes [32·i, 32·i + 32);
 * - `offsets`: Float64Array (exact for offsets up to 2^53), one per chunk;
 * - `sizes`:   Uint32Array, one per chunk.
 *
 * `unpackDigest` rebuilds chunks whose hashes are views into `hashes`: no copies.
 */
import type { Chunk, FileDigest } from '../../core/content/chunk.ts';
import { HASH_SIZE } from '../../core/content/hash.ts';

export interface PackedDigest {
  readonly size: number;
  readonly hash: Uint8Array<ArrayBuffer>;
  readonly hashes: Uint8Array<ArrayBuffer>;
  readonly offsets: Float64Array<ArrayBuffer>;
  readonly sizes: Uint32Array<ArrayBuffer>;
}

export function packDigest(digest: FileDigest): PackedDigest {
  const n = digest.chunks.length;
  const hashes = new Uint8Array(n * HASH_SIZE);
  const offsets = new Float64Array(n);
  const sizes = new Uint32Array(n);
  digest.chunks.forEach((chunk, i) => {
    hashes.set(chunk.hash, i * HASH_SIZE);
    offsets[i] = chunk.offset;
    sizes[i] = chunk.size;
  });
  // A copy: the file hash may be a view into a hasher's memory, which cannot be transferred.
  return { size: digest.size, hash: digest.hash.slice(), hashes, offsets, sizes };
}

/** The buffers to list in a transfer; the packed digest is unusable on the sending side after. */
export function transferablesOf(packed: PackedDigest): ArrayBuffer[] {
  return [packed.hash.buffer, packed.hashes.buffer, packed.offsets.buffer, packed.sizes.buffer];
}

export function unpackDigest(packed: PackedDigest): FileDigest {
  const chunks: Chunk[] = [];
  for (let i = 0; i < packed.sizes.length; i++) {
    chunks.push({
      offset: packed.offsets[i] ?? 0,
      size: packed.sizes[i] ?? 0,
      hash: packed.hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE),
    });
  }
  return { size: packed.size, hash: packed.hash, chunks };
}
