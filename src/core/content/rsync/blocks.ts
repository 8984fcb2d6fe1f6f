/**
 * A set of old blocks to look for in new data: their weak and strong sums, and a hash
 * table over the weak sums built from typed arrays (bucket heads plus next links), so a
 * lookup costs no allocation. Used by the single-round delta and by every refinement round.
 */
import type { IHasher } from 'hash-wasm';
import { newXXHash128 } from './xxhash.ts';

export interface BlockSet {
  /** Size of the old file the blocks come from. */
  readonly baseSize: number;
  /** Every block is this long, except one that ends at baseSize (the tail). */
  readonly blockSize: number;
  /** Bytes kept of each block's xxhash128. */
  readonly strongLength: number;
  /** Old offset of each block. */
  readonly offsets: Float64Array;
  /** Weak sum of each block (see rollsum.ts). */
  readonly weak: Int32Array;
  /** Strong sums, `strongLength` bytes per block, in block order. */
  readonly strong: Uint8Array;
}

export function blockLength(set: BlockSet, index: number): number {
  return Math.min(set.blockSize, set.baseSize - (set.offsets[index] as number));
}

/** Reusable xxhash128 for block strong sums. */
export class StrongHasher {
  private constructor(private readonly hasher: IHasher) {}

  static async create(): Promise<StrongHasher> {
    return new StrongHasher(await newXXHash128());
  }

  /** The full 16-byte xxhash128 of buf[start, start + len). */
  sum(buf: Uint8Array, start: number, len: number): Uint8Array {
    this.hasher.init();
    this.hasher.update(buf.subarray(start, start + len));
    return this.hasher.digest('binary');
  }
}

/** Lookup structure over a BlockSet. */
export class BlockTable {
  readonly heads: Int32Array;
  readonly next: Int32Array;
  readonly shift: number;
  /** One bit per hash value of the weak sums present: most positions stop at this check. */
  readonly filter: Int32Array;
  readonly filterShift: number;
  /** The short block ending at baseSize, or −1: it can only match at the end of new data. */
  readonly tail: number;

  constructor(readonly set: BlockSet) {
    const count = set.weak.length;
    const bits = Math.max(4, Math.ceil(Math.log2(count * 2 + 1)));
    // ~64 filter bits per block: a miss (nearly every position of changed data) is one
    // well-predicted branch instead of a bucket walk.
    const filterBits = Math.max(10, Math.min(24, Math.ceil(Math.log2(count * 64 + 1))));
    this.filterShift = 32 - (filterBits - 5);
    this.filter = new Int32Array(1 << (filterBits - 5));
    this.shift = 32 - bits;
    this.heads = new Int32Array(1 << bits).fill(-1);
    this.next = new Int32Array(count).fill(-1);
    let tail = -1;
    for (let i = count - 1; i >= 0; i--) {
      if (blockLength(set, i) < set.blockSize) {
        tail = i;
        continue;
      }
      const hash = Math.imul(set.weak[i] as number, 0x9e3779b1);
      this.filter[hash >>> this.filterShift] =
        (this.filter[hash >>> this.filterShift] as number) | (1 << (hash & 31));
      const bucket = hash >>> this.shift;
      // Inserting back to front keeps chains in block order; an exact duplicate of a later
      // block is still inserted before it, so the first occurrence is found first.
      this.next[i] = this.heads[bucket] as number;
      this.heads[bucket] = i;
    }
    this.tail = tail;
  }

  /** Whether `digest` (a full 16-byte xxhash128) agrees with the stored prefix of `entry`. */
  strongMatches(entry: number, digest: Uint8Array): boolean {
    const len = this.set.strongLength;
    const strong = this.set.strong;
    const at = entry * len;
    for (let k = 0; k < len; k++) if (strong[at + k] !== digest[k]) return false;
    return true;
  }

  /**
   * The entry in `weak`'s chain, starting at `first`, whose strong sum matches `digest`;
   * `preferred` (the block that would extend the previous copy) wins when it matches too.
   */
  resolve(first: number, weak: number, digest: Uint8Array, preferred: number): number {
    const weaks = this.set.weak;
    if (
      preferred >= 0 &&
      preferred < weaks.length &&
      preferred !== this.tail &&
      weaks[preferred] === weak &&
      this.strongMatches(preferred, digest)
    ) {
      return preferred;
    }
    for (let e = first; e >= 0; e = this.next[e] as number) {
      if (weaks[e] === weak && this.strongMatches(e, digest)) return e;
    }
    return -1;
  }
}
