/**
 * The index exchange with one connected peer (DESIGN.md, Sync step 2): Syncthing-style delta
 * indexes (index ID + highest sequence), and set reconciliation on first contact or after
 * an index reset. Both sides run it; each sends its hello, then answers the peer's hello
 * per folder with a delta run or a reconciliation, and stores what the peer sends.
 *
 *     start()            hello: per shared folder our index ID, our highest sequence, and
 *                        the highest sequence we hold from the peer (0: send everything)
 *     peer hello         version check; per folder both share, the mode both sides derive
 *                        from the two hellos (reconcileSession.ts, invariant 1):
 *                        delta: one run of `index` batches, our records after the peer's
 *                          `receivedSequence` up to the `maxSequence` we announced, `last`
 *                          on the final batch (an empty one when nothing is new);
 *                        reconcile: a ReconcileSession finds the differing records
 *                          (`reconcile`, `more`, `want`), then each side sends its
 *                          differing records as one run, ending `last`
 *     peer index         stored one batch per write, then `onRemoteRecords`; after the
 *                        first `last` batch (the folder's run or reconciliation), `onUpToDate`
 *     notifyLocalChanges a run of the records after the last one sent to this peer
 *
 * Invariants:
 *
 * 1. Our hello is on the wire before any other message of ours, and each folder's
 *    messages go out in order, one run after another (one send queue); a folder's live
 *    runs start only after its first run or reconciliation run.
 * 2. A batch is stored with `putRemote` in one write whose state names the batch's highest
 *    sequence — or, for the last batch of a reconciliation run, the peer's announced
 *    `maxSequence`, all of whose differing records are then stored — so the recorded
 *    sequence never points past a record we need.
 * 3. A batch under an index ID other than the stored one, and the first batch of a
 *    reconciliation run, replace the peer's records (`resetRemote` first). A batch under an
 *    index ID other than the peer's hello announced, before the peer's hello, for a folder
 *    not shared both ways, whose sequences do not increase (from what we claimed, or from
 *    0 when reconciling; across batches) or pass the announced `maxSequence` before the
 *    first `last`, or that the reconciliation did not ask for, is refused: error and
 *    close, nothing of it stored. So are `reconcile`, `more` and `want` for a folder that
 *    is not reconciling.
 * 4. A hello claim counts only under the index ID it was made in: each side says which
 *    of the other's index IDs its `receivedSequence` counts in (`receivedIndexId`). A peer
 *    that reset its index since gets everything from us (delta mode against an empty
 *    side) or reconciles, and so do we from a peer whose index ID is not the one our
 *    claim was made under.
 * 5. No ambient randomness: new index IDs come from the injected `newIndexId`, record keys
 *    from the injected `sha256`.
 */
import { webCryptoSha256, type Sha256 } from '../content/hash.ts';
import type { FileRecord } from '../model/fileRecord.ts';
import {
  LIMITS,
  PROTOCOL_VERSION,
  type FolderOffer,
  type Hello,
  type IndexBatch,
  type Message,
} from '../protocol/messages.ts';
import { recordWireBytes } from '../protocol/records.ts';
import type { PeerChannel } from '../transfer/peerChannel.ts';
import { exchangeMode, KeySet, reconcileRole, ReconcileSession, type Step } from './reconcileSession.ts';
import { Refused } from './refused.ts';
import type { DeviceId, FolderId, IndexId, LocalRecord, PeerIndexState, Store } from '../../ports/Store.ts';

/** What the exchange needs of the Store. */
export type IndexStore = Pick<
  Store,
  | 'getLocal'
  | 'localSince'
  | 'localSequence'
  | 'getIndexId'
  | 'setIndexId'
  | 'putRemote'
  | 'resetRemote'
  | 'getPeerState'
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
  /** After the peer's hello, when it offers folders we do not share with it. */
  readonly onOffered?: (folders: readonly SharedFolder[]) => void;
  /** After the peer's `last` batch: we hold its index of `folder` up to its sequence. */
  readonly onUpToDate?: (folder: FolderId) => void;
  /** SHA-256 for record keys when reconciling (default: WebCrypto's). */
  readonly sha256?: Sha256;
}

type ReconcileMessage = Extract<Message, { kind: 'reconcile' | 'more' | 'want' }>;

