import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CryptoRandom } from '../../../src/adapters/random/CryptoRandom.ts';
import { SeededRandom } from '../../../src/adapters/random/SeededRandom.ts';
import type { Random } from '../../../src/ports/Random.ts';

/**
 * Pearson's χ² of `counts` against a uniform spread. The bounds the tests compare it with
 * are the values a uniform source exceeds with probability 1e-9 (scipy `chi2.isf(1e-9,
 * df)`), so a CryptoRandom test fails by chance about once in a billion runs.
 */
function chiSquared(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
}
const CHI2_LIMIT = { df9: 60.66, df255: 414.55 };

const adapters: [string, () => Random][] = [
  ['CryptoRandom', () => new CryptoRandom()],
  ['SeededRandom', () => new SeededRandom(20240101)],
];

describe.each(adapters)('%s (Random port)', (_name, make) => {
  it('makes exactly the bytes asked for, past the getRandomValues quota too', () => {
    const random = make();
    for (const n of [0, 1, 3, 4, 5, 16, 65_536, 65_537, 200_000]) {
      const bytes = random.bytes(n);
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect(bytes.length).toBe(n);
    }
    // The tail past the quota is filled too, not left zero.
    expect(
      random
        .bytes(65_536 + 64)
        .subarray(65_536)
        .some((b) => b !== 0),
    ).toBe(true);
  });

  it('gives integers in [0, max) for every max from 1 to 2^32', () => {
    const random = make();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 32 }), (max) => {
        const value = random.int(max);
        return Number.isInteger(value) && value >= 0 && value < max;
      }),
      { numRuns: 2000 },
    );
    expect(random.int(1)).toBe(0);
  });

  it('refuses counts and bounds the port does not allow', () => {
    const random = make();
    for (const n of [-1, 1.5, Number.NaN, Infinity]) expect(() => random.bytes(n)).toThrow(RangeError);
    for (const max of [0, -3, 2.5, 2 ** 32 + 1, Number.NaN, Infinity])
      expect(() => random.int(max)).toThrow(RangeError);
  });

  it('spreads bytes and integers evenly (χ² sanity check)', () => {
    const random = make();
    const byteCounts = new Array<number>(256).fill(0);
    for (const b of random.bytes(256 * 400)) byteCounts[b]!++;
    expect(chiSquared(byteCounts)).toBeLessThan(CHI2_LIMIT.df255);

    const intCounts = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) intCounts[random.int(10)]!++;
    expect(chiSquared(intCounts)).toBeLessThan(CHI2_LIMIT.df9);

    // A max just over 2^31: a biased `word % max` would land in the low half twice as often.
    const max = 2 ** 31 + 2 ** 30;
    let low = 0;
    for (let i = 0; i < 20_000; i++) if (random.int(max) < max / 2) low++;
    expect(Math.abs(low - 10_000)).toBeLessThan(6 * Math.sqrt(5_000)); // 6 σ
  });
});

describe('SeededRandom', () => {
  it('gives the outputs of the reference xoshiro128** seeded by SplitMix64', () => {
    // From the authors' C code (prng.di.unimi.it), seeded as SeededRandom.ts says.
    const reference: [number, number[]][] = [
      [0, [0xdec9045d, 0x9a089d75, 0xab77d362, 0xc3e16405, 0x5c95a8da, 0x60dea056]],
      [42, [0x69e85a2a, 0xf843fad0, 0x0105185f, 0x8a1f1ea6, 0xa66be2a9, 0x9844904e]],
      [-1, [0x1c78f79c, 0x94a7662a, 0x211f3ea0, 0x243a6ba3, 0x03a7fd33, 0x11f80560]],
      [Number.MAX_SAFE_INTEGER, [0x4980a133, 0x4cb68966, 0x277278c2, 0xb0783cff, 0x9b095106, 0x3dc1dbe9]],
    ];
    for (const [seed, outputs] of reference) {
      const random = new SeededRandom(seed);
      expect(outputs.map(() => random.next32())).toEqual(outputs);
    }
  });

  it('makes bytes from 32-bit outputs, least significant byte first, one output per 4 bytes', () => {
    const random = new SeededRandom(42);
    expect([...random.bytes(6)]).toEqual([0x2a, 0x5a, 0xe8, 0x69, 0xd0, 0xfa]);
    // The rest of the second output is dropped: the next byte starts the third.
    expect([...random.bytes(1)]).toEqual([0x5f]);
  });

  it('replays the same stream from the same seed, and another from another seed', () => {
    fc.assert(
      fc.property(
        fc.maxSafeInteger(),
        fc.array(
          fc.oneof(
            fc.nat({ max: 40 }).map((n) => ({ bytes: n })),
            fc.integer({ min: 1, max: 2 ** 32 }).map((max) => ({ max })),
          ),
          {
            maxLength: 20,
          },
        ),
        (seed, calls) => {
          const run = (random: SeededRandom) =>
            calls.map((call) => ('bytes' in call ? [...random.bytes(call.bytes)] : random.int(call.max)));
          expect(run(new SeededRandom(seed))).toEqual(run(new SeededRandom(seed)));
          // The neighbouring seed, still a safe integer at the top of the range.
          const other = seed < Number.MAX_SAFE_INTEGER ? seed + 1 : seed - 1;
          expect(new SeededRandom(seed).bytes(16)).not.toEqual(new SeededRandom(other).bytes(16));
        },
      ),
    );
  });

  it('keeps its seed, to print when a run fails', () => {
    expect(new SeededRandom(1234).seed).toBe(1234);
  });

  it('refuses a seed that is not a safe integer', () => {
    for (const seed of [1.5, Number.NaN, 2 ** 53, -Infinity])
      expect(() => new SeededRandom(seed)).toThrow(RangeError);
  });
});

describe('CryptoRandom', () => {
  /** A getRandomValues that hands out the given 32-bit words (or bytes), and logs each call's size. */
  function scripted(words: number[]) {
    const calls: number[] = [];
    const source = {
      getRandomValues<T extends ArrayBufferView | null>(array: T): T {
        if (array instanceof Uint32Array) array[0] = words.shift()!;
        if (array) calls.push(array.byteLength);
        return array;
      },
    };
    return { source, calls };
  }

  it('fills large requests in getRandomValues calls of at most 65,536 bytes', () => {
    const { source, calls } = scripted([]);
    new CryptoRandom(source).bytes(150_000);
    expect(calls).toEqual([65_536, 65_536, 150_000 - 2 * 65_536]);
  });

  it('draws again rather than favour low values (rejection, not a bare modulo)', () => {
    // For max 3, 2^32 − 1 is the one word past the last whole multiple of 3: it is redrawn.
    const { source, calls } = scripted([2 ** 32 - 1, 5]);
    expect(new CryptoRandom(source).int(3)).toBe(2);
    expect(calls).toEqual([4, 4]);
  });

  it('uses the platform’s crypto by default: two draws of 128 bits differ', () => {
    const random = new CryptoRandom();
    expect(random.bytes(16)).not.toEqual(random.bytes(16));
  });
});
