/**
 * Items as four little-endian 32-bit words, and the hashes derived from them: the 64-bit
 * checksum that tells a pure coded symbol from a mix, and the 128-bit seed of the item's
 * index sequence (mapping.ts).
 *
 * Why a 64-bit checksum: a coded symbol whose count is ±1 may still hold three or more
 * items; the decoder takes it as one item only when checksum(sum) equals the symbol's
 * checksum field. A false match corrupts the outcome silently, and a reconciliation of d
 * differences runs on the order of d·log d such tests, so at 2^-64 per test even a million
 * differences stay below 10^-6 — while 32 bits would fail about once per few thousand large
 * sessions. Eight bytes cost ~12 bytes per difference, well inside the budget.
 *
 * The checksum must not be linear over XOR (were it, say, the item's first 8 bytes, every
 * XOR of items would look pure), so each lane is a MurmurHash3-style multiply-rotate mix.
 * Items are already cryptographic hashes from our own devices, so there is no adversary
 * to resist; the lanes only have to scatter well.
 */

export const ITEM_BYTES = 16;
export const CHECKSUM_BYTES = 8;

/** Throws unless `item` is a 16-byte key. */
export function checkItem(item: Uint8Array): void {
  if (item.length !== ITEM_BYTES) throw new RangeError(`an item is ${ITEM_BYTES} bytes, got ${item.length}`);
}

/** Reads `bytes[at, at + 4 × count)` into `out[outAt, outAt + count)` as little-endian words. */
export function readWords(
  bytes: Uint8Array,
  at: number,
  out: Uint32Array,
  outAt: number,
  count: number,
): void {
  for (let i = 0; i < count; i++, at += 4) {
    out[outAt + i] =
      (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
  }
}

/** Writes `words[from, from + count)` into `out` at `at`, little-endian. */
export function writeWords(
  words: Uint32Array,
  from: number,
  count: number,
  out: Uint8Array,
  at: number,
): void {
  for (let i = 0; i < count; i++, at += 4) {
    const w = words[from + i]!;
    out[at] = w;
    out[at + 1] = w >>> 8;
    out[at + 2] = w >>> 16;
    out[at + 3] = w >>> 24;
  }
}

function round(h: number, w: number): number {
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number): number {
  h ^= 16;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One 32-bit lane over the item words `w[at, at + 4)`; lanes differ by seed and word order. */
function lane(w: Uint32Array, at: number, seed: number, reversed: boolean): number {
  const a = w[at]!;
  const b = w[at + 1]!;
  const c = w[at + 2]!;
  const d = w[at + 3]!;
  return reversed
    ? finish(round(round(round(round(seed, d), c), b), a))
    : finish(round(round(round(round(seed, a), b), c), d));
}

/** Writes the item's 64-bit checksum (two words) into `out[outAt, outAt + 2)`. */
export function checksumInto(w: Uint32Array, at: number, out: Uint32Array, outAt: number): void {
  out[outAt] = lane(w, at, 0x2545f491, false);
  out[outAt + 1] = lane(w, at, 0x9e3779b9, true);
}

/** True when the 64-bit checksum of item words `w[at, at + 4)` is `(c0, c1)`. */
export function checksumMatches(w: Uint32Array, at: number, c0: number, c1: number): boolean {
  return lane(w, at, 0x2545f491, false) === c0 && lane(w, at, 0x9e3779b9, true) === c1;
}

/** Writes the 128-bit seed of the item's index sequence into `out[outAt, outAt + 4)`; never all zero. */
export function seedInto(w: Uint32Array, at: number, out: Uint32Array, outAt: number): void {
  out[outAt] = lane(w, at, 0x85ebca6b, false);
  out[outAt + 1] = lane(w, at, 0xc2b2ae35, true);
  out[outAt + 2] = lane(w, at, 0x27d4eb2f, false);
  out[outAt + 3] = lane(w, at, 0x165667b1, true) | 1;
}
