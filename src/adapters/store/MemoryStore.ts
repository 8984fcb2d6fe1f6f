/**
 * A Store held in memory, for tests and the simulation. The data lives in a
 * `MemoryStoreBacking` that outlives the store, so a test can close a store and open
 * another on the same backing, as a page reload reopens IndexedDB.
 *
 * Faithful to IndexedDB where it matters: values are structured-cloned in and out (an
 * uncloneable value rejects with `DataCloneError` and stores nothing), every write is
 * all-or-nothing, and iterations read in pages that see concurrent writes. A test makes
 * the backing go away as another tab or the browser would, with
 * `backing.closeFromOutside(reason)`.
 */
import type { FileRecord } from '../../core/model/fileRecord.ts';
import { isExpiredTombstone } from '../../core/model/tombstones.ts';
import {
  assertDistinctPaths,
  InvalidBatchError,
  StoreClosedError,
  type DeviceId,
  type FolderBinding,
  type FolderId,
  type IndexId,
  type JournalEntry,
  type LocalChange,
  type LocalRecord,
  type ObservedStat,
  type PeerIndexState,
  type Store,
  type StoredCredential,
  type Unsubscribe,
} from '../../ports/Store.ts';
import { CloseSignal } from './closeSignal.ts';
import { SequenceIndex } from './sequenceIndex.ts';

interface PeerData {
  state: PeerIndexState;
  readonly records: Map<string, FileRecord>;
}

interface FolderData {
  sequence: number;
  indexId: IndexId | undefined;
  /** Path → record, with its observed stat when it has one. */
  readonly local: Map<string, LocalRecord>;
  /** Sequence → path of every local record. */
  readonly bySequence: SequenceIndex;
  readonly peers: Map<DeviceId, PeerData>;
  readonly journal: Map<string, JournalEntry>;
}

/** The data of a MemoryStore: what survives closing and reopening it. */
export class MemoryStoreBacking {
  readonly folders = new Map<FolderId, FolderData>();
  readonly settings = new Map<string, string>();
  readonly keys = new Map<string, StoredCredential>();
  readonly bindings = new Map<FolderId, FolderBinding>();
  /** How to tell each store open on this backing that it went away. */
  readonly #open = new Set<(reason: string) => void>();

  /**
   * For tests: does to every store open on this backing what another tab's upgrade or the
   * browser clearing storage does to an IdbStore. Each closes, calls its `onClose`
   * listeners with `reason`, and rejects later calls. The data stays; a store opened on
   * the backing afterwards works.
   */
  closeFromOutside(reason: string): void {
    for (const lost of [...this.#open]) lost(reason);
  }

  /** Called by MemoryStore when it opens; the returned function when it closes. */
  attach(lost: (reason: string) => void): () => void {
    this.#open.add(lost);
    return () => void this.#open.delete(lost);
  }
}

export class MemoryStore implements Store {
  readonly #data: MemoryStoreBacking;
  readonly #detach: () => void;
  readonly #closeSignal = new CloseSignal();
  #closed = false;

  constructor(backing: MemoryStoreBacking = new MemoryStoreBacking()) {
    this.#data = backing;
    this.#detach = backing.attach((reason) => {
      this.#shut();
      this.#closeSignal.fire(reason);
    });
  }

