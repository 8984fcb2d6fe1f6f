/**
 * The single-round delta: NEW is read once, through a bounded sliding window, matched
 * against a signature of OLD, and the encoded delta leaves in pieces through `sink`.
 * Memory: the signature's block table plus about 1 MiB, whatever the file sizes.
 */
import { newXXHash128 } from './xxhash.ts';
import type { ByteSource } from '../byteSource.ts';
import { BlockTable, StrongHasher, type BlockSet } from './blocks.ts';
import { DeltaEncoder, type Signature } from './format.ts';
import { matchRange } from './match.ts';

/** The blocks of a signature as a searchable set: block i starts at i · blockSize. */
export function signatureBlocks(sig: Signature): BlockSet {
  const offsets = new Float64Array(sig.weak.length);
  for (let i = 0; i < offsets.length; i++) offsets[i] = i * sig.blockSize;
  return { ...sig, offsets };
}

export async function computeDelta(
  signature: Signature,
  next: ByteSource,
  sink: (bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  const set = signatureBlocks(signature);
  const table = new BlockTable(set);
  const hasher = await StrongHasher.create();
  const resultHasher = await newXXHash128();
  resultHasher.init();
  const encoder = new DeltaEncoder(
    { baseSize: signature.baseSize, baseDigest: signature.baseDigest, resultSize: next.size },
    sink,
  );
  await matchRange(next, { start: 0, end: next.size, atEnd: true }, table, hasher, {
    data: (bytes) => resultHasher.update(bytes),
    literal: (bytes) => encoder.literal(bytes),
    copy: (_at, entry, length) => encoder.copy(set.offsets[entry] as number, length),
  });
  await encoder.finish(resultHasher.digest('binary'));
}
