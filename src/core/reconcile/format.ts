/**
 * Rateless set reconciliation on the wire: the flow and the byte layout of a symbol batch.
 *
 * Flow (first contact, or after an index reset; DESIGN.md "Sync" step 2):
 *
 *   1. Both devices hold the keys of their index records: 16 bytes each, a truncated hash
 *      of (path, version vector, content hash), built by the engine.
 *   2. The sender rewinds its RatelessEncoder and streams batches of coded symbols 0, 1,
 *      2, … — each batch one message, each starting where the last one ended.
 *   3. The receiver feeds every batch, in order, to its RatelessDecoder (which subtracts
 *      its own symbols). After about 1.35–1.7 symbols per differing key it is done, and
 *      knows both sides of the difference: onlyRemote (keys to ask for) and onlyLocal
 *      (keys the peer lacks). It tells the sender to stop, and the engine exchanges just
 *      those records. Equal sets are done after symbol 0.
 *   4. Left to the engine and the network layer: the stop message, flow control (how many
 *      batches in flight; the sender may overshoot by that much), message integrity and
 *      order (a gap throws ReconcileOrderError: restart from 0), and giving up past a
 *      limit (ReconcileIncompleteError in the exchange driver).
 *
 * Batch (integers are unsigned LEB128 varints, no overlong forms; counts are zigzag):
 *
 *     version        1 byte, 1
 *     firstIndex     varint, index of the first symbol, ≤ 2^32 − 1
 *     n              varint, symbols in the batch, 0 … 65,536; firstIndex + n ≤ 2^32
 *     n × {
 *       sum          16 bytes, XOR of the items mapped to this index
 *       checksum     8 bytes, XOR of their 64-bit checksums (two little-endian words)
 *       count        zigzag varint, |count| ≤ 2^31 − 1
 *     }
 *     (nothing after)
 *
 * A symbol is 25–29 bytes; for 100,000 items, symbols past the first few dozen carry a
 * 2-byte count, and past ~1,560 a 1-byte one. Items and checksums are opaque to the
 * format; a flipped bit there is not detectable here (the transport guarantees
 * integrity) and at worst leaves the decoder undone.
 */
import { ReconcileFormatError } from './errors.ts';
import { CHECKSUM_BYTES, ITEM_BYTES } from './item.ts';
import { MAX_INDEX } from './mapping.ts';
import type { CodedSymbol } from './symbol.ts';

export const FORMAT_VERSION = 1;
/** Most symbols in one batch. */
export const MAX_BATCH = 65_536;
/** Largest |count| a symbol may carry: the most items a set may hold. */
export const MAX_COUNT = 2 ** 31 - 1;
/** Smallest encoded symbol: sum, checksum and a 1-byte count. */
const MIN_SYMBOL_BYTES = ITEM_BYTES + CHECKSUM_BYTES + 1;

/** A decoded batch: `symbols[i]` is stream symbol `firstIndex + i`. */
export interface SymbolBatch {
  readonly firstIndex: number;
  readonly symbols: CodedSymbol[];
}

/** Encodes symbols `firstIndex`, `firstIndex + 1`, … as one batch. */
export function encodeSymbols(symbols: readonly CodedSymbol[], firstIndex: number): Uint8Array {
  if (symbols.length > MAX_BATCH) throw new RangeError(`at most ${MAX_BATCH} symbols per batch`);
  if (!Number.isSafeInteger(firstIndex) || firstIndex < 0 || firstIndex + symbols.length > MAX_INDEX + 1) {
    throw new RangeError(`symbol index out of range: ${firstIndex}`);
  }
  const out = new Uint8Array(11 + symbols.length * (MIN_SYMBOL_BYTES + 4));
  out[0] = FORMAT_VERSION;
  let at = writeVarint(out, 1, firstIndex);
  at = writeVarint(out, at, symbols.length);
  for (const s of symbols) {
    if (s.sum.length !== ITEM_BYTES || s.checksum.length !== CHECKSUM_BYTES) {
      throw new RangeError(
        `a coded symbol holds a ${ITEM_BYTES}-byte sum and a ${CHECKSUM_BYTES}-byte checksum`,
      );
    }
    if (!Number.isSafeInteger(s.count) || Math.abs(s.count) > MAX_COUNT) {
      throw new RangeError(`symbol count out of range: ${s.count}`);
    }
    out.set(s.sum, at);
    out.set(s.checksum, at + ITEM_BYTES);
    at = writeVarint(out, at + ITEM_BYTES + CHECKSUM_BYTES, s.count >= 0 ? s.count * 2 : -s.count * 2 - 1);
  }
  return out.slice(0, at);
}

/** Decodes one batch; anything but a well-formed batch throws ReconcileFormatError. */
export function decodeSymbols(bytes: Uint8Array): SymbolBatch {
  const r = new Reader(bytes);
  const version = r.byte('version');
  if (version !== FORMAT_VERSION) throw new ReconcileFormatError(`unknown version ${version}`);
  const firstIndex = r.varint('first index', MAX_INDEX);
  const n = r.varint('symbol count', MAX_BATCH);
  if (firstIndex + n > MAX_INDEX + 1) throw new ReconcileFormatError('symbol indices run past 2^32 − 1');
  if (n * MIN_SYMBOL_BYTES > r.remaining) throw new ReconcileFormatError(`truncated: ${n} symbols announced`);
  const symbols: CodedSymbol[] = [];
  for (let i = 0; i < n; i++) {
    const sum = r.take(ITEM_BYTES, 'sum');
    const checksum = r.take(CHECKSUM_BYTES, 'checksum');
    const z = r.varint('count', 2 * MAX_COUNT);
    symbols.push({ sum, checksum, count: z % 2 === 0 ? z / 2 : -(z + 1) / 2 });
  }
  if (r.remaining !== 0) throw new ReconcileFormatError(`${r.remaining} bytes after the last symbol`);
  return { firstIndex, symbols };
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[at++] = value;
  return at;
}

/** Reads with every bound checked; failures are ReconcileFormatErrors naming the field. */
class Reader {
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  byte(field: string): number {
    if (this.at >= this.bytes.length) throw new ReconcileFormatError(`truncated at the ${field}`);
    return this.bytes[this.at++]!;
  }

  take(length: number, field: string): Uint8Array {
    if (this.remaining < length) throw new ReconcileFormatError(`truncated in a symbol's ${field}`);
    return this.bytes.slice(this.at, (this.at += length));
  }

  /** A varint ≤ `max` (max < 2^35, so at most 5 bytes). */
  varint(field: string, max: number): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.byte(field);
      value += (b & 0x7f) * scale;
      if (value > max) throw new ReconcileFormatError(`${field} exceeds ${max}`);
      if (b < 0x80) {
        if (b === 0 && i > 0) throw new ReconcileFormatError(`overlong varint in the ${field}`);
        return value;
      }
      scale *= 0x80;
    }
    throw new ReconcileFormatError(`varint too long in the ${field}`);
  }
}