  async getLocal(folder: FolderId, path: string): Promise<LocalRecord | undefined> {
    return clone(this.#folder(folder).local.get(path));
  }

  async putLocal(folder: FolderId, changes: readonly LocalChange[]): Promise<readonly LocalRecord[]> {
    const data = this.#folder(folder);
    assertDistinctPaths(folder, changes);
    // Clone everything before changing anything: a DataCloneError leaves the store as it was.
    const records: LocalRecord[] = changes.map((change, i) => {
      const { observed, ...rest } = change;
      const record: LocalRecord = { ...rest, sequence: data.sequence + 1 + i };
      return structuredClone(observed === undefined ? record : { ...record, observed });
    });
    for (const record of records) {
      const old = data.local.get(record.path);
      if (old) data.bySequence.delete(old.sequence);
      data.local.set(record.path, record);
      data.bySequence.set(record.sequence, record.path);
    }
    data.sequence += records.length;
    return clone(records);
  }

  async setObserved(folder: FolderId, path: string, stat: ObservedStat): Promise<void> {
    const data = this.#folder(folder);
    const record = data.local.get(path);
    if (!record) throw new InvalidBatchError(folder, path, 'there is no local record of it');
    const observed: ObservedStat = structuredClone({ size: stat.size, mtime: stat.mtime });
    // Same sequence: `bySequence` keeps pointing at this path.
    data.local.set(path, { ...record, observed });
  }

  async *localSince(folder: FolderId, after: number, upTo = Infinity): AsyncGenerator<LocalRecord> {
    const data = this.#folder(folder);
    // A live walk: a record rewritten meanwhile moves to its new sequence, still ahead.
    for (let at = data.bySequence.firstAfter(after); at !== undefined && at <= upTo;) {
      const record = data.local.get(data.bySequence.get(at) ?? '');
      if (record && record.sequence === at) yield clone(record);
      this.#checkOpen();
      at = data.bySequence.firstAfter(at);
    }
  }

  async *localRecords(folder: FolderId): AsyncGenerator<LocalRecord> {
    const records = this.#folder(folder).local;
    for (const path of [...records.keys()].sort()) {
      const record = records.get(path);
      if (record) yield clone(record);
      this.#checkOpen();
    }
  }

  async localSequence(folder: FolderId): Promise<number> {
    return this.#folder(folder).sequence;
  }

  async getIndexId(folder: FolderId): Promise<IndexId | undefined> {
    return this.#folder(folder).indexId;
  }

  async setIndexId(folder: FolderId, id: IndexId): Promise<void> {
    this.#folder(folder).indexId = id;
  }

  async expireTombstones(folder: FolderId, before: number): Promise<number> {
    const data = this.#folder(folder);
    if (Number.isNaN(before)) throw new RangeError('expireTombstones needs a time, not NaN');
    let dropped = 0;
    for (const [path, record] of data.local) {
      if (!isExpiredTombstone(record, before)) continue;
      data.local.delete(path);
      data.bySequence.delete(record.sequence);
      dropped++;
    }
    for (const { records } of data.peers.values())
      for (const [path, record] of records)
        if (isExpiredTombstone(record, before) && !data.local.has(path)) records.delete(path);
    return dropped;
  }

  async dropFolder(folder: FolderId): Promise<void> {
    const data = this.#folder(folder);
    // Emptied in place too, so an iteration still walking these maps ends, as a page
    // read from IndexedDB after the drop would find nothing.
    data.local.clear();
    data.bySequence.clear();
    for (const peer of data.peers.values()) peer.records.clear();
    data.peers.clear();
    data.journal.clear();
    this.#data.folders.delete(folder);
  }

  async putRemote(
    folder: FolderId,
    peer: DeviceId,
    records: readonly FileRecord[],
    state: PeerIndexState,
  ): Promise<void> {
    const copies = structuredClone({ records, state });
    const data = this.#peer(folder, peer, copies.state);
    for (const record of copies.records) data.records.set(record.path, record);
    data.state = copies.state;
  }

  async resetRemote(folder: FolderId, peer: DeviceId, state: PeerIndexState): Promise<void> {
    const copy = structuredClone(state);
    const data = this.#peer(folder, peer, copy);
    data.records.clear();
    data.state = copy;
  }

  async getRemote(folder: FolderId, peer: DeviceId, path: string): Promise<FileRecord | undefined> {
    return clone(this.#folder(folder).peers.get(peer)?.records.get(path));
  }

  async *remoteRecords(folder: FolderId, peer: DeviceId): AsyncGenerator<FileRecord> {
    const records = this.#folder(folder).peers.get(peer)?.records;
    if (!records) return;
    for (const path of [...records.keys()].sort()) {
      const record = records.get(path);
      if (record) yield clone(record);
      this.#checkOpen();
    }
  }

  async getPeerState(folder: FolderId, peer: DeviceId): Promise<PeerIndexState | undefined> {
    return clone(this.#folder(folder).peers.get(peer)?.state);
  }

  async putJournal(entry: JournalEntry): Promise<void> {
    const copy = structuredClone(entry);
    this.#folder(entry.folder).journal.set(entry.path, copy);
  }

  async getJournal(folder: FolderId, path: string): Promise<JournalEntry | undefined> {
    return clone(this.#folder(folder).journal.get(path));
  }

  async journal(folder: FolderId): Promise<readonly JournalEntry[]> {
    const entries = this.#folder(folder).journal;
    return [...entries.keys()].sort().map((path) => clone(entries.get(path)!));
  }

  async deleteJournal(folder: FolderId, path: string): Promise<void> {
    this.#folder(folder).journal.delete(path);
  }

  async getSetting(key: string): Promise<string | undefined> {
    this.#checkOpen();
    return this.#data.settings.get(key);
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.#checkOpen();
    this.#data.settings.set(key, value);
  }

  async deleteSetting(key: string): Promise<void> {
    this.#checkOpen();
    this.#data.settings.delete(key);
  }

  async getKey(name: string): Promise<StoredCredential | undefined> {
    this.#checkOpen();
    return clone(this.#data.keys.get(name));
  }

  async putKey(name: string, value: StoredCredential): Promise<void> {
    this.#checkOpen();
    this.#data.keys.set(name, structuredClone(value));
  }

  async deleteKey(name: string): Promise<void> {
    this.#checkOpen();
    this.#data.keys.delete(name);
  }

  async folderBindings(): Promise<FolderBinding[]> {
    this.#checkOpen();
    return [...this.#data.bindings.keys()].sort().map((id) => structuredClone(this.#data.bindings.get(id)!));
  }

  async putFolderBinding(binding: FolderBinding): Promise<void> {
    this.#checkOpen();
    this.#data.bindings.set(binding.id, structuredClone(binding));
  }

  async deleteFolderBinding(folder: FolderId): Promise<void> {
    this.#checkOpen();
    this.#data.bindings.delete(folder);
  }

  onClose(listener: (reason: string) => void): Unsubscribe {
    return this.#closeSignal.subscribe(listener);
  }

  async close(): Promise<void> {
    this.#closeSignal.cancel();
    this.#shut();
  }

  #shut(): void {
    this.#closed = true;
    this.#detach();
  }

  #checkOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }

  /** The folder's data, created empty on first use. */
  #folder(folder: FolderId): FolderData {
    this.#checkOpen();
    let data = this.#data.folders.get(folder);
    if (!data) {
      data = {
        sequence: 0,
        indexId: undefined,
        local: new Map(),
        bySequence: new SequenceIndex(),
        peers: new Map(),
        journal: new Map(),
      };
      this.#data.folders.set(folder, data);
    }
    return data;
  }

  #peer(folder: FolderId, peer: DeviceId, state: PeerIndexState): PeerData {
    const peers = this.#folder(folder).peers;
    let data = peers.get(peer);
    if (!data) {
      data = { state, records: new Map() };
      peers.set(peer, data);
    }
    return data;
  }
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}
