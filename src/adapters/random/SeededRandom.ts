/**
 * A deterministic Random for tests and the simulation: the same seed gives the same bytes
 * and integers, in every run and on every platform, so a failing run replays from the seed
 * it prints. Never for secrets.
 *
 * Algorithm: xoshiro128** 1.1 (Blackman and Vigna, "Scrambled linear pseudorandom number
 * generators", 2018; reference C at prng.di.unimi.it), 128 bits of state, period 2¹²⁸ − 1.
 * Its state is seeded as the authors advise, with SplitMix64 from the seed (taken as a
 * 64-bit two's-complement integer): the first output gives state words 0 (low 32 bits) and
 * 1 (high), the second words 2 and 3. `bytes(n)` takes one 32-bit output per 4 bytes,
 * least significant byte first, and drops what is left of the last word; `int(max)`
 * draws 32-bit outputs by rejection (draw.ts). Both advance the same stream.
 */
import type { Random } from '../../ports/Random.ts';
import { checkByteCount, uniformInt } from './draw.ts';

const MASK_64 = (1n << 64n) - 1n;

/** SplitMix64 (Vigna, 2015), on BigInt: runs only when seeding. */
function splitMix64(seed: bigint): () => bigint {
  let x = seed & MASK_64;
  return () => {
    x = (x + 0x9e3779b97f4a7c15n) & MASK_64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
    return z ^ (z >> 31n);
  };
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

export class SeededRandom implements Random {
  /** The seed this stream started from, to print when a run fails. */
  readonly seed: number;
  /** The state words s[0..3] of the reference code (held as int32: only bitwise operators touch them). */
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  /** `seed` is any safe integer (else `RangeError`); negative seeds are fine. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`a seed is a safe integer, not ${seed}`);
    this.seed = seed;
    const next = splitMix64(BigInt(seed));
    const [first, second] = [next(), next()];
    this.#s0 = Number(first & 0xffffffffn);
    this.#s1 = Number(first >> 32n);
    this.#s2 = Number(second & 0xffffffffn);
    this.#s3 = Number(second >> 32n);
    // An all-zero state would give only zeros. SplitMix64 is a bijection of its counter,
    // so two zero outputs in a row cannot happen; guard anyway rather than trust it silently.
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** The next 32-bit output, in [0, 2³²). */
  next32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  bytes(n: number): Uint8Array {
    checkByteCount(n);
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 4) {
      const word = this.next32();
      for (let i = 0; i < 4 && at + i < n; i++) out[at + i] = word >>> (8 * i);
    }
    return out;
  }

  int(max: number): number {
    return uniformInt(() => this.next32(), max);
  }
}
