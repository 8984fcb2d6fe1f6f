/**
 * Deterministic pseudo-random bytes of any size, produced on demand: a 2 GiB "file" costs
 * no memory. Each 64 KiB block is filled from its own xorshift32 stream, so the bytes at an
 * offset are the same whatever the read pattern.
 */
import type { ByteSource } from '../../src/core/content/byteSource.ts';

const BLOCK = 64 * 1024;

export function generatedSource(size: number, seed = 1): ByteSource {
  return {
    size,
    read: async (offset, length) => generateRange(seed, offset, Math.max(0, Math.min(length, size - offset))),
  };
}

/** The whole content as one array (for sizes that fit in memory). */
export function generatedBytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  return generateRange(seed, 0, size);
}

function generateRange(seed: number, offset: number, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  const first = Math.floor(offset / BLOCK);
  const last = Math.floor((offset + length - 1) / BLOCK);
  const block = new Uint8Array(BLOCK);
  const words = new Uint32Array(block.buffer);
  for (let index = first; index <= last && length > 0; index++) {
    fillBlock(words, seed, index);
    const blockStart = index * BLOCK;
    const from = Math.max(offset, blockStart);
    const to = Math.min(offset + length, blockStart + BLOCK);
    out.set(block.subarray(from - blockStart, to - blockStart), from - offset);
  }
  return out;
}

function fillBlock(words: Uint32Array, seed: number, index: number): void {
  let x = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) | 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
}
