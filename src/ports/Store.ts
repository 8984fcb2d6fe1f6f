/**
 * Store: what one device remembers between page loads, per folder and per peer.
 *
 * The engine keeps here the folder index it publishes (local records, each with a local
 * sequence number), the records each peer sent it, where each peer's index stood
 * (index ID + highest sequence received, for delta indexes: DESIGN.md, Sync step 2), the
 * journal of partial downloads, and a few settings. Adapters: IndexedDB in the browser,
 * memory for tests and the simulation.
 *
 * Every write is all-or-nothing: a rejected call changed nothing. Values go in and come out
 * as copies (structured clone), so a caller never shares an object with the store. After
 * `close`, or once the backing went away from outside (`onClose`), every call rejects with
 * `StoreClosedError`; other failures reject with the platform's error (an IndexedDB
 * `DOMException`, a `DataCloneError`).
 *
 * Iterations read in pages (an IndexedDB transaction cannot stay open across the caller's
 * awaits): a record written while iterating may or may not be seen, and is never seen
 * twice at the same sequence.
 */
import type { FileRecord } from '../core/model/fileRecord.ts';

/** A folder's random 128-bit ID, as text (DESIGN.md, "Data model"). */
export type FolderId = string;

/**
 * Where a shared folder lives on this device, and who it is shared with (DESIGN.md, "Data
 * model": Folder), kept so the app starts it again on the next visit.
 */
export interface FolderBinding {
  readonly id: FolderId;
  readonly label: string;
  readonly devices: readonly DeviceId[];
  /**
   * A real folder's directory handle (File System Access: structured-clonable, and the
   * browser asks again for permission on a later visit), or an app-private folder by its
   * name under the origin's OPFS root.
   */
  readonly location:
    | { readonly kind: 'handle'; readonly handle: FileSystemDirectoryHandle }
    | { readonly kind: 'opfs'; readonly name: string };
}

/** A device ID (base32 of SHA-256 of its public key). */
export type DeviceId = string;

/**
 * Names one generation of a device's index of a folder. A device picks a new one when it
 * loses or resets its index, telling peers to forget the sequences they hold for it.
 */
export type IndexId = string;

/**
 * A file's size and mtime as this device's volume reported them when it last saw the
 * record's content on disk. Local only: it tells the scan whether the file may have
 * changed, and is never sent to peers. It differs from the record's own (synced) mtime
 * after a touch, and after a download (browsers cannot set a file's mtime).
 */
export interface ObservedStat {
  readonly size: number;
  readonly mtime: number;
}

/**
 * A local change to record: the store assigns its `sequence`. `observed` is the disk stat
 * of the content the change describes, when there is one (not for a tombstone).
 */
export type LocalChange = Omit<FileRecord, 'sequence'> & { readonly observed?: ObservedStat };

/**
 * A local record as stored: the synced FileRecord, plus this device's `observed` stat when
 * it has one. `observed` is local-only and never sent to peers (the protocol encodes a
 * record's fields one by one, `recordToWire`); everything else is what peers get.
 */
export type LocalRecord = FileRecord & { readonly observed?: ObservedStat };

/** Where a peer's index of a folder stood when we last took records from it. */
export interface PeerIndexState {
  readonly indexId: IndexId;
  /** The highest sequence of the peer's records we have stored; 0 for none. */
  readonly sequence: number;
}

/** A download in progress: which verified chunks of the target are already on disk. */
export interface JournalEntry {
  readonly folder: FolderId;
  readonly path: string;
  /** The file hash of the version being fetched (FileRecord.hash). */
  readonly hash: Uint8Array;
  readonly size: number;
  /** Indexes into the target's chunk list that are written and verified. */
  readonly chunksDone: readonly number[];
}

/**
 * An `RTCCertificate` as the store sees it: an opaque, structured-clonable object. Declared
 * here so the port needs no DOM-only type; a DOM `RTCCertificate` is assignable to it.
 */
export interface StoredCertificate {
  readonly expires: number;
  getFingerprints(): readonly { readonly algorithm?: string; readonly value?: string }[];
}

/**
 * What `putKey` keeps: WebCrypto keys (the device's ECDSA key pair, its private key
 * non-extractable) and the persistent DTLS certificate. Stored by structured clone, which
 * keeps a non-extractable key usable and non-extractable; nothing is ever exported.
 */
export type StoredCredential = CryptoKey | CryptoKeyPair | StoredCertificate;

/** Stops a listener. Calling it after the event fired, or twice, does nothing. */
export type Unsubscribe = () => void;

