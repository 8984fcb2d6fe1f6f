/**
 * The delta-index exchange with one connected peer (DESIGN.md, Sync step 2; Syncthing's
 * index ID + highest sequence). Both sides run it; each sends its hello, then answers the
 * peer's hello with the records the peer lacks, and stores what the peer sends.
 *
 *     start()            hello: per shared folder our index ID, our highest sequence, and
 *                        the highest sequence we hold from the peer (0: send everything)
 *     peer hello         version check; per folder both share, one run of `index`
 *                        batches: our records after the peer's `receivedSequence`, up to
 *                        the `maxSequence` we announced, `last` on the final batch (an
 *                        empty one when nothing is new)
 *     peer index         stored one batch per write, then `onRemoteRecords`; after a
 *                        `last` batch, `onUpToDate`
 *     notifyLocalChanges a run of the records after the last one sent to this peer
 *
 * Invariants:
 *
 * 1. Our hello is on the wire before any of our index batches, and each folder's batches
 *    go out in sequence order, one run after another (one send queue).
 * 2. A batch is stored with `putRemote` in one write whose state names the batch's highest
 *    sequence, so the recorded sequence never points past stored records.
 * 3. A batch under an index ID other than the stored one replaces the peer's records
 *    (`resetRemote` first). A batch under an index ID other than the peer's hello
 *    announced, before the peer's hello, for a folder not shared both ways, or whose
 *    sequences do not increase (from what we claimed, across batches) or pass the
 *    announced `maxSequence` before the first `last`, is refused: error and close, nothing
 *    of it stored.
 * 4. A hello claim counts only under the index ID it was made in: each side says which
 *    of the other's index IDs its `receivedSequence` counts in (`receivedIndexId`). A peer
 *    that reset its index since gets everything from us, and we expect everything from a
 *    peer whose index ID is not the one our claim was made under.
 * 5. No ambient randomness: new index IDs come from the injected `newIndexId`.
 */
import type { FileRecord } from '../model/fileRecord.ts';
import {
  LIMITS,
  PROTOCOL_VERSION,
  type FolderOffer,
  type Hello,
  type IndexBatch,
} from '../protocol/messages.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import type { PeerChannel } from '../transfer/peerChannel.ts';
import type { DeviceId, FolderId, IndexId, PeerIndexState, Store } from '../../ports/Store.ts';

/** What the exchange needs of the Store. */
export type IndexStore = Pick<
  Store,
  'localSince' | 'localSequence' | 'getIndexId' | 'setIndexId' | 'putRemote' | 'resetRemote' | 'getPeerState'
>;

/** A folder as hello names it. */
export interface SharedFolder {
  readonly id: FolderId;
  readonly label: string;
}

export interface IndexExchangeOptions {
  /** This device's ID and name, as our hello gives them. */
  readonly device: DeviceId;
  readonly name: string;
  readonly store: IndexStore;
  readonly channel: PeerChannel;
  /** The folders shared with this peer; read once, at `start`. */
  readonly folders: () => readonly SharedFolder[];
  /** A fresh index ID, 16 lowercase hex digits (from the Random port). */
  readonly newIndexId: () => IndexId;
  /** After each stored batch of the peer's records. */
  readonly onRemoteRecords?: (folder: FolderId, records: readonly FileRecord[]) => void;
  /** After the peer's `last` batch: we hold its index of `folder` up to its sequence. */
  readonly onUpToDate?: (folder: FolderId) => void;
}

/** What we said in our hello about one folder, and how its exchange stands. */
interface FolderState {
  readonly folder: SharedFolder;
  readonly ourIndexId: IndexId;
  readonly announcedMax: number;
  /** The peer state our `receivedSequence` came from (undefined: we claimed 0). */
  readonly claimed: PeerIndexState | undefined;
  /** The peer's offer, once its hello arrived and shares this folder. */
  offer: FolderOffer | undefined;
  /** The highest of our sequences sent to the peer; -1 before the first run. */
  sentUpTo: number;
  /** The highest of the peer's sequences received on this connection. */
  receivedUpTo: number;
  /** The peer finished its first run (a `last` batch). */
  caughtUp: boolean;
}

