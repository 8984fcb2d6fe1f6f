/** The side holding OLD in a refinement (see refineFormat.ts for the flow). */
import type { ByteSource } from '../byteSource.ts';
import { StrongHasher } from './blocks.ts';
import { RefineFormatError } from './errors.ts';
import { DELTA_MAGIC } from './format.ts';
import { strongLengthFor, strongLengthForBlocks } from './params.ts';
import { decodeRefineMessage, encodeRefineMessage } from './refineFormat.ts';
import {
  coarseBlockSizeFor,
  subBlockOffsets,
  subBlockSizeOf,
  MIN_ACCEPTED_SUB_BLOCK,
  type RefineStep,
} from './refineGeometry.ts';
import { weakSum } from './rollsum.ts';
import { computeSignature } from './signature.ts';

/** The side holding OLD: sends sums, answers WANTs, and ends with the sender's delta. */
export class RefineReceiver {
  private offsets: Float64Array = new Float64Array(0);
  private blockSize = 0;
  private started = false;
  private finished = false;

  constructor(
    private readonly old: ByteSource,
    private readonly coarseFactor = 16,
  ) {}

  /** The first message: coarse sums of OLD and its digest, from one pass over it. */
  async start(): Promise<Uint8Array> {
    if (this.started) throw new Error('RefineReceiver.start called twice');
    this.started = true;
    const size = this.old.size;
    const blockSize = coarseBlockSizeFor(size, this.coarseFactor);
    const sig = await computeSignature(this.old, {
      blockSize,
      strongLength: strongLengthFor(size, blockSize),
    });
    this.blockSize = blockSize;
    this.offsets = new Float64Array(sig.weak.length);
    for (let i = 0; i < this.offsets.length; i++) this.offsets[i] = i * blockSize;
    return encodeRefineMessage({ kind: 'coarse', ...sig });
  }

  async receive(message: Uint8Array): Promise<RefineStep> {
    if (!this.started || this.finished) throw new RefineFormatError('message out of turn');
    if (message.length >= 4 && readU32(message) === DELTA_MAGIC) {
      this.finished = true;
      return { kind: 'done', delta: message };
    }
    const decoded = decodeRefineMessage(message, this.offsets.length);
    if (decoded.kind !== 'want') throw new RefineFormatError(`a receiver does not expect ${decoded.kind}`);
    const subSize = subBlockSizeOf(this.blockSize, MIN_ACCEPTED_SUB_BLOCK);
    if (subSize === 0) throw new RefineFormatError(`blocks of ${this.blockSize} bytes cannot be cut again`);
    const size = this.old.size;
    const offsets = subBlockOffsets(this.offsets, decoded.indices, this.blockSize, subSize, size);
    const strongLength = strongLengthForBlocks(Math.max(1, decoded.holeBytes), offsets.length);
    const weak = new Int32Array(offsets.length);
    const strong = new Uint8Array(offsets.length * strongLength);
    const hasher = await StrongHasher.create();
    let k = 0;
    for (const index of decoded.indices) {
      const start = this.offsets[index] as number;
      const bytes = await this.old.read(start, Math.min(this.blockSize, size - start));
      for (let at = 0; at < bytes.length; at += subSize, k++) {
        const length = Math.min(subSize, bytes.length - at);
        weak[k] = weakSum(bytes, at, length);
        strong.set(hasher.sum(bytes, at, length).subarray(0, strongLength), k * strongLength);
      }
    }
    if (k !== offsets.length) throw new Error('OLD changed while refining');
    this.offsets = offsets;
    this.blockSize = subSize;
    return {
      kind: 'send',
      message: encodeRefineMessage({ kind: 'subsigs', blockSize: subSize, strongLength, weak, strong }),
    };
  }
}

function readU32(b: Uint8Array): number {
  return (
    (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0
  );
}
