/**
 * Which coded symbols an item goes into. Each item owns a deterministic, increasing
 * sequence of symbol indices that contains index i with probability ρ(i) = 1/(1 + i/2)
 * (Yang, Gilad, Alizadeh, "Practical Rateless Set Reconciliation", SIGCOMM 2024): every
 * item is in symbol 0, half of them in symbol 2, and the density thins slowly, so any
 * prefix of the endless stream is a good IBLT for differences of about its own length.
 *
 * Sampling the gap. From index i, P(next > i + g) = ∏_{j=i+1}^{i+g} (1 − ρ(j))
 * = (i+1)(i+2) / ((i+g+1)(i+g+2)). With v uniform in (0, 1], the inverse transform gives
 * the next index as i + g, g = ⌊√((i+1)(i+2)/v + 1/4) − 3/2 − i⌋ + 1 (and g ≥ 1). Every
 * step is an IEEE-754 operation that JavaScript rounds exactly (Math.sqrt included), so
 * every device computes the same sequence. v takes 53 bits from xoshiro128**, seeded with
 * the item's 128-bit seed (item.ts); one step costs two generator calls and a square root.
 */

/** Highest symbol index a stream may reach; an item whose sequence jumps past it is done. */
export const MAX_INDEX = 2 ** 32 - 1;

/** Next 32-bit output of the xoshiro128** state `s[at, at + 4)`, which it advances. */
function next32(s: Uint32Array, at: number): number {
  const s0 = s[at]!;
  const s1 = s[at + 1]!;
  const s2 = s[at + 2]!;
  const s3 = s[at + 3]!;
  const m = Math.imul(s1, 5);
  const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  s[at] = s0 ^ n3;
  s[at + 1] = s1 ^ n2;
  s[at + 2] = n2 ^ t;
  s[at + 3] = (n3 << 11) | (n3 >>> 21);
  return result;
}

/**
 * The index after `last` in the sequence whose generator state is `state[at, at + 4)`
 * (advanced in place); Infinity once past MAX_INDEX. Every sequence starts at index 0.
 */
export function nextIndex(state: Uint32Array, at: number, last: number): number {
  const hi = next32(state, at) >>> 11;
  const lo = next32(state, at);
  const v = (hi * 2 ** 32 + lo + 1) / 2 ** 53;
  const gap = Math.floor(Math.sqrt(((last + 1) * (last + 2)) / v + 0.25) - 1.5 - last) + 1;
  const next = last + (gap >= 1 ? gap : 1);
  return next > MAX_INDEX ? Infinity : next;
}
