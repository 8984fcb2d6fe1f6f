/**
 * The signature and delta formats, byte for byte. Integers are unsigned LEB128 varints
 * (at most 8 bytes, at most 2^53 − 1, no overlong forms) unless marked u32 (4 bytes, big
 * endian). Digests are xxhash128, 16 bytes, as hash-wasm's digest('binary') returns them.
 *
 * Signature (what the side holding OLD sends):
 *
 *     "TNDS"                    4 bytes, magic
 *     version                   varint, 1
 *     baseSize                  varint, size of OLD, ≤ 2^50
 *     blockSize                 varint, 1 … 2^30
 *     strongLength              varint, 1 … 16
 *     blockCount                varint, = ceil(baseSize / blockSize)
 *     blockCount × {
 *       weak                    u32, rolling checksum of the block (rollsum.ts)
 *       strong                  strongLength bytes, prefix of the block's xxhash128
 *     }                         block i covers OLD[i·blockSize, min((i+1)·blockSize, baseSize))
 *     baseDigest                16 bytes, xxhash128 of all of OLD
 *     (nothing after)
 *
 * Delta (what turns OLD into NEW):
 *
 *     "TNDD"                    4 bytes, magic
 *     version                   varint, 1
 *     baseSize                  varint, size of the OLD it applies to
 *     baseDigest                16 bytes, xxhash128 of that OLD (refused if it differs)
 *     resultSize                varint, size of NEW, ≤ 2^50
 *     ops, until END:
 *       0x00 END
 *       0x01 COPY               zigzag varint: old offset − end of the previous COPY
 *                               (0 before the first), then varint length ≥ 1; the range
 *                               must lie inside OLD
 *       0x02 LITERAL            varint length 1 … 65536, then that many bytes of NEW
 *     resultDigest              16 bytes, xxhash128 of NEW
 *     (nothing after)
 *
 * The ops must produce exactly resultSize bytes. Adjacent copies are merged by the
 * encoder, so a run of unchanged blocks costs one COPY of a few bytes.
 */
import { ByteReader, ByteWriter } from './bytes.ts';
import { SignatureFormatError } from './errors.ts';
import { DIGEST_SIZE, MAX_BLOCK_COUNT, MAX_BLOCK_SIZE, MAX_FILE_SIZE, blockCountFor } from './params.ts';

export const SIGNATURE_MAGIC = 0x544e4453; // "TNDS"
export const DELTA_MAGIC = 0x544e4444; // "TNDD"
export const FORMAT_VERSION = 1;

export const OP_END = 0x00;
export const OP_COPY = 0x01;
export const OP_LITERAL = 0x02;
export const MAX_LITERAL = 64 * 1024;

/** A signature of OLD: what the side holding NEW needs to compute a delta. */
export interface Signature {
  readonly baseSize: number;
  readonly blockSize: number;
  readonly strongLength: number;
  /** Weak sum of each block, as a signed 32-bit integer. */
  readonly weak: Int32Array;
  /** `strongLength` bytes per block, in block order. */
  readonly strong: Uint8Array;
  /** xxhash128 of all of OLD. */
  readonly baseDigest: Uint8Array;
}

export function encodeSignature(sig: Signature): Uint8Array {
  const count = sig.weak.length;
  const w = new ByteWriter(32 + count * (4 + sig.strongLength) + DIGEST_SIZE);
  w.u32(SIGNATURE_MAGIC)
    .varint(FORMAT_VERSION)
    .varint(sig.baseSize)
    .varint(sig.blockSize)
    .varint(sig.strongLength)
    .varint(count);
  writeBlockSums(w, sig.weak, sig.strong, sig.strongLength);
  w.bytes(sig.baseDigest);
  return w.take();
}

export function decodeSignature(bytes: Uint8Array): Signature {
  const r = new ByteReader(bytes, (m) => new SignatureFormatError(m));
  if (r.u32('magic') !== SIGNATURE_MAGIC) throw new SignatureFormatError('not a signature (bad magic)');
  const version = r.varint('version');
  if (version !== FORMAT_VERSION) throw new SignatureFormatError(`unsupported version ${version}`);
  const baseSize = r.varint('base size', MAX_FILE_SIZE);
  const blockSize = r.varint('block size', MAX_BLOCK_SIZE);
  if (blockSize < 1) throw new SignatureFormatError('block size is 0');
  const strongLength = r.varint('strong length', DIGEST_SIZE);
  if (strongLength < 1) throw new SignatureFormatError('strong length is 0');
  const count = r.varint('block count', MAX_BLOCK_COUNT);
  if (count !== blockCountFor(baseSize, blockSize)) {
    throw new SignatureFormatError(
      `${count} blocks cannot cover ${baseSize} bytes in blocks of ${blockSize}`,
    );
  }
  if (r.remaining !== count * (4 + strongLength) + DIGEST_SIZE) {
    throw new SignatureFormatError(
      r.remaining < count * (4 + strongLength) + DIGEST_SIZE ? 'truncated' : 'unexpected bytes at the end',
    );
  }
  const { weak, strong } = readBlockSums(r, count, strongLength);
  const baseDigest = r.bytes(DIGEST_SIZE, 'base digest').slice();
  r.end('the base digest');
  return { baseSize, blockSize, strongLength, weak, strong, baseDigest };
}

