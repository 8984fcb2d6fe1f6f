/**
 * Multi-round refinement: the messages, byte for byte. Same integer rules as format.ts.
 *
 * Flow (R holds OLD, S holds NEW; R wants NEW):
 *
 *     R → S  COARSE    sums of OLD in big blocks (16 × blockSizeFor, a multiple of 512)
 *     S → R  WANT      the blocks of the last round that no copy used, if some stretch of
 *                      NEW still unmatched (a hole) is at least one sub-block long
 *     R → S  SUBSIGS   sums of those blocks cut into 8 sub-blocks each
 *            …         WANT / SUBSIGS again while sub-blocks stay ≥ 256 bytes
 *     S → R  delta     a plain delta (format.ts): every copy found in any round
 *
 * Both sides derive the same block list per round: round 0 is OLD cut every
 * `blockSize` bytes; each later round takes the wanted blocks in order and cuts each at
 * multiples of the new block size (blockSize / 8, exact) from its start; the last piece
 * of the block that ends OLD may be short. Only S searches, and only inside holes.
 *
 *     "TNDR"                    4 bytes, magic
 *     version                   varint, 1
 *     kind                      1 byte
 *
 *     kind 1 COARSE:  baseSize varint, baseDigest 16 bytes, blockSize varint,
 *                     strongLength varint (1 … 16), blockCount varint
 *                     (= ceil(baseSize / blockSize)), block sums (format.ts)
 *     kind 2 WANT:    holeBytes varint (NEW bytes still to search), count varint ≥ 1,
 *                     count varints: first index, then each next index − previous − 1
 *                     (strictly increasing, all below the last round's block count)
 *     kind 3 SUBSIGS: blockSize varint, strongLength varint (1 … 16), blockCount
 *                     varint, block sums
 *     (nothing after)
 */
import { ByteReader, ByteWriter } from './bytes.ts';
import { RefineFormatError } from './errors.ts';
import { readBlockSums, writeBlockSums } from './format.ts';
import { DIGEST_SIZE, MAX_BLOCK_COUNT, MAX_BLOCK_SIZE, MAX_FILE_SIZE } from './params.ts';

export const REFINE_MAGIC = 0x544e4452; // "TNDR"
export const REFINE_VERSION = 1;

export interface BlockSums {
  readonly blockSize: number;
  readonly strongLength: number;
  readonly weak: Int32Array;
  readonly strong: Uint8Array;
}

export type RefineMessage =
  | ({ readonly kind: 'coarse'; readonly baseSize: number; readonly baseDigest: Uint8Array } & BlockSums)
  | { readonly kind: 'want'; readonly holeBytes: number; readonly indices: readonly number[] }
  | ({ readonly kind: 'subsigs' } & BlockSums);

const KIND_CODE = { coarse: 1, want: 2, subsigs: 3 } as const;

export function encodeRefineMessage(message: RefineMessage): Uint8Array {
  const w = new ByteWriter();
  w.u32(REFINE_MAGIC).varint(REFINE_VERSION).byte(KIND_CODE[message.kind]);
  if (message.kind === 'want') {
    w.varint(message.holeBytes).varint(message.indices.length);
    let previous = -1;
    for (const index of message.indices) {
      w.varint(index - previous - 1);
      previous = index;
    }
    return w.take();
  }
  if (message.kind === 'coarse') w.varint(message.baseSize).bytes(message.baseDigest);
  w.varint(message.blockSize).varint(message.strongLength).varint(message.weak.length);
  writeBlockSums(w, message.weak, message.strong, message.strongLength);
  return w.take();
}

/**
 * Decodes a message. `maxBlocks` bounds WANT indices (the block count of the last round);
 * SUBSIGS counts and coarse geometry are checked by the state machines, which know what
 * they asked for.
 */
export function decodeRefineMessage(bytes: Uint8Array, maxBlocks = MAX_BLOCK_COUNT): RefineMessage {
  const r = new ByteReader(bytes, (m) => new RefineFormatError(m));
  if (r.u32('magic') !== REFINE_MAGIC) throw new RefineFormatError('bad magic');
  const version = r.varint('version');
  if (version !== REFINE_VERSION) throw new RefineFormatError(`unsupported version ${version}`);
  const kind = r.byte('kind');
  if (kind === KIND_CODE.want) {
    const holeBytes = r.varint('hole bytes', MAX_FILE_SIZE);
    const count = r.varint('wanted count', maxBlocks);
    if (count < 1) throw new RefineFormatError('empty want list');
    if (count > r.remaining) throw new RefineFormatError('truncated: want list runs past the end');
    const indices: number[] = [];
    let previous = -1;
    for (let i = 0; i < count; i++) {
      previous = previous + 1 + r.varint('wanted index', maxBlocks);
      if (previous >= maxBlocks) throw new RefineFormatError(`wanted block ${previous} does not exist`);
      indices.push(previous);
    }
    r.end('the want list');
    return { kind: 'want', holeBytes, indices };
  }
  if (kind !== KIND_CODE.coarse && kind !== KIND_CODE.subsigs)
    throw new RefineFormatError(`unknown kind ${kind}`);
  let baseSize = 0;
  let baseDigest = new Uint8Array(0);
  if (kind === KIND_CODE.coarse) {
    baseSize = r.varint('base size', MAX_FILE_SIZE);
    baseDigest = r.bytes(DIGEST_SIZE, 'base digest').slice();
  }
  const blockSize = r.varint('block size', MAX_BLOCK_SIZE);
  if (blockSize < 1) throw new RefineFormatError('block size is 0');
  const strongLength = r.varint('strong length', DIGEST_SIZE);
  if (strongLength < 1) throw new RefineFormatError('strong length is 0');
  const count = r.varint('block count', MAX_BLOCK_COUNT);
  if (r.remaining !== count * (4 + strongLength)) {
    throw new RefineFormatError(
      r.remaining < count * (4 + strongLength) ? 'truncated' : 'unexpected bytes at the end',
    );
  }
  const { weak, strong } = readBlockSums(r, count, strongLength);
  r.end('the block sums');
  const sums = { blockSize, strongLength, weak, strong };
  return kind === KIND_CODE.coarse
    ? { kind: 'coarse', baseSize, baseDigest, ...sums }
    : { kind: 'subsigs', ...sums };
}
