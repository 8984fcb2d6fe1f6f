/**
 * The side holding NEW in a refinement: matches NEW against each round's sums, only
 * inside the stretches still unmatched (holes), asks for the unused blocks cut smaller
 * while that can still pay, and finally encodes every copy found as one delta.
 */
import { concatBytes } from '../bytes.ts';
import { newXXHash128 } from './xxhash.ts';
import { windows, type ByteSource } from '../byteSource.ts';
import { BlockTable, StrongHasher, type BlockSet } from './blocks.ts';
import { RefineFormatError } from './errors.ts';
import { DeltaEncoder } from './format.ts';
import { matchRange } from './match.ts';
import { blockCountFor, MAX_BLOCK_COUNT } from './params.ts';
import { decodeRefineMessage, encodeRefineMessage, type BlockSums } from './refineFormat.ts';
import { subBlockOffsets, subBlockSizeOf, type RefineStep } from './refineGeometry.ts';

export interface RefineSenderOptions {
  /** Stop cutting once sub-blocks would be smaller than this. Default 64 (see refine.ts). */
  readonly minSubBlock?: number;
}

interface Segment {
  readonly at: number; // offset in NEW
  readonly from: number; // offset in OLD
  readonly length: number;
}

interface Hole {
  readonly start: number;
  readonly end: number;
}

export class RefineSender {
  private readonly minSubBlock: number;
  private baseSize = 0;
  private baseDigest: Uint8Array = new Uint8Array(0);
  private resultDigest: Uint8Array = new Uint8Array(0);
  private segments: Segment[] = [];
  private set: BlockSet | null = null;
  /** Offsets of the sub-blocks the last WANT asked for, or null before the coarse round. */
  private pending: Float64Array | null = null;
  /** Per block of the last round: whether some copy used it. */
  private used: Uint8Array = new Uint8Array(0);
  private finished = false;

  constructor(
    private readonly next: ByteSource,
    options: RefineSenderOptions = {},
  ) {
    this.minSubBlock = options.minSubBlock ?? 64;
  }

  async receive(message: Uint8Array): Promise<RefineStep> {
    if (this.finished) throw new RefineFormatError('message after the delta was sent');
    const decoded = decodeRefineMessage(message, this.set?.weak.length ?? MAX_BLOCK_COUNT);
    if (decoded.kind === 'coarse' && this.set === null) {
      if (decoded.weak.length !== blockCountFor(decoded.baseSize, decoded.blockSize)) {
        throw new RefineFormatError('block count does not cover the base size');
      }
      this.baseSize = decoded.baseSize;
      this.baseDigest = decoded.baseDigest;
      const offsets = new Float64Array(decoded.weak.length);
      for (let i = 0; i < offsets.length; i++) offsets[i] = i * decoded.blockSize;
      await this.round(this.blockSet(decoded, offsets), [{ start: 0, end: this.next.size }], true);
    } else if (decoded.kind === 'subsigs' && this.set !== null && this.pending !== null) {
      const expected = subBlockSizeOf(this.set.blockSize, this.minSubBlock);
      if (decoded.blockSize !== expected || decoded.weak.length !== this.pending.length) {
        throw new RefineFormatError('sub-block sums do not match what was asked for');
      }
      const subSize = decoded.blockSize;
      await this.round(
        this.blockSet(decoded, this.pending),
        this.holes().filter((h) => h.end - h.start >= subSize || h.end === this.next.size),
        false,
      );
    } else {
      throw new RefineFormatError(`unexpected ${decoded.kind} message`);
    }
    return this.decide();
  }

  private blockSet(sums: BlockSums, offsets: Float64Array): BlockSet {
    return { baseSize: this.baseSize, offsets, ...sums };
  }

  /** Searches `holes` for the blocks of `set`, recording each copy found. */
  private async round(set: BlockSet, holes: readonly Hole[], first: boolean): Promise<void> {
    this.set = set;
    const table = new BlockTable(set);
    const hasher = await StrongHasher.create();
    const resultHasher = first ? await newXXHash128() : null;
    resultHasher?.init();
    const found: Segment[] = [];
    const used = new Uint8Array(set.weak.length);
    for (const hole of holes) {
      await matchRange(this.next, { ...hole, atEnd: hole.end === this.next.size }, table, hasher, {
        data: resultHasher ? (bytes) => resultHasher.update(bytes) : undefined,
        copy: (at, entry, length) => {
          found.push({ at, from: set.offsets[entry] as number, length });
          used[entry] = 1;
        },
      });
    }
    if (resultHasher) this.resultDigest = resultHasher.digest('binary');
    this.segments = mergeAdjacent([...this.segments, ...found].sort((a, b) => a.at - b.at));
    this.used = used;
  }

  /** The stretches of NEW no copy covers, in order. */
  private holes(): Hole[] {
    const holes: Hole[] = [];
    let at = 0;
    for (const s of this.segments) {
      if (s.at > at) holes.push({ start: at, end: s.at });
      at = s.at + s.length;
    }
    if (this.next.size > at) holes.push({ start: at, end: this.next.size });
    return holes;
  }

  /** WANT the unused blocks if a hole could still hold a sub-block; else the delta. */
  private async decide(): Promise<RefineStep> {
    const set = this.set as BlockSet;
    const subSize = subBlockSizeOf(set.blockSize, this.minSubBlock);
    const holes = this.holes().filter((h) => h.end - h.start >= subSize);
    const wanted: number[] = [];
    for (let i = 0; i < this.used.length; i++) if (this.used[i] === 0) wanted.push(i);
    if (subSize > 0 && holes.length > 0 && wanted.length > 0) {
      const holeBytes = holes.reduce((sum, h) => sum + h.end - h.start, 0);
      this.pending = subBlockOffsets(set.offsets, wanted, set.blockSize, subSize, this.baseSize);
      return { kind: 'send', message: encodeRefineMessage({ kind: 'want', holeBytes, indices: wanted }) };
    }
    this.finished = true;
    return { kind: 'done', delta: await this.encodeDelta() };
  }

  private async encodeDelta(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    const encoder = new DeltaEncoder(
      { baseSize: this.baseSize, baseDigest: this.baseDigest, resultSize: this.next.size },
      async (bytes) => void parts.push(bytes),
    );
    let at = 0;
    for (const s of this.segments) {
      for await (const bytes of windows(this.next, 1 << 20, at, s.at)) await encoder.literal(bytes);
      await encoder.copy(s.from, s.length);
      at = s.at + s.length;
    }
    for await (const bytes of windows(this.next, 1 << 20, at, this.next.size)) await encoder.literal(bytes);
    await encoder.finish(this.resultDigest);
    return concatBytes(parts);
  }
}

/** Joins copies that continue each other in both NEW and OLD, so the list stays short. */
function mergeAdjacent(sorted: readonly Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.at + last.length === s.at && last.from + last.length === s.from) {
      out[out.length - 1] = { at: last.at, from: last.from, length: last.length + s.length };
    } else {
      out.push(s);
    }
  }
  return out;
}
