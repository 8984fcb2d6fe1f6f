/**
 * The sizing rules of the rsync formats: how long a block is and how many bytes of each
 * block's strong checksum are kept. Both sides of a transfer never need to agree on these
 * (the signature carries them), but they decide how many bytes cross the wire.
 */

/** Smallest block; below it the per-block signature cost outweighs any saving. */
export const MIN_BLOCK_SIZE = 700;

/** The xxhash128 digest is 16 bytes; strong sums are a prefix of it. */
export const DIGEST_SIZE = 16;

/** Caps that decoders enforce, so a hostile header cannot ask for absurd allocations. */
export const MAX_FILE_SIZE = 2 ** 50;
export const MAX_BLOCK_SIZE = 1 << 30;
export const MAX_BLOCK_COUNT = 1 << 26;

/** max(700, √size rounded to a multiple of 8). */
export function blockSizeFor(size: number): number {
  const root = Math.round(Math.sqrt(size) / 8) * 8;
  return Math.max(MIN_BLOCK_SIZE, root);
}

/** floor(log2(v)) for v ≥ 1, and 0 for v < 2 — librsync's rs_long_ln2 (src/util.c). */
export function ln2(v: number): number {
  return v < 2 ? 0 : Math.floor(Math.log2(v));
}

/**
 * Strong-sum bytes per block, librsync's recommendation (rs_sig_args in src/sumset.c of
 * librsync/librsync):
 *
 *     rec_strong_len = 2 + (2*rs_long_ln2(old_fsize) - rs_long_ln2(block_len) + 7) / 8
 *
 * i.e. enough bits for the fsize × (fsize / block_len) comparisons a worst-case search
 * makes, rounded up to a byte, plus 16 bits of margin (the weak sum is counted as another
 * 16), for about a 2^-32 chance of a collision per delta. C division truncates toward
 * zero, hence Math.trunc. Capped at our 16-byte digest; at least 2 (librsync uses a fixed
 * default for an empty file instead).
 */
export function strongLengthFor(fileSize: number, blockSize: number): number {
  const len = 2 + Math.trunc((2 * ln2(fileSize) - ln2(blockSize) + 7) / 8);
  return Math.min(DIGEST_SIZE, Math.max(2, len));
}

/**
 * The same rule written for an explicit block count: a search over `positions` offsets
 * against `blocks` candidate blocks. Refinement rounds use it with the base size and the
 * number of sub-blocks actually sent, which is what the librsync rule approximates with
 * fileSize / blockSize.
 */
export function strongLengthForBlocks(positions: number, blocks: number): number {
  const len = 2 + Math.trunc((ln2(positions) + ln2(blocks) + 7) / 8);
  return Math.min(DIGEST_SIZE, Math.max(2, len));
}

/** Number of blocks of `blockSize` covering `size` bytes (the last may be short). */
export function blockCountFor(size: number, blockSize: number): number {
  return Math.ceil(size / blockSize);
}