export interface Store {
  // ——— the local index ———

  /**
   * This device's record of `path`, or `undefined`. Called by the scan (did the file
   * change?) and the planner (what do we have?).
   */
  getLocal(folder: FolderId, path: string): Promise<LocalRecord | undefined>;

  /**
   * Records local changes (scan results, committed downloads) in one transaction: each
   * gets the next local sequence, in the order given, replacing the path's previous
   * record (and its observed stat: a change without `observed` stores none). Resolves with
   * the records as stored. Rejects (storing none) when two changes name the same path.
   */
  putLocal(folder: FolderId, changes: readonly LocalChange[]): Promise<readonly LocalRecord[]>;

  /**
   * Replaces the observed stat of the local record of `path`, and nothing else: the record
   * and its sequence stay as they are, so peers get nothing new (`localSince` yields
   * nothing for it). Called by the scan when a file was touched (same content, new disk
   * mtime). Rejects with `InvalidBatchError` (changing nothing) when there is no record of
   * `path`.
   */
  setObserved(folder: FolderId, path: string, stat: ObservedStat): Promise<void>;

  /**
   * The local records with a sequence above `after`, and at most `upTo` when given, in
   * sequence order: what a peer that holds our index up to `after` still needs. `after = 0`
   * gives the whole index; `upTo` stops at the maximum a hello announced, so records
   * changed since are left to the live updates. Records come with their `observed` stat;
   * whoever sends them sends only FileRecord fields.
   */
  localSince(folder: FolderId, after: number, upTo?: number): AsyncIterable<LocalRecord>;

  /**
   * Every local record of `folder`, in path order (UTF-16 code units, as
   * `Array.prototype.sort`), with its `observed` stat. Called by the planner, which walks
   * local and remote records side by side; `localSince` gives sequence order instead.
   */
  localRecords(folder: FolderId): AsyncIterable<LocalRecord>;

  /** The highest local sequence of `folder`; 0 before the first change. */
  localSequence(folder: FolderId): Promise<number>;

  /** Our index ID for `folder`, or `undefined` before the engine sets one. */
  getIndexId(folder: FolderId): Promise<IndexId | undefined>;

  /** Sets our index ID for `folder` (first share, or after losing the index). */
  setIndexId(folder: FolderId, id: IndexId): Promise<void>;

  /**
   * Forgets the tombstones of `folder` older than `before`, in one transaction, and
   * resolves with how many local ones it dropped:
   *
   * - every local record that is a tombstone (`deleted`) with `mtime < before` (for a local
   *   tombstone, the time the scan saw the file gone: scan.ts, invariant 5). Live records
   *   are never touched, and the folder's sequence stays where it is;
   * - every peer's tombstone with `mtime < before` for a path this device then has no
   *   record of (the tombstones just dropped, and paths it never had). A peer's tombstone
   *   beside a live local record or a younger local tombstone stays: the planner still
   *   needs it to decide.
   *
   * What the engine must do so that expiring brings no deletion back: call it now and then
   * (at start-up, then daily) with `before = expiryCutoff(clock.now())`, i.e. now minus
   * `TOMBSTONE_LIFETIME_MS` (core/model/tombstones.ts) on its own clock, never a later
   * cutoff and never a peer's time; and only while no scan or commit runs in the folder.
   * Every device that came online within the lifetime has had the tombstone by then.
   *
   * The price, as in Syncthing (which also keeps deleted items 15 months): a device away
   * longer than the lifetime that still holds the live file, at a version the tombstone
   * dominated, offers it again, and with nothing left here to dominate it the file comes
   * back, as a new file, on every device. The store does not try to prevent that.
   */
  expireTombstones(folder: FolderId, before: number): Promise<number>;

  /**
   * Forgets everything of `folder` in one transaction: local records, sequence and index
   * ID, every peer's records and state, the journal. Called when the folder is unshared
   * on this device. Sharing it again starts afresh: sequence 0, and no index ID until the
   * engine sets a new one (so peers forget what they held of the old index).
   */
  dropFolder(folder: FolderId): Promise<void>;

  // ——— what peers sent ———

  /**
   * Stores records received from `peer` (its own sequences kept) and where its index now
   * stands, in one transaction, so a crash never leaves a sequence recorded whose records
   * were lost. Called for every index or index-update message.
   */
  putRemote(
    folder: FolderId,
    peer: DeviceId,
    records: readonly FileRecord[],
    state: PeerIndexState,
  ): Promise<void>;