class Refused extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class IndexExchange {
  readonly #o: IndexExchangeOptions;
  readonly #folders = new Map<FolderId, FolderState>();
  readonly #offered: SharedFolder[] = [];
  #helloReceived = false;
  #sending: Promise<void>;
  #receiving: Promise<void>;
  #startHello!: () => void;
  #failed = false;

  constructor(options: IndexExchangeOptions) {
    this.#o = options;
    // Invariant 1: everything waits for our hello.
    const helloSent = new Promise<void>((resolve) => (this.#startHello = resolve));
    this.#sending = helloSent;
    this.#receiving = helloSent;
    options.channel.on('hello', (hello) => this.#receive(() => this.#onHello(hello)));
    options.channel.on('index', (batch) => this.#receive(() => this.#onIndex(batch)));
  }

  /** Folders the peer offered that we do not share with it (for the UI). */
  get offered(): readonly SharedFolder[] {
    return this.#offered;
  }

  /** Sends our hello; call once, as the connection opens. */
  async start(): Promise<void> {
    const { store, channel } = this.#o;
    const offers: FolderOffer[] = [];
    for (const folder of this.#o.folders()) {
      let ourIndexId = await store.getIndexId(folder.id);
      if (ourIndexId === undefined) {
        ourIndexId = this.#o.newIndexId();
        await store.setIndexId(folder.id, ourIndexId);
      }
      const announcedMax = await store.localSequence(folder.id);
      const claimed = await store.getPeerState(folder.id, channel.peer);
      this.#folders.set(folder.id, {
        folder,
        ourIndexId,
        announcedMax,
        claimed,
        offer: undefined,
        sentUpTo: -1,
        receivedUpTo: 0,
        caughtUp: false,
      });
      offers.push({
        id: folder.id,
        label: folder.label,
        indexId: ourIndexId,
        maxSequence: announcedMax,
        receivedSequence: claimed?.sequence ?? 0,
        receivedIndexId: claimed?.indexId ?? '',
      });
    }
    const hello: Hello = {
      kind: 'hello',
      protocol: PROTOCOL_VERSION,
      device: this.#o.device,
      name: this.#o.name,
      folders: offers,
    };
    await channel.send(hello);
    this.#startHello();
  }

  /**
   * Sends `folder`'s local records that this peer has not been sent yet. Call after
   * recording local changes; does nothing before the folder's first run or if the folder
   * is not shared both ways.
   */
  notifyLocalChanges(folder: FolderId): Promise<void> {
    return this.#send(async () => {
      const state = this.#folders.get(folder);
      if (!state?.offer || state.sentUpTo < 0) return;
      await this.#sendRun(state, state.sentUpTo, Infinity, false);
    });
  }

  async #onHello(hello: Hello): Promise<void> {
    if (hello.protocol !== PROTOCOL_VERSION) {
      throw new Refused('version', `protocol ${hello.protocol} is not ${PROTOCOL_VERSION}`);
    }
    if (this.#helloReceived) throw new Refused('malformed', 'a second hello');
    this.#helloReceived = true;
    for (const offer of hello.folders) {
      const state = this.#folders.get(offer.id);
      if (!state) {
        this.#offered.push({ id: offer.id, label: offer.label });
        continue;
      }
      state.offer = offer;
      // Invariant 4: our claim stands only if the peer still has the index it was made in,
      // and the peer's only if it counts in our current index.
      const claimed = state.claimed;
      state.receivedUpTo = claimed?.indexId === offer.indexId ? claimed.sequence : 0;
      const from = offer.receivedIndexId === state.ourIndexId ? offer.receivedSequence : 0;
      void this.#send(() => this.#sendRun(state, from, state.announcedMax, true));
    }
  }

