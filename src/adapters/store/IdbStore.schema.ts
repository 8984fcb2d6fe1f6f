/**
 * The IndexedDB schema of IdbStore: one database per device, named by the caller.
 *
 * Version 1 (object store → key path → value; indexes):
 *
 * - `folders`  `folder`                    → { folder, sequence, indexId? }
 *   The highest local sequence handed out (kept even if records are one day dropped) and
 *   our index ID. Read and written in the same transaction as the records it numbers.
 * - `local`    [folder, record.path]        → { folder, record: FileRecord, observed? }
 *   index `bySequence` [folder, record.sequence] (unique): `localSince` pages through it
 *   with a key range above [folder, after]. Replacing a path's record moves its index entry.
 *   `observed` (ObservedStat: size and mtime as this device's volume last reported them for
 *   the record's content) sits beside the record, not in it: it is local-only, and
 *   `setObserved` rewrites it alone, leaving the record and its sequence as they were.
 * - `remote`   [folder, peer, record.path]  → { folder, peer, record: FileRecord }
 *   A peer's records in path order under the prefix [folder, peer] (range up to
 *   [folder, peer, []]: arrays sort after every string).
 * - `peers`    [folder, peer]               → { folder, peer, state: PeerIndexState }
 * - `journal`  [folder, path]               → JournalEntry as given
 * - `settings` out-of-line key (the setting's name) → string
 *
 * Records are stored whole under a `record` field rather than spread beside `folder`, so
 * what comes out is exactly the FileRecord that went in. Strings compare by UTF-16 code
 * units in IndexedDB, as `Array.prototype.sort` does: "path order" is the same here and in
 * MemoryStore.
 *
 * Migrations: raise `SCHEMA_VERSION` and add a step to `upgrade` that runs when
 * `oldVersion` is below it; never edit a step that has shipped.
 */
import type { DBSchema, IDBPDatabase } from 'idb';
import type { FileRecord } from '../../core/model/fileRecord.ts';
import type {
  DeviceId,
  FolderId,
  IndexId,
  JournalEntry,
  ObservedStat,
  PeerIndexState,
} from '../../ports/Store.ts';

export const SCHEMA_VERSION = 1;

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
}

export interface RemoteRow {
  readonly folder: FolderId;
  readonly peer: DeviceId;
  readonly record: FileRecord;
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
    indexes: { bySequence: [FolderId, number] };
  };
  remote: { key: [FolderId, DeviceId, string]; value: RemoteRow };
  peers: { key: [FolderId, DeviceId]; value: PeerRow };
  journal: { key: [FolderId, string]; value: JournalEntry };
  settings: { key: string; value: string };
}

/** The `upgrade` callback of `openDB`: brings a database at `oldVersion` to SCHEMA_VERSION. */
export function upgrade(db: IDBPDatabase<TandemDB>, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore('folders', { keyPath: 'folder' });
    const local = db.createObjectStore('local', { keyPath: ['folder', 'record.path'] });
    local.createIndex('bySequence', ['folder', 'record.sequence'], { unique: true });
    db.createObjectStore('remote', { keyPath: ['folder', 'peer', 'record.path'] });
    db.createObjectStore('peers', { keyPath: ['folder', 'peer'] });
    db.createObjectStore('journal', { keyPath: ['folder', 'path'] });
    db.createObjectStore('settings');
  }
}