  /**
   * Forgets every record of `peer` in `folder` and sets its state, in one transaction.
   * Called when the peer's index ID changed, or the folder is unshared with it.
   */
  resetRemote(folder: FolderId, peer: DeviceId, state: PeerIndexState): Promise<void>;

  /** The peer's record of `path`, or `undefined`. Called by the planner. */
  getRemote(folder: FolderId, peer: DeviceId, path: string): Promise<FileRecord | undefined>;

  /** Every record of `peer` in `folder`, in path order. Called when planning a folder. */
  remoteRecords(folder: FolderId, peer: DeviceId): AsyncIterable<FileRecord>;

  /** Where the peer's index stood, or `undefined` if it never sent one. Called at hello. */
  getPeerState(folder: FolderId, peer: DeviceId): Promise<PeerIndexState | undefined>;

  // ——— partial downloads ———

  /** Records progress on a download, replacing the entry for the same folder and path. */
  putJournal(entry: JournalEntry): Promise<void>;

  /** The download in progress at `path`, or `undefined`. Called before fetching a file. */
  getJournal(folder: FolderId, path: string): Promise<JournalEntry | undefined>;

  /** Every download in progress in `folder`, in path order. Called at start-up to resume. */
  journal(folder: FolderId): Promise<readonly JournalEntry[]>;

  /** Drops the entry (download committed or abandoned); absent is fine. */
  deleteJournal(folder: FolderId, path: string): Promise<void>;

  // ——— settings ———

  /** A setting the app or engine saved (device name, ICE servers…), or `undefined`. */
  getSetting(key: string): Promise<string | undefined>;

  /** Saves a setting; values are text (JSON when structured). */
  setSetting(key: string, value: string): Promise<void>;

  /** Removes a setting; absent is fine. */
  deleteSetting(key: string): Promise<void>;

  // ——— device credentials ———

  /**
   * The credential saved under `name` (the device key pair, the DTLS certificate), or
   * `undefined`. Called by device identity at start-up; the caller knows what it saved
   * under each name and narrows the type.
   */
  getKey(name: string): Promise<StoredCredential | undefined>;

  /**
   * Saves a credential under `name`, replacing any. Rejects with `DataCloneError` (storing
   * nothing) for a value structured clone cannot copy.
   */
  putKey(name: string, value: StoredCredential): Promise<void>;

  /** Removes a credential (the device forgets its identity); absent is fine. */
  deleteKey(name: string): Promise<void>;

  // ——— folder bindings ———

  /** Every folder this device shares and where it lives here, in ID order. */
  folderBindings(): Promise<FolderBinding[]>;

  /**
   * Saves a folder's binding, replacing any under its ID. Rejects with `DataCloneError`
   * (storing nothing) when structured clone cannot copy the location.
   */
  putFolderBinding(binding: FolderBinding): Promise<void>;

  /** Forgets a folder's binding; absent is fine. Its index stays until `dropFolder`. */
  deleteFolderBinding(folder: FolderId): Promise<void>;

  // ——— lifetime ———

  /**
   * Calls `listener` once, with a sentence saying why, when the backing goes away without
   * `close` having been called: another tab opened a newer version of the database, or
   * the browser closed it (storage cleared). Every later call rejects with
   * `StoreClosedError`. A listener added after that is called at once (asynchronously);
   * after `close`, listeners are never called. The app listens to tell the user and stop
   * the engine.
   */
  onClose(listener: (reason: string) => void): Unsubscribe;

  /**
   * Releases the backing (closes the database). Called when the app shuts down or a test
   * reopens the store. Resolves after pending writes settle; idempotent.
   */
  close(): Promise<void>;
}

/** A call on a store after `close`. */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError';
  constructor() {
    super('the store is closed');
  }
}

/** A batch the store refuses before writing anything (e.g. one path twice). */
export class InvalidBatchError extends Error {
  override readonly name = 'InvalidBatchError';
  constructor(
    readonly folder: FolderId,
    readonly path: string,
    why: string,
  ) {
    super(`cannot store "${path}" in folder ${folder}: ${why}`);
  }
}

/** Every Store's first check in `putLocal`: one change per path in a batch. */
export function assertDistinctPaths(folder: FolderId, changes: readonly { readonly path: string }[]): void {
  const paths = new Set<string>();
  for (const { path } of changes) {
    if (paths.has(path)) throw new InvalidBatchError(folder, path, 'the path appears twice');
    paths.add(path);
  }
}
