/**
 * Set reconciliation of one folder with one peer, on first contact or after an index
 * reset (DESIGN.md, Sync step 2): rather than whole index runs, the two devices find the
 * records that differ by rateless IBLT (core/reconcile) over record keys (recordKey.ts),
 * then send each other only those. IndexExchange runs one session per reconciling folder
 * and does the sending; this file decides what to send and checks what arrives.
 *
 * Flow (S streams, D decodes; a side's keys are its records up to the maxSequence its
 * hello announced):
 *
 *     S → D  reconcile   symbols 0 … 31, unasked
 *     D → S  more        when all it asked for is in and it is not done: symbols up to
 *                        received + max(32, received / 8)
 *     S → D  reconcile   the symbols asked for, at most 1,024 per message
 *            …           D decodes: the keys only S has (wanted), only D has (pushed)
 *     D → S  want …      the wanted keys, ≤ LIMITS.keysPerWant a message, `last` on the last
 *     D → S  index run   D's records of the pushed keys, in sequence order, ending `last`
 *     S → D  index run   on the last want: S's records of the wanted keys, the same way
 *     both   live runs   records after the announced maxSequence, as in delta mode
 *
 * Cost: ~1.4 symbols of ~27 bytes per differing key, 16 bytes per wanted key, and a
 * `more` (~60 bytes) per round trip; the last window overshoots by less than 1/8 + 32
 * symbols. A file edited since (each side holding its own version) is two differing
 * keys: measured over 100,000-file indexes, ~97 bytes per such file + ~1 KiB, in ~28
 * round trips for 1,000 files (test/bench/reconcile.ts).
 *
 * Invariants:
 *
 * 1. Both sides derive the mode and the roles from the two hello offers alone
 *    (`exchangeMode`, `reconcileRole`): a folder reconciles when not both hello claims
 *    hold for the other side's current index (a claim holds when it names that index ID
 *    and a sequence above 0) and both announced a maxSequence above 0 — against an empty
 *    side a plain run is cheaper. The side whose (device ID, index ID) sorts first decodes.
 * 2. A side's key set is its local records with sequence ≤ its announced maxSequence, read
 *    when the peer's hello arrives. Records changed since are not in it and reach the peer
 *    by the live run that follows, as records changed during a delta run do.
 * 3. Each side stores only the peer's records whose keys it does not have itself: equal
 *    keys are equal records, so the store holds the peer's differing records only, which
 *    is all the planner needs (the peer's copy of a record we hold adds nothing). The
 *    reconciliation run replaces whatever was stored of the peer (reset at its first
 *    batch), goes in sequence order, and its last batch records (peer index ID, peer's
 *    announced maxSequence), so the next connection is a delta one; a run cut short
 *    leaves the sequence of its last stored batch, which still never points past a
 *    record this side needs.
 * 4. Everything received is checked before use: symbols by `decodeSymbols`, in stream
 *    order, only as many as were asked for; symbol 0's count (S's set size) within S's
 *    maxSequence; a decoded difference consistent with D's own keys; `more` only rising
 *    and within S's bound; want keys no more than S's set holds (unknown keys get
 *    nothing); run records only of keys D wanted, each once, and at S only of keys S
 *    lacks. A message of the wrong role or phase is refused. A refusal fails the
 *    connection before anything of it is stored.
 * 5. Bounded: D gives up past min(3 × (|D| + |S|) + 1,024, 2^21) symbols — more than any
 *    honest difference needs — and falls back to full runs both ways (`want` with `all`);
 *    S never serves past the same bound computed with D's maxSequence for |D|.
 * 6. No ambient randomness or I/O: keys come from the injected Sha256, records from
 *    `getLocal`; the exchange owns the sending.
 */
import type { Sha256 } from '../content/hash.ts';
import type { FileRecord } from '../model/fileRecord.ts';
import { LIMITS, type FolderOffer, type Message, type More, type Want } from '../protocol/messages.ts';
import {
  decodeSymbols,
  encodeSymbols,
  RatelessDecoder,
  RatelessEncoder,
  type SymbolBatch,
} from '../reconcile/index.ts';
import { KEY_BYTES, keyHex, recordKeys } from './recordKey.ts';
import { Refused } from './refused.ts';
import type { FolderId, LocalRecord } from '../../ports/Store.ts';

