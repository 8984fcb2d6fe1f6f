/**
 * The IndexedDB schema of IdbStore: one database per device, named by the caller.
 *
 * Version 2 (object store → key path → value; indexes):
 *
 * - `folders`  `folder`                    → { folder, sequence, indexId? }
 *   The highest local sequence handed out (kept even if records are one day dropped) and
 *   our index ID. Read and written in the same transaction as the records it numbers.
 * - `local`    [folder, record.path]        → { folder, record: FileRecord, observed?, deletedAt? }
 *   index `bySequence` [folder, record.sequence] (unique): `localSince` pages through it
 *   with a key range above [folder, after]. Replacing a path's record moves its index entry.
 *   index `tombstones` [folder, deletedAt] (v2): `deletedAt` is the record's mtime, present
 *   on tombstones only (a boolean is no IndexedDB key, so `record.deleted` cannot be
 *   indexed), so live records stay out of the index and `expireTombstones` reads just the
 *   tombstones below [folder, before].
 *   `observed` (ObservedStat: size and mtime as this device's volume last reported them for
 *   the record's content) sits beside the record, not in it: it is local-only, and
 *   `setObserved` rewrites it alone, leaving the record and its sequence as they were.
 * - `remote`   [folder, peer, record.path]  → { folder, peer, record: FileRecord, deletedAt? }
 *   A peer's records in path order under the prefix [folder, peer] (range up to
 *   [folder, peer, []]: arrays sort after every string).
 *   index `tombstones` [folder, deletedAt] (v2): as in `local`, over every peer's tombstones.
 * - `peers`    [folder, peer]               → { folder, peer, state: PeerIndexState }
 * - `journal`  [folder, path]               → JournalEntry as given
 * - `settings` out-of-line key (the setting's name) → string
 * - `keys`     out-of-line key (the credential's name) → StoredCredential (v2), as given:
 *   CryptoKey, CryptoKeyPair and RTCCertificate are structured-clonable, and a
 *   non-extractable key stays non-extractable.
 * - `bindings` `id`                        → FolderBinding (v3), as given: a directory
 *   handle is structured-clonable too.
 *
 * Everything of a folder sits under keys that start with the folder's ID, so `dropFolder`
 * deletes one key range per store.
 *
 * Records are stored whole under a `record` field rather than spread beside `folder`, so
 * what comes out is exactly the FileRecord that went in. Strings compare by UTF-16 code
 * units in IndexedDB, as `Array.prototype.sort` does: "path order" is the same here and in
 * MemoryStore.
 *
 * Migrations: raise `SCHEMA_VERSION` and add a step to `upgrade` that runs when
 * `oldVersion` is below it; never edit a step that has shipped. History:
 *
 * 1. `folders`, `local` (+ `bySequence`), `remote`, `peers`, `journal`, `settings`.
 * 2. `tombstones` indexes on `local` and `remote`, with `deletedAt` set on the tombstones
 *    already stored; the `keys` store.
 * 3. The `bindings` store.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { FileRecord } from '../../core/model/fileRecord.ts';
import type {
  DeviceId,
  FolderBinding,
  FolderId,
  IndexId,
  JournalEntry,
  ObservedStat,
  PeerIndexState,
  StoredCredential,
} from '../../ports/Store.ts';

export const SCHEMA_VERSION = 3;

export interface FolderRow {
  readonly folder: FolderId;
  readonly sequence: number;
  readonly indexId?: IndexId;
}

export interface LocalRow {
  readonly folder: FolderId;
  /** The synced record, without `observed`. */
  readonly record: FileRecord;
  /** Absent when the record has no observed stat (a tombstone). */
  readonly observed?: ObservedStat;
  /** `record.mtime` when the record is a tombstone, else absent: the `tombstones` index key. */
  readonly deletedAt?: number;
}

export interface RemoteRow {
  readonly folder: FolderId;
  readonly peer: DeviceId;
  readonly record: FileRecord;
  /** As in LocalRow. */
  readonly deletedAt?: number;
}

/** The `deletedAt` field of a row holding `record`: its mtime if it is a tombstone. */
export function tombstoneField(record: FileRecord): { deletedAt?: number } {
  return record.deleted ? { deletedAt: record.mtime } : {};
}

export interface PeerRow {
  readonly folder: FolderId;
  readonly peer: DeviceId;
  readonly state: PeerIndexState;
}

export interface TandemDB extends DBSchema {
  folders: { key: FolderId; value: FolderRow };
  local: {
    key: [FolderId, string];
    value: LocalRow;
    indexes: { bySequence: [FolderId, number]; tombstones: [FolderId, number] };
  };
  remote: {
    key: [FolderId, DeviceId, string];
    value: RemoteRow;
    indexes: { tombstones: [FolderId, number] };
  };
  peers: { key: [FolderId, DeviceId]; value: PeerRow };
  journal: { key: [FolderId, string]; value: JournalEntry };
  settings: { key: string; value: string };
  keys: { key: string; value: StoredCredential };
  bindings: { key: FolderId; value: FolderBinding };
}

type UpgradeTransaction = IDBPTransaction<TandemDB, StoreNames<TandemDB>[], 'versionchange'>;

/**
 * The `upgrade` callback of `openDB`: brings a database at `oldVersion` to SCHEMA_VERSION,
 * keeping its data. Runs inside the versionchange transaction: if any step fails, the
 * transaction aborts, the database stays at `oldVersion` and `openDB` rejects.
 */
export function upgrade(
  db: IDBPDatabase<TandemDB>,
  oldVersion: number,
  _newVersion: number | null,
  tx: UpgradeTransaction,
): void {
  if (oldVersion < 1) {
    db.createObjectStore('folders', { keyPath: 'folder' });
    const local = db.createObjectStore('local', { keyPath: ['folder', 'record.path'] });
    local.createIndex('bySequence', ['folder', 'record.sequence'], { unique: true });
    db.createObjectStore('remote', { keyPath: ['folder', 'peer', 'record.path'] });
    db.createObjectStore('peers', { keyPath: ['folder', 'peer'] });
    db.createObjectStore('journal', { keyPath: ['folder', 'path'] });
    db.createObjectStore('settings');
  }
  if (oldVersion < 2) {
    const local = tx.objectStore('local');
    const remote = tx.objectStore('remote');
    local.createIndex('tombstones', ['folder', 'deletedAt']);
    remote.createIndex('tombstones', ['folder', 'deletedAt']);
    db.createObjectStore('keys');
    // Tombstones stored by version 1 get their `deletedAt`, so the index finds them.
    const backfill = async () => {
      for (let cursor = await local.openCursor(); cursor; cursor = await cursor.continue())
        if (cursor.value.record.deleted)
          await cursor.update({ ...cursor.value, ...tombstoneField(cursor.value.record) });
      for (let cursor = await remote.openCursor(); cursor; cursor = await cursor.continue())
        if (cursor.value.record.deleted)
          await cursor.update({ ...cursor.value, ...tombstoneField(cursor.value.record) });
    };
    // A failed request aborts the versionchange transaction, and `openDB` rejects with its
    // error; the promise's own rejection is the same failure, already reported.
    backfill().catch(() => {
      try {
        tx.abort();
      } catch {
        // Already aborted.
      }
    });
  }
  if (oldVersion < 3) db.createObjectStore('bindings', { keyPath: 'id' });
}