  async #onIndex(batch: IndexBatch): Promise<void> {
    if (!this.#helloReceived) throw new Refused('malformed', 'an index before hello');
    const state = this.#folders.get(batch.folder);
    if (!state?.offer) throw new Refused('unknown-folder', `folder ${batch.folder} is not shared both ways`);
    if (batch.indexId !== state.offer.indexId) {
      throw new Refused('malformed', `index ID ${batch.indexId} is not the one hello announced`);
    }
    let highest = state.receivedUpTo;
    for (const record of batch.records) {
      if (record.sequence <= highest) {
        throw new Refused('malformed', `sequence ${record.sequence} of ${record.path} does not increase`);
      }
      if (!state.caughtUp && record.sequence > state.offer.maxSequence) {
        throw new Refused(
          'malformed',
          `sequence ${record.sequence} is past the announced ${state.offer.maxSequence}`,
        );
      }
      highest = record.sequence;
    }
    const { store, channel } = this.#o;
    const stored = await store.getPeerState(batch.folder, channel.peer);
    if (stored?.indexId !== batch.indexId) {
      await store.resetRemote(batch.folder, channel.peer, { indexId: batch.indexId, sequence: 0 });
    }
    await store.putRemote(batch.folder, channel.peer, batch.records, {
      indexId: batch.indexId,
      sequence: highest,
    });
    state.receivedUpTo = highest;
    if (batch.records.length > 0) this.#o.onRemoteRecords?.(batch.folder, batch.records);
    if (batch.last) {
      state.caughtUp = true;
      this.#o.onUpToDate?.(batch.folder);
    }
  }

  /**
   * Sends our records of `state`'s folder with sequences in (`after`, `upTo`], in batches.
   * An `initial` run always ends with a `last` batch, empty if nothing is new; a live run
   * with nothing new sends nothing.
   */
  async #sendRun(state: FolderState, after: number, upTo: number, initial: boolean): Promise<void> {
    const { id } = state.folder;
    let pending: FileRecord[] = [];
    const flush = async (last: boolean) => {
      const batch: IndexBatch = {
        kind: 'index',
        folder: id,
        indexId: state.ourIndexId,
        records: pending,
        last,
      };
      pending = [];
      await this.#o.channel.send(batch);
    };
    let highest = after;
    for await (const record of this.#o.store.localSince(id, after)) {
      if (record.sequence > upTo) break;
      if (pending.length === LIMITS.recordsPerIndex) await flush(false);
      pending.push(withoutObserved(record));
      highest = record.sequence;
    }
    // A batch is flushed only when another record follows, so a run's last records wait here.
    if (pending.length > 0 || initial) await flush(true);
    state.sentUpTo = Math.max(state.sentUpTo, highest);
    // Changes recorded while the first run was under way were not announced: send them now.
    if (initial) await this.#sendRun(state, state.sentUpTo, Infinity, false);
  }

  /** Queues a send job (invariant 1); a closed connection ends the queue quietly. */
  #send(job: () => Promise<void>): Promise<void> {
    const run = this.#sending.then(() => (this.#failed || this.#o.channel.closed ? undefined : job()));
    this.#sending = run.catch(() => undefined);
    return this.#sending;
  }

  /** Handles received messages one at a time, in arrival order. */
  #receive(job: () => Promise<void>): void {
    this.#receiving = this.#receiving
      .then(() => (this.#failed ? undefined : job()))
      .catch((error: unknown) => {
        this.#failed = true;
        if (error instanceof Refused) this.#o.channel.fail(error.code, error.message);
        else this.#o.channel.fail('generic', `index exchange failed: ${String(error)}`);
      });
  }
}

/** The FileRecord fields of a local record (its observed stat stays here). */
function withoutObserved(record: FileRecord & { readonly observed?: unknown }): FileRecord {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { observed, ...rest } = record;
  return rest;
}
