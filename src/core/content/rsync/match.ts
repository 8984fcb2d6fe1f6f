/**
 * Finds old blocks in a range of new data, streaming: the range is read once, front to
 * back, through a sliding buffer of about `windowSize` bytes, and the handler hears, in
 * order, every byte read (for hashing), the literal runs between matches, and each match.
 * Memory is the buffer plus the block table, whatever the size of the range.
 */
import { windows, SourceChangedError, type ByteSource } from '../byteSource.ts';
import { blockLength, type BlockTable, type StrongHasher } from './blocks.ts';
import { rollOne, scan, sumWindow, weakSum, type RollState } from './rollsum.ts';

export interface MatchHandler {
  /** Every byte of the range, in order, exactly once. */
  data?(bytes: Uint8Array): void;
  /** Bytes no block matched, in order; the view is only valid during the call. */
  literal?(bytes: Uint8Array): void | Promise<void>;
  /** new[newOffset, newOffset + length) has the same sums as block `entry`. */
  copy(newOffset: number, entry: number, length: number): void | Promise<void>;
}

export interface MatchRange {
  readonly start: number;
  readonly end: number;
  /** The range ends where the new data ends, so the old tail block may match there. */
  readonly atEnd: boolean;
}

const DEFAULT_WINDOW = 1 << 20;

export async function matchRange(
  source: ByteSource,
  range: MatchRange,
  table: BlockTable,
  hasher: StrongHasher,
  handler: MatchHandler,
  windowSize = DEFAULT_WINDOW,
): Promise<void> {
  const { start, end } = range;
  const set = table.set;
  let scanEnd = end;
  let tailBytes: Uint8Array | null = null;
  const tail = table.tail;
  if (range.atEnd && tail >= 0) {
    const length = blockLength(set, tail);
    if (length > 0 && end - start >= length) {
      const bytes = await source.read(end - length, length);
      if (bytes.length !== length) throw new SourceChangedError(source.size, end - length + bytes.length);
      if (
        weakSum(bytes, 0, length) === set.weak[tail] &&
        table.strongMatches(tail, hasher.sum(bytes, 0, length))
      ) {
        scanEnd = end - length;
        tailBytes = bytes;
      }
    }
  }

  const fullBlocks = set.weak.length - (tail >= 0 ? 1 : 0);
  if (fullBlocks > 0 && scanEnd - start >= set.blockSize) {
    await search(source, start, scanEnd, table, hasher, handler, Math.max(windowSize, 2 * set.blockSize));
  } else {
    for await (const bytes of windows(source, windowSize, start, scanEnd)) {
      handler.data?.(bytes);
      await handler.literal?.(bytes);
    }
  }

  if (tailBytes !== null) {
    handler.data?.(tailBytes);
    await handler.copy(scanEnd, tail, tailBytes.length);
  }
}

async function search(
  source: ByteSource,
  start: number,
  end: number,
  table: BlockTable,
  hasher: StrongHasher,
  handler: MatchHandler,
  capacity: number,
): Promise<void> {
  const L = table.set.blockSize;
  const weaks = table.set.weak;
  const buf = new Uint8Array(capacity);
  const state: RollState = { s1: 0, s2: 0, entry: -1 };
  let bufPos = start; // new offset of buf[0]
  let filled = 0;
  let readPos = start;
  let p = start; // start of the window being tried
  let lit = start; // start of the pending literal run
  let valid = false; // whether `state` holds the sums of the window at p
  let preferred = -1; // the block that would extend the last copy

  for (;;) {
    if (p + L > bufPos + filled && readPos < end) {
      if (p > lit) await handler.literal?.(buf.subarray(lit - bufPos, p - bufPos));
      lit = p;
      buf.copyWithin(0, p - bufPos, filled);
      filled -= p - bufPos;
      bufPos = p;
      while (filled < capacity && readPos < end) {
        const bytes = await source.read(readPos, Math.min(capacity - filled, end - readPos));
        if (bytes.length === 0) throw new SourceChangedError(source.size, readPos);
        buf.set(bytes, filled);
        handler.data?.(bytes);
        filled += bytes.length;
        readPos += bytes.length;
      }
      continue;
    }
    if (p + L > end) break;
    if (!valid) sumWindow(buf, p - bufPos, L, state);
    valid = true;
    const last = Math.min(bufPos + filled, end) - L;
    const i = scan(
      buf,
      p - bufPos,
      last - bufPos,
      L,
      state,
      table.filter,
      table.filterShift,
      table.heads,
      table.next,
      weaks,
      table.shift,
    );
    if (i < 0) {
      p = last + 1;
      valid = false;
      continue;
    }
    const at = bufPos + i;
    const weak = state.s1 | (state.s2 << 16);
    const entry = table.resolve(state.entry, weak, hasher.sum(buf, i, L), preferred);
    if (entry >= 0) {
      if (at > lit) await handler.literal?.(buf.subarray(lit - bufPos, i));
      await handler.copy(at, entry, L);
      p = at + L;
      lit = p;
      valid = false;
      preferred = entry + 1;
    } else if (at + L < bufPos + filled) {
      rollOne(buf, i, L, state);
      p = at + 1;
    } else {
      p = at + 1;
      valid = false;
    }
  }
  if (end > lit) await handler.literal?.(buf.subarray(lit - bufPos, end - bufPos));
}