/** Symbols S sends before D asks, and the least D asks for at a time. */
export const FIRST_SYMBOLS = 32;
/** Most symbols in one `reconcile` message (~28 KiB). */
export const SYMBOLS_PER_MESSAGE = 1024;
/** Most symbols a reconciliation may take, whatever the set sizes. */
export const MAX_SYMBOLS = 2 ** 21;

export type ExchangeMode = 'delta' | 'reconcile';
export type Role = 'decode' | 'stream';

/** How a folder is exchanged, from the two hello offers (invariant 1); symmetric. */
export function exchangeMode(ours: FolderOffer, theirs: FolderOffer): ExchangeMode {
  const holds = (claim: FolderOffer, index: FolderOffer) =>
    claim.receivedIndexId === index.indexId && claim.receivedSequence > 0;
  if (holds(ours, theirs) && holds(theirs, ours)) return 'delta';
  return ours.maxSequence > 0 && theirs.maxSequence > 0 ? 'reconcile' : 'delta';
}

/** Our role in a reconciliation; undefined when the two sides cannot be told apart. */
export function reconcileRole(
  ourDevice: string,
  ours: FolderOffer,
  theirDevice: string,
  theirs: FolderOffer,
): Role | undefined {
  const a = [ourDevice, ours.indexId];
  const b = [theirDevice, theirs.indexId];
  for (let i = 0; i < 2; i++) {
    if (a[i]! < b[i]!) return 'decode';
    if (a[i]! > b[i]!) return 'stream';
  }
  return undefined;
}

/** The keys of our records up to a sequence (invariant 2), and where each record is. */
export class KeySet {
  private constructor(
    readonly items: readonly Uint8Array[],
    readonly entries: ReadonlyMap<string, { readonly path: string; readonly sequence: number }>,
  ) {}

  get size(): number {
    return this.items.length;
  }

  static async read(records: AsyncIterable<LocalRecord>, upTo: number, sha256: Sha256): Promise<KeySet> {
    const items: Uint8Array[] = [];
    const entries = new Map<string, { path: string; sequence: number }>();
    let pending: LocalRecord[] = [];
    const flush = async () => {
      const keys = await recordKeys(pending, sha256);
      keys.forEach((key, i) => {
        items.push(key);
        entries.set(keyHex(key), { path: pending[i]!.path, sequence: pending[i]!.sequence });
      });
      pending = [];
    };
    for await (const record of records) {
      if (record.sequence > upTo) break;
      pending.push(record);
      if (pending.length === 1024) await flush();
    }
    await flush();
    return new KeySet(items, entries);
  }
}

export interface ReconcileSessionOptions {
  readonly folder: FolderId;
  readonly role: Role;
  readonly keys: KeySet;
  /** The peer's hello offer for the folder. */
  readonly theirs: FolderOffer;
  readonly getLocal: (path: string) => Promise<LocalRecord | undefined>;
  readonly sha256: Sha256;
}

/** What the exchange sends for a session, in this order. */
export interface Step {
  readonly messages: readonly Message[];
  /** Our reconciliation run, once: these records, or (`all`) every record announced. */
  readonly run?: readonly LocalRecord[] | 'all';
}

const NOTHING: Step = { messages: [] };

export class ReconcileSession {
  readonly #o: ReconcileSessionOptions;
  /** `symbols` until D decoded or S got the last want; then `run`: the peer's run may come. */
  #phase: 'symbols' | 'wants' | 'run' = 'symbols';
  #all = false;
  /** Symbols asked for (D) or granted (S): stream indexes below this. */
  #granted = FIRST_SYMBOLS;
  /** D: symbols received; S: symbols sent. */
  #position = 0;
  #limit: number;
  readonly #encoder: RatelessEncoder | undefined;
  readonly #decoder: RatelessDecoder | undefined;
  /** D: keys wanted and not yet received. S: keys wanted, found in our set. */
  readonly #wanted = new Set<string>();
  #wantKeys = 0;

