/**
 * The signature of OLD in one streaming pass: per block a weak and a strong sum, and the
 * xxhash128 of the whole file (the base digest) from the same reads.
 */
import { newXXHash128 } from './xxhash.ts';
import { windows, type ByteSource } from '../byteSource.ts';
import { StrongHasher } from './blocks.ts';
import type { Signature } from './format.ts';
import {
  blockCountFor,
  blockSizeFor,
  strongLengthFor,
  MAX_BLOCK_COUNT,
  MAX_BLOCK_SIZE,
  MAX_FILE_SIZE,
} from './params.ts';
import { weakSum } from './rollsum.ts';

export interface SignatureOptions {
  /** Default blockSizeFor(size). */
  readonly blockSize?: number;
  /** Default strongLengthFor(size, blockSize). */
  readonly strongLength?: number;
}

/** Reads a little over 1 MiB at a time, always a whole number of blocks. */
const READ_TARGET = 1 << 20;

export async function computeSignature(old: ByteSource, options: SignatureOptions = {}): Promise<Signature> {
  const baseSize = old.size;
  const blockSize = options.blockSize ?? blockSizeFor(baseSize);
  const strongLength = options.strongLength ?? strongLengthFor(baseSize, blockSize);
  if (baseSize > MAX_FILE_SIZE)
    throw new RangeError(`${baseSize} bytes is more than a signature can describe`);
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > MAX_BLOCK_SIZE) {
    throw new RangeError(`bad block size ${blockSize}`);
  }
  if (!Number.isInteger(strongLength) || strongLength < 1 || strongLength > 16) {
    throw new RangeError(`bad strong length ${strongLength}`);
  }
  const count = blockCountFor(baseSize, blockSize);
  if (count > MAX_BLOCK_COUNT) throw new RangeError(`${count} blocks is more than a signature can hold`);

  const weak = new Int32Array(count);
  const strong = new Uint8Array(count * strongLength);
  const blockHasher = await StrongHasher.create();
  const fileHasher = await newXXHash128();
  fileHasher.init();

  const windowSize = Math.max(1, Math.floor(READ_TARGET / blockSize)) * blockSize;
  let block = 0;
  for await (const bytes of windows(old, windowSize)) {
    fileHasher.update(bytes);
    for (let at = 0; at < bytes.length; at += blockSize, block++) {
      const length = Math.min(blockSize, bytes.length - at);
      weak[block] = weakSum(bytes, at, length);
      strong.set(blockHasher.sum(bytes, at, length).subarray(0, strongLength), block * strongLength);
    }
  }
  return { baseSize, blockSize, strongLength, weak, strong, baseDigest: fileHasher.digest('binary') };
}