/** Block sums as the formats carry them: per block a u32 weak sum, then the strong prefix. */
export function writeBlockSums(
  w: ByteWriter,
  weak: Int32Array,
  strong: Uint8Array,
  strongLength: number,
): void {
  for (let i = 0; i < weak.length; i++) {
    w.u32(weak[i] as number);
    w.bytes(strong.subarray(i * strongLength, (i + 1) * strongLength));
  }
}

/** Reads `count` block sums; the caller has checked that enough bytes remain. */
export function readBlockSums(
  r: ByteReader,
  count: number,
  strongLength: number,
): { weak: Int32Array; strong: Uint8Array } {
  const weak = new Int32Array(count);
  const strong = new Uint8Array(count * strongLength);
  for (let i = 0; i < count; i++) {
    weak[i] = r.u32('weak sum') | 0;
    strong.set(r.bytes(strongLength, 'strong sum'), i * strongLength);
  }
  return { weak, strong };
}

/** The header of a delta, shared by the single-round and refinement paths. */
export interface DeltaHeader {
  readonly baseSize: number;
  readonly baseDigest: Uint8Array;
  readonly resultSize: number;
}

/**
 * Writes a delta as ops arrive: merges adjacent copies, packs literal bytes into runs of
 * up to MAX_LITERAL, and hands encoded bytes to `emit` in pieces of about `flushAt`.
 */
export class DeltaEncoder {
  private readonly out = new ByteWriter(1 << 16);
  private readonly staged = new Uint8Array(MAX_LITERAL);
  private stagedLength = 0;
  private copyStart = -1;
  private copyLength = 0;
  private lastCopyEnd = 0;

  constructor(
    header: DeltaHeader,
    private readonly emit: (bytes: Uint8Array) => Promise<void>,
    private readonly flushAt = 1 << 16,
  ) {
    this.out.u32(DELTA_MAGIC).varint(FORMAT_VERSION).varint(header.baseSize);
    this.out.bytes(header.baseDigest).varint(header.resultSize);
  }

  async copy(oldOffset: number, length: number): Promise<void> {
    this.flushLiteral();
    if (this.copyStart >= 0 && this.copyStart + this.copyLength === oldOffset) {
      this.copyLength += length;
      return;
    }
    this.flushCopy();
    this.copyStart = oldOffset;
    this.copyLength = length;
    await this.maybeEmit();
  }

  async literal(bytes: Uint8Array): Promise<void> {
    this.flushCopy();
    for (let at = 0; at < bytes.length;) {
      const n = Math.min(bytes.length - at, MAX_LITERAL - this.stagedLength);
      this.staged.set(bytes.subarray(at, at + n), this.stagedLength);
      this.stagedLength += n;
      at += n;
      if (this.stagedLength === MAX_LITERAL) this.flushLiteral();
      await this.maybeEmit();
    }
  }

  async finish(resultDigest: Uint8Array): Promise<void> {
    this.flushLiteral();
    this.flushCopy();
    this.out.byte(OP_END).bytes(resultDigest);
    await this.emit(this.out.take());
  }

  private flushCopy(): void {
    if (this.copyStart < 0) return;
    this.out
      .byte(OP_COPY)
      .zigzag(this.copyStart - this.lastCopyEnd)
      .varint(this.copyLength);
    this.lastCopyEnd = this.copyStart + this.copyLength;
    this.copyStart = -1;
  }

  private flushLiteral(): void {
    if (this.stagedLength === 0) return;
    this.out.byte(OP_LITERAL).varint(this.stagedLength).bytes(this.staged.subarray(0, this.stagedLength));
    this.stagedLength = 0;
  }

  private async maybeEmit(): Promise<void> {
    if (this.out.length >= this.flushAt) await this.emit(this.out.take());
  }
}
