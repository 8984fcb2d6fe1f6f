import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RatelessEncoder,
  ReconcileFormatError,
  decodeSymbols,
  encodeSymbols,
  type CodedSymbol,
} from '../../../src/core/reconcile/index.ts';
import { randomItems } from './helpers.ts';

const symbolArb: fc.Arbitrary<CodedSymbol> = fc.record({
  sum: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  checksum: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  count: fc.integer({ min: -(2 ** 31 - 1), max: 2 ** 31 - 1 }),
});

/** A real batch: symbols 3… of a 500-item set. */
function realBatch(): Uint8Array {
  const encoder = new RatelessEncoder(randomItems(500, 11));
  encoder.nextSymbols(3);
  return encodeSymbols(encoder.nextSymbols(12), 3);
}

/** Decodes, allowing only success or the format error. */
function decodeOrFormatError(bytes: Uint8Array): void {
  try {
    decodeSymbols(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(ReconcileFormatError);
  }
}

describe('the symbol batch format', () => {
  it('round-trips any batch', () => {
    fc.assert(
      fc.property(
        fc.array(symbolArb, { maxLength: 20 }),
        fc.integer({ min: 0, max: 2 ** 32 - 21 }),
        (s, first) => {
          expect(decodeSymbols(encodeSymbols(s, first))).toEqual({ firstIndex: first, symbols: s });
        },
      ),
    );
  });

  it('costs 25 bytes per symbol plus its count beyond the first 7 bits', () => {
    const bytes = realBatch();
    const { symbols } = decodeSymbols(bytes);
    expect(symbols).toHaveLength(12);
    expect(bytes.length).toBeLessThanOrEqual(3 + 12 * 26);
  });

  it('rejects every truncation and any trailing byte', () => {
    const bytes = realBatch();
    for (let n = 0; n < bytes.length; n++) {
      expect(() => decodeSymbols(bytes.subarray(0, n))).toThrow(ReconcileFormatError);
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => decodeSymbols(longer)).toThrow(/after the last symbol/);
  });

  it('answers corrupt bytes and garbage with the format error, never a crash', () => {
    const batch = realBatch();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (edits) => {
          const bytes = batch.slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          decodeOrFormatError(bytes);
        },
      ),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodeOrFormatError));
  });

  it('names what is wrong', () => {
    const cases: [number[], RegExp][] = [
      [[2, 0, 0], /unknown version 2/],
      [[1, 0x80, 0x00, 0], /overlong varint in the first index/],
      [[1, 0xff, 0xff, 0xff, 0xff, 0x10, 0], /first index exceeds/],
      [[1, 0, 0x81, 0x80, 0x04], /symbol count exceeds 65536/],
      [[1, 0xff, 0xff, 0xff, 0xff, 0x0f, 2], /run past/],
      [[1, 0, 1, ...new Array<number>(24).fill(0), 0xff, 0xff, 0xff, 0xff, 0x0f], /count exceeds/],
      [[1, 0, 3, ...new Array<number>(30).fill(0)], /truncated: 3 symbols/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => decodeSymbols(Uint8Array.from(bytes))).toThrow(message);
    }
  });

  it('refuses to encode what it could not decode', () => {
    const ok: CodedSymbol = { sum: new Uint8Array(16), checksum: new Uint8Array(8), count: 1 };
    expect(() => encodeSymbols([{ ...ok, sum: new Uint8Array(15) }], 0)).toThrow(RangeError);
    expect(() => encodeSymbols([{ ...ok, count: 2 ** 31 }], 0)).toThrow(RangeError);
    expect(() => encodeSymbols([ok], 2 ** 32 - 1)).not.toThrow();
    expect(() => encodeSymbols([ok, ok], 2 ** 32 - 1)).toThrow(RangeError);
  });
});
