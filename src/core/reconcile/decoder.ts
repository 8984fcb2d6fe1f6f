/** The receiving half: subtracts its own stream from the peer's and peels the difference out. */
import { RatelessEncoder } from './encoder.ts';
import { ReconcileOrderError } from './errors.ts';
import { checksumMatches, writeWords } from './item.ts';
import { MappedSet, SYMBOL_WORDS } from './mappedSet.ts';
import { xorSymbolInto, type CodedSymbol } from './symbol.ts';

/** The set difference, from the decoding side's point of view. */
export interface Difference {
  /** Items the peer has and this side lacks. */
  readonly onlyRemote: Uint8Array[];
  /** Items this side has and the peer lacks. */
  readonly onlyLocal: Uint8Array[];
}

/**
 * Decodes the difference between the local set and a peer's from the peer's coded symbols,
 * taken in stream order. Symbol j of the difference is remote_j − local_j, minus every
 * item already decoded. A symbol with count ±1 whose checksum is its sum's checksum holds
 * exactly one item (+1: only remote, −1: only local); peeling it out of every symbol it
 * maps to can make others pure in turn. Since every item maps to symbol 0, the difference
 * is fully decoded when symbol 0 is empty: for equal sets, after the first symbol.
 */
export class RatelessDecoder {
  private readonly local: RatelessEncoder;
  /** Decoded items: counted into the difference stream with sign +1 and −1. */
  private readonly foundRemote = new MappedSet();
  private readonly foundLocal = new MappedSet();
  /** The difference symbols received so far: words, and counts. */
  private words = new Uint32Array(64 * SYMBOL_WORDS);
  private counts = new Float64Array(64);
  private received = 0;
  private usedSymbols = 0;
  private finished = false;
  private readonly pending: number[] = [];
  private readonly scratch = new Uint32Array(SYMBOL_WORDS);

  /** Takes over `local`'s symbol stream (rewinding it); `local` must not change until done. */
  constructor(local: RatelessEncoder) {
    this.local = local;
    local.rewind();
  }

  static fromItems(items: Iterable<Uint8Array>): RatelessDecoder {
    return new RatelessDecoder(new RatelessEncoder(items));
  }

  /** Index of the next remote symbol expected. */
  get position(): number {
    return this.received;
  }

  /** True once the whole difference is decoded; later symbols are ignored. */
  get done(): boolean {
    return this.finished;
  }

  /** How many remote symbols it took to decode (valid once done). */
  get symbolsUsed(): number {
    return this.usedSymbols;
  }

  /**
   * Takes the peer's symbols `firstIndex`, `firstIndex + 1`, …; `firstIndex` must be the
   * next index expected (ReconcileOrderError otherwise). Returns `done`.
   */
  addRemoteSymbols(symbols: readonly CodedSymbol[], firstIndex = this.received): boolean {
    if (this.finished) return true;
    if (firstIndex !== this.received) throw new ReconcileOrderError(this.received, firstIndex);
    for (const symbol of symbols) {
      if (!Number.isSafeInteger(symbol.count)) throw new RangeError(`not a symbol count: ${symbol.count}`);
      const j = this.received;
      if (j === this.counts.length) this.grow();
      const at = j * SYMBOL_WORDS;
      this.words.fill(0, at, at + SYMBOL_WORDS);
      xorSymbolInto(symbol, this.words, at, this.scratch);
      let count = symbol.count - this.local.writeNext(this.words, at);
      count -= this.foundRemote.collect(j, this.words, at);
      count += this.foundLocal.collect(j, this.words, at);
      this.counts[j] = count;
      this.received++;
      this.pending.push(j);
      this.peel();
      if (this.isEmpty(0)) {
        this.finished = true;
        this.usedSymbols = this.received;
        break;
      }
    }
    return this.finished;
  }

  /** The difference; throws until `done`. */
  result(): Difference {
    if (!this.finished) throw new Error('the set difference is not decoded yet: feed more remote symbols');
    return { onlyRemote: this.foundRemote.toArray(), onlyLocal: this.foundLocal.toArray() };
  }

  private peel(): void {
    const { words, counts, pending } = this;
    const item = new Uint8Array(16);
    while (pending.length > 0) {
      const j = pending.pop()!;
      const sign = counts[j]!;
      if (sign !== 1 && sign !== -1) continue;
      const at = j * SYMBOL_WORDS;
      if (!checksumMatches(words, at, words[at + 4]!, words[at + 5]!)) continue;
      writeWords(words, at, 4, item, 0);
      const peelFrom = (index: number) => {
        const to = index * SYMBOL_WORDS;
        for (let w = 0; w < SYMBOL_WORDS; w++) words[to + w]! ^= this.scratch[w]!;
        counts[index]! -= sign;
        if (index !== j) pending.push(index);
      };
      this.scratch.set(words.subarray(at, at + SYMBOL_WORDS));
      // A false "pure" (odds 2^-64) could repeat an item: skip rather than peel twice.
      (sign === 1 ? this.foundRemote : this.foundLocal).add(item, this.received, peelFrom);
    }
  }

  private isEmpty(j: number): boolean {
    if (this.counts[j] !== 0) return false;
    const at = j * SYMBOL_WORDS;
    for (let w = 0; w < SYMBOL_WORDS; w++) if (this.words[at + w] !== 0) return false;
    return true;
  }

  private grow(): void {
    const words = new Uint32Array(this.words.length * 2);
    words.set(this.words);
    this.words = words;
    const counts = new Float64Array(this.counts.length * 2);
    counts.set(this.counts);
    this.counts = counts;
  }
}
