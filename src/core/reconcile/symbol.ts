/** The coded symbol: what one position of the rateless stream carries. */
import { CHECKSUM_BYTES, ITEM_BYTES, readWords, writeWords } from './item.ts';
import { SYMBOL_WORDS } from './mappedSet.ts';

/**
 * The items mapped to one stream position, summed. Its index is its place in the stream;
 * a batch on the wire carries the index of its first symbol (format.ts).
 */
export interface CodedSymbol {
  /** XOR of the items, 16 bytes. */
  readonly sum: Uint8Array;
  /** XOR of the items' 64-bit checksums, 8 bytes (item.ts). */
  readonly checksum: Uint8Array;
  /** How many items were added (negative once more were subtracted). */
  readonly count: number;
}

/** The symbol in `words[at, at + 6)` with `count`, as a CodedSymbol of fresh arrays. */
export function symbolFromWords(words: Uint32Array, at: number, count: number): CodedSymbol {
  const sum = new Uint8Array(ITEM_BYTES);
  const checksum = new Uint8Array(CHECKSUM_BYTES);
  writeWords(words, at, 4, sum, 0);
  writeWords(words, at + 4, 2, checksum, 0);
  return { sum, checksum, count };
}

/** XORs the symbol's sum and checksum into `out[at, at + 6)`. */
export function xorSymbolInto(symbol: CodedSymbol, out: Uint32Array, at: number, scratch: Uint32Array): void {
  if (symbol.sum.length !== ITEM_BYTES || symbol.checksum.length !== CHECKSUM_BYTES) {
    throw new RangeError(
      `a coded symbol holds a ${ITEM_BYTES}-byte sum and a ${CHECKSUM_BYTES}-byte checksum`,
    );
  }
  readWords(symbol.sum, 0, scratch, 0, 4);
  readWords(symbol.checksum, 0, scratch, 4, 2);
  for (let w = 0; w < SYMBOL_WORDS; w++) out[at + w]! ^= scratch[w]!;
}
