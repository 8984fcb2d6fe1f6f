/** Refinement geometry both sides must agree on: how blocks are cut from round to round. */
import { blockSizeFor } from './params.ts';

/** Each round cuts a wanted block into this many sub-blocks. */
export const SPLIT = 8;
/** The receiver refuses to cut blocks smaller than this (bounds its work per byte). */
export const MIN_ACCEPTED_SUB_BLOCK = 32;

/** What a state machine does next: send a message, or stop with the delta. */
export type RefineStep =
  | { readonly kind: 'send'; readonly message: Uint8Array }
  | { readonly kind: 'done'; readonly delta: Uint8Array };

/** Round 0's block size: `factor` × blockSizeFor(size), rounded to a multiple of 512 (= 8³). */
export function coarseBlockSizeFor(size: number, factor = 16): number {
  return Math.max(512, Math.round((blockSizeFor(size) * factor) / 512) * 512);
}

/** The sub-block size for the next round, or 0 if `blockSize` may not be cut again. */
export function subBlockSizeOf(blockSize: number, minSubBlock: number): number {
  if (blockSize % SPLIT !== 0) return 0;
  const sub = blockSize / SPLIT;
  return sub >= Math.max(minSubBlock, MIN_ACCEPTED_SUB_BLOCK) ? sub : 0;
}

/** Offsets of the sub-blocks of the wanted blocks, in order. */
export function subBlockOffsets(
  offsets: Float64Array,
  wanted: readonly number[],
  blockSize: number,
  subSize: number,
  baseSize: number,
): Float64Array {
  const out: number[] = [];
  for (const index of wanted) {
    const start = offsets[index] as number;
    const end = Math.min(start + blockSize, baseSize);
    for (let at = start; at < end; at += subSize) out.push(at);
  }
  return Float64Array.from(out);
}
