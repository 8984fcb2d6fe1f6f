/** The sending half: a set of items and the endless stream of coded symbols that describes it. */
import { MappedSet, SYMBOL_WORDS } from './mappedSet.ts';
import { symbolFromWords, type CodedSymbol } from './symbol.ts';
import { MAX_INDEX } from './mapping.ts';

/**
 * Holds a set of 16-byte items and streams its coded symbols 0, 1, 2, … on demand. Symbol
 * j costs O(k log n) for the k ≈ n/(1 + j/2) items mapped to it: items wait in a heap
 * keyed by their next index. The set changes cheaply (O(log n) per item) while no stream
 * is under way; `rewind()` starts a new stream, e.g. for the next peer.
 */
export class RatelessEncoder {
  private readonly set = new MappedSet();
  private index = 0;
  private readonly scratch = new Uint32Array(SYMBOL_WORDS);

  constructor(items: Iterable<Uint8Array> = []) {
    for (const item of items) this.set.add(item);
  }

  /** Number of items in the set. */
  get size(): number {
    return this.set.size;
  }

  /** Index of the next symbol `nextSymbols` returns (0 before the first). */
  get position(): number {
    return this.index;
  }

  has(item: Uint8Array): boolean {
    return this.set.has(item);
  }

  /** Adds a 16-byte item; false if it was already there. Only before the stream starts. */
  add(item: Uint8Array): boolean {
    this.checkIdle('add');
    return this.set.add(item);
  }

  /** Removes an item; false if it was not there. Only before the stream starts. */
  remove(item: Uint8Array): boolean {
    this.checkIdle('remove');
    return this.set.remove(item);
  }

  /** Starts the stream over at symbol 0 (O(n)). */
  rewind(): void {
    this.index = 0;
    this.set.rewind();
  }

  /** The next `n` coded symbols of the stream. */
  nextSymbols(n: number): CodedSymbol[] {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a symbol count: ${n}`);
    const out: CodedSymbol[] = [];
    const words = this.scratch;
    for (let i = 0; i < n; i++) {
      words.fill(0);
      const count = this.writeNext(words, 0);
      out.push(symbolFromWords(words, 0, count));
    }
    return out;
  }

  /**
   * XORs the next symbol into `out[at, at + 6)` (sum words, checksum words), moves past it
   * and returns its count. For the decoder, which keeps symbols as words.
   */
  writeNext(out: Uint32Array, at: number): number {
    if (this.index > MAX_INDEX) throw new RangeError('the coded-symbol stream is exhausted');
    return this.set.collect(this.index++, out, at);
  }

  private checkIdle(what: string): void {
    if (this.index !== 0) {
      throw new Error(`cannot ${what} items while a symbol stream is under way: rewind() first`);
    }
  }
}