/** What we said in our hello about one folder, and how its exchange stands. */
interface FolderState {
  readonly folder: SharedFolder;
  /** What our hello said of the folder. */
  readonly ours: FolderOffer;
  /** The peer state our `receivedSequence` came from (undefined: we claimed 0). */
  readonly claimed: PeerIndexState | undefined;
  /** The peer's offer, once its hello arrived and shares this folder. */
  offer: FolderOffer | undefined;
  /** The reconciliation, when the folder reconciles (from the peer's hello on). */
  session: ReconcileSession | undefined;
  /** A batch of the peer's first run is stored. */
  started: boolean;
  /** The highest of our sequences sent to the peer; -1 before the first run. */
  sentUpTo: number;
  /** The highest of the peer's sequences received on this connection. */
  receivedUpTo: number;
  /** The peer finished its first run (a `last` batch). */
  caughtUp: boolean;
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
    for (const kind of ['reconcile', 'more', 'want'] as const) {
      options.channel.on(kind, (message) => this.#receive(() => this.#onReconcile(message)));
    }
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
      const claimed = await store.getPeerState(folder.id, channel.peer);
      const ours: FolderOffer = {
        id: folder.id,
        label: folder.label,
        indexId: ourIndexId,
        maxSequence: await store.localSequence(folder.id),
        receivedSequence: claimed?.sequence ?? 0,
        receivedIndexId: claimed?.indexId ?? '',
      };
      this.#folders.set(folder.id, {
        folder,
        ours,
        claimed,
        offer: undefined,
        session: undefined,
        started: false,
        sentUpTo: -1,
        receivedUpTo: 0,
        caughtUp: false,
      });
      offers.push(ours);
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
      if (exchangeMode(state.ours, offer) === 'reconcile') {
        const role = reconcileRole(this.#o.device, state.ours, hello.device, offer);
        if (!role) throw new Refused('malformed', `hello from our own device and index of ${offer.id}`);
        const { store } = this.#o;
        const sha256 = this.#o.sha256 ?? webCryptoSha256;
        const keys = await KeySet.read(store.localSince(offer.id, 0), state.ours.maxSequence, sha256);
        const getLocal = (path: string) => store.getLocal(offer.id, path);
        state.session = new ReconcileSession({
          folder: offer.id,
          role,
          keys,
          theirs: offer,
          getLocal,
          sha256,
        });
        this.#sendStep(state, state.session.start());
        continue;
      }
      // Invariant 4: our claim stands only if the peer still has the index it was made in,
      // and the peer's only if it counts in our current index.
      const claimed = state.claimed;
      state.receivedUpTo = claimed?.indexId === offer.indexId ? claimed.sequence : 0;
      const from = offer.receivedIndexId === state.ours.indexId ? offer.receivedSequence : 0;
      void this.#send(() => this.#sendRun(state, from, state.ours.maxSequence, true));
    }
    if (this.#offered.length > 0) this.#o.onOffered?.(this.#offered);
  }

  async #onReconcile(message: ReconcileMessage): Promise<void> {
    const state = this.#folders.get(message.folder);
    if (!state?.session) {
      throw new Refused(
        'malformed',
        `a ${message.kind} message for ${message.folder}, which is not reconciling`,
      );
    }
    this.#sendStep(state, await state.session.receive(message));
  }

  /** Queues a session's messages, then its reconciliation run and the live run after it. */
  #sendStep(state: FolderState, step: Step): void {
    for (const message of step.messages) void this.#send(() => this.#o.channel.send(message));
    const run = step.run;
    if (run === 'all') void this.#send(() => this.#sendRun(state, 0, state.ours.maxSequence, true));
    else if (run) {
      void this.#send(async () => {
        await this.#sendBatches(state, run, true);
        state.sentUpTo = state.ours.maxSequence;
        await this.#sendRun(state, state.sentUpTo, Infinity, false);
      });
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
    const reconciling = state.session !== undefined && !state.caughtUp;
    if (reconciling) await state.session!.checkRun(batch.records);
    const { store, channel } = this.#o;
    const stored = await store.getPeerState(batch.folder, channel.peer);
    if (stored?.indexId !== batch.indexId || (reconciling && !state.started)) {
      await store.resetRemote(batch.folder, channel.peer, { indexId: batch.indexId, sequence: 0 });
    }
    // Invariant 2: the last batch of a reconciliation completes the peer's announced index.
    if (reconciling && batch.last) highest = state.offer.maxSequence;
    await store.putRemote(batch.folder, channel.peer, batch.records, {
      indexId: batch.indexId,
      sequence: highest,
    });
    state.started = true;
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
    const records = this.#o.store.localSince(state.folder.id, after);
    const highest = await this.#sendBatches(state, records, initial, upTo);
    state.sentUpTo = Math.max(state.sentUpTo, highest ?? after);
    // Changes recorded while the first run was under way were not announced: send them now.
    if (initial) await this.#sendRun(state, state.sentUpTo, Infinity, false);
  }

  /**
   * Sends `records` (in sequence order, up to sequence `upTo`) as `index` batches, the
   * last one `last` (empty if need be when `initial`); resolves with the highest sequence sent.
   */
  async #sendBatches(
    state: FolderState,
    records: AsyncIterable<LocalRecord> | Iterable<LocalRecord>,
    initial: boolean,
    upTo = Infinity,
  ): Promise<number | undefined> {
    let pending: FileRecord[] = [];
    let pendingBytes = 0;
    const flush = async (last: boolean) => {
      const batch: IndexBatch = {
        kind: 'index',
        folder: state.folder.id,
        indexId: state.ours.indexId,
        records: pending,
        last,
      };
      pending = [];
      pendingBytes = 0;
      await this.#o.channel.send(batch);
    };
    let highest: number | undefined;
    for await (const record of records) {
      if (record.sequence > upTo) break;
      const bytes = recordWireBytes(record);
      const full = pending.length === LIMITS.recordsPerIndex || pendingBytes + bytes > LIMITS.indexBatchBytes;
      if (full && pending.length > 0) await flush(false);
      pending.push(withoutObserved(record));
      pendingBytes += bytes;
      highest = record.sequence;
    }
    // A batch is flushed only when another record follows, so a run's last records wait here.
    if (pending.length > 0 || initial) await flush(true);
    return highest;
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