  constructor(options: ReconcileSessionOptions) {
    this.#o = options;
    const items = new RatelessEncoder(options.keys.items);
    if (options.role === 'stream') {
      this.#encoder = items;
      this.#limit = symbolBound(options.keys.size, options.theirs.maxSequence);
    } else {
      this.#decoder = new RatelessDecoder(items);
      this.#limit = FIRST_SYMBOLS; // until symbol 0 tells S's set size
    }
  }

  /** The first step: S's unasked symbols. */
  start(): Step {
    if (!this.#encoder) return NOTHING;
    this.#granted = Math.min(FIRST_SYMBOLS, this.#limit);
    return { messages: this.#symbolsUpTo(this.#granted) };
  }

  /** A `reconcile`, `more` or `want` message for this folder. */
  receive(message: Extract<Message, { kind: 'reconcile' | 'more' | 'want' }>): Promise<Step> | Step {
    switch (message.kind) {
      case 'reconcile':
        return this.#onSymbols(message.symbols);
      case 'more':
        return this.#onMore(message);
      case 'want':
        return this.#onWant(message);
    }
  }

  /**
   * Checks a batch of the peer's reconciliation run before it is stored (invariant 4);
   * throws Refused. The run may come only once our side is past the symbols.
   */
  async checkRun(records: readonly FileRecord[]): Promise<void> {
    if (this.#phase !== 'run') throw this.#refuse('an index run before the reconciliation finished');
    if (this.#all) return;
    const keys = await recordKeys(records, this.#o.sha256);
    keys.forEach((key, i) => {
      const hex = keyHex(key);
      if (this.#decoder) {
        if (!this.#wanted.delete(hex))
          throw this.#refuse(`${records[i]!.path}: a record that was not wanted`);
      } else if (this.#o.keys.entries.has(hex)) {
        throw this.#refuse(`${records[i]!.path}: a record we hold ourselves`);
      }
    });
  }

  async #onSymbols(bytes: Uint8Array): Promise<Step> {
    const decoder = this.#decoder;
    if (!decoder) throw this.#refuse('coded symbols sent to the streaming side');
    let batch: SymbolBatch;
    try {
      batch = decodeSymbols(bytes);
    } catch (error) {
      throw this.#refuse(String((error as Error).message));
    }
    const { firstIndex, symbols } = batch;
    if (symbols.length === 0) throw this.#refuse('an empty batch of coded symbols');
    if (firstIndex !== this.#position)
      throw this.#refuse(`symbol ${firstIndex} where ${this.#position} was due`);
    if (firstIndex + symbols.length > this.#granted)
      throw this.#refuse('more coded symbols than were asked for');
    this.#position += symbols.length;
    if (firstIndex === 0) {
      const theirSize = symbols[0]!.count;
      if (theirSize < 0 || theirSize > this.#o.theirs.maxSequence) {
        throw this.#refuse(`symbol 0 counts ${theirSize} records, past the announced sequence`);
      }
      this.#limit = symbolBound(this.#o.keys.size, theirSize);
    }
    if (this.#phase !== 'symbols') return NOTHING; // sent before our `want` reached the peer
    try {
      decoder.addRemoteSymbols(symbols, firstIndex);
    } catch (error) {
      throw this.#refuse(String((error as Error).message));
    }
    if (decoder.done) return this.#decoded(decoder);
    if (this.#position < this.#granted) return NOTHING;
    if (this.#granted >= this.#limit) {
      // Invariant 5: no honest difference takes this long; exchange everything instead.
      this.#phase = 'run';
      this.#all = true;
      const want: Want = {
        kind: 'want',
        folder: this.#o.folder,
        keys: new Uint8Array(0),
        last: true,
        all: true,
      };
      return { messages: [want], run: 'all' };
    }
    const window = Math.max(FIRST_SYMBOLS, Math.ceil(this.#position / 8));
    this.#granted = Math.min(this.#limit, this.#position + window);
    return { messages: [{ kind: 'more', folder: this.#o.folder, upTo: this.#granted }] };
  }

  async #decoded(decoder: RatelessDecoder): Promise<Step> {
    const { onlyRemote, onlyLocal } = decoder.result();
    const ours = this.#o.keys.entries;
    const pushed = onlyLocal.map((key) => {
      const entry = ours.get(keyHex(key));
      if (!entry) throw this.#refuse('the coded symbols decode to a key of ours that we do not have');
      return entry;
    });
    for (const key of onlyRemote) {
      const hex = keyHex(key);
      if (ours.has(hex)) throw this.#refuse('the coded symbols decode to a key we have as one we lack');
      this.#wanted.add(hex);
    }
    const messages: Want[] = [];
    const per = LIMITS.keysPerWant;
    for (let i = 0; i === 0 || i < onlyRemote.length; i += per) {
      const slice = onlyRemote.slice(i, i + per);
      const keys = new Uint8Array(slice.length * KEY_BYTES);
      slice.forEach((key, k) => keys.set(key, k * KEY_BYTES));
      const last = i + per >= onlyRemote.length;
      messages.push({ kind: 'want', folder: this.#o.folder, keys, last, all: false });
    }
    this.#phase = 'run';
    return { messages, run: await this.#records(pushed) };
  }

  #onMore(more: More): Step {
    if (!this.#encoder) throw this.#refuse('a request for symbols sent to the decoding side');
    if (this.#phase !== 'symbols') throw this.#refuse('a request for symbols after a want');
    if (more.upTo <= this.#granted) throw this.#refuse(`a request for symbols up to ${more.upTo}, not more`);
    if (more.upTo > this.#limit)
      throw this.#refuse(`a request for ${more.upTo} symbols, past ${this.#limit}`);
    this.#granted = more.upTo;
    return { messages: this.#symbolsUpTo(more.upTo) };
  }

  async #onWant(want: Want): Promise<Step> {
    if (!this.#encoder) throw this.#refuse('a want sent to the decoding side');
    if (this.#phase === 'run') throw this.#refuse('a want after the last one');
    if (want.all) {
      if (this.#phase !== 'symbols') throw this.#refuse('a want of everything after a want of keys');
      this.#phase = 'run';
      this.#all = true;
      return { messages: [], run: 'all' };
    }
    this.#phase = 'wants';
    this.#wantKeys += want.keys.length / KEY_BYTES;
    if (this.#wantKeys > this.#o.keys.size) throw this.#refuse('a want of more keys than we have records');
    for (let at = 0; at < want.keys.length; at += KEY_BYTES) {
      const hex = keyHex(want.keys.subarray(at, at + KEY_BYTES));
      if (this.#o.keys.entries.has(hex)) this.#wanted.add(hex); // unknown keys get nothing
    }
    if (!want.last) return NOTHING;
    this.#phase = 'run';
    const entries = [...this.#wanted].map((hex) => this.#o.keys.entries.get(hex)!);
    return { messages: [], run: await this.#records(entries) };
  }

  /** S: the next symbols of our stream, up to `upTo`, as messages. */
  #symbolsUpTo(upTo: number): Message[] {
    const encoder = this.#encoder!;
    const messages: Message[] = [];
    while (this.#position < upTo) {
      const n = Math.min(SYMBOLS_PER_MESSAGE, upTo - this.#position);
      const symbols = encodeSymbols(encoder.nextSymbols(n), this.#position);
      this.#position += n;
      messages.push({ kind: 'reconcile', folder: this.#o.folder, symbols });
    }
    return messages;
  }

  /**
   * Our records behind `entries`, in sequence order; a record changed since the key set
   * was read is left out (invariant 2: the live run sends its new version).
   */
  async #records(entries: readonly { path: string; sequence: number }[]): Promise<LocalRecord[]> {
    const records: LocalRecord[] = [];
    for (const { path, sequence } of entries) {
      const record = await this.#o.getLocal(path);
      if (record?.sequence === sequence) records.push(record);
    }
    return records.sort((a, b) => a.sequence - b.sequence);
  }

  #refuse(why: string): Refused {
    return new Refused('malformed', `reconciliation of ${this.#o.folder}: ${why}`);
  }
}

/** The most symbols a reconciliation of sets of `a` and `b` keys may take (invariant 5). */
function symbolBound(a: number, b: number): number {
  return Math.min(3 * (a + b) + 1024, MAX_SYMBOLS);
}
