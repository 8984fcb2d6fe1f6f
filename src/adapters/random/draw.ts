/**
 * What the Random adapters share: the port's argument checks, and unbiased integers from
 * a source of uniform 32-bit words.
 */

const TWO_32 = 2 ** 32;

/** Throws the port's `RangeError` unless `n` is a byte count. */
export function checkByteCount(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`cannot make ${n} random bytes`);
}

/**
 * A uniform integer in [0, `max`) from `next32` (uniform in [0, 2³²)), by rejection: words
 * at or above the largest multiple of `max` below 2³² are drawn again, so no value is
 * favoured. Fewer than two draws on average for any `max`.
 */
export function uniformInt(next32: () => number, max: number): number {
  if (!Number.isInteger(max) || max < 1 || max > TWO_32)
    throw new RangeError(`a random integer needs a max from 1 to 2^32, not ${max}`);
  const limit = TWO_32 - (TWO_32 % max);
  for (;;) {
    const word = next32();
    if (word < limit) return word % max;
  }
}
