/**
 * The Store in IndexedDB, through `idb`: one database per device, named by the caller.
 * Object stores, keys and indexes, and how to migrate them: IdbStore.schema.ts.
 *
 * Transactions are short and never span the caller's awaits: IndexedDB commits a
 * transaction as soon as the event loop turns with no request pending, so each call runs
 * in one transaction of its own, and iterations (`localSince`, `localRecords`,
 * `remoteRecords`) read a page of PAGE_SIZE records per transaction, resuming from the last
 * key read.
 *
 * Every transaction settles its call: request errors, transaction errors and aborts reject
 * it with the platform's error (a `DOMException`: `DataCloneError`, `QuotaExceededError`,
 * `AbortError`…). A write that fails part-way aborts its transaction, so nothing of it is
 * stored. `putLocal` reads the folder's sequence and writes the records numbered from it in
 * the same readwrite transaction; `putRemote` writes the records and the peer's state in one.
 *
 * Another tab opening a newer schema version, or deleting the database, asks this
 * connection to step aside (`versionchange`): the store closes itself, tells its `onClose`
 * listeners why, and later calls reject with `StoreClosedError`. The same happens when the
 * browser drops the connection (`close`: storage cleared, disk gone). An open blocked by
 * an older tab that does not close stays pending until it does.
 */
import { openDB, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { FileRecord } from '../../core/model/fileRecord.ts';
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
import { SCHEMA_VERSION, tombstoneField, upgrade, type LocalRow, type TandemDB } from './IdbStore.schema.ts';

/** Records read per transaction when iterating. */
export const PAGE_SIZE = 256;

type Names = StoreNames<TandemDB>;
type Transaction<N extends Names[], M extends IDBTransactionMode> = IDBPTransaction<TandemDB, N, M>;
/** Hands a request's promise to the transaction runner, which awaits it and reports its error. */
type Track = (request: Promise<unknown>) => void;

/** Every key that starts with `prefix` (arrays sort after strings and numbers). */
function prefixRange(...prefix: string[]): IDBKeyRange {
  return IDBKeyRange.bound(prefix, [...prefix, []]);
}

/** `expireTombstones`' cutoff must be a number a key range can hold. */
function checkCutoff(before: number): void {
  if (Number.isNaN(before)) throw new RangeError('expireTombstones needs a time, not NaN');
}

/** The local record a row holds, with its observed stat when it has one. */
function fromLocalRow(row: LocalRow): LocalRecord {
  return row.observed === undefined ? row.record : { ...row.record, observed: row.observed };
}

/** Why `versionchange` asked this connection to close, for `onClose` listeners. */
function versionChangeReason(event: IDBVersionChangeEvent): string {
  return event.newVersion === null
    ? 'the database is being deleted (by another tab, or site data was cleared)'
    : `another tab opened the database at version ${event.newVersion} (this page has version ${SCHEMA_VERSION}): reload this page`;
}

export class IdbStore implements Store {
  readonly #db: IDBPDatabase<TandemDB>;
  readonly #pending = new Set<Promise<unknown>>();
  readonly #closeSignal = new CloseSignal();
  #closed = false;

  private constructor(db: IDBPDatabase<TandemDB>) {
    this.#db = db;
    // A newer version in another tab wants to upgrade, or the database is being deleted:
    // let it, and stop using this one.
    db.addEventListener('versionchange', (event) => this.#closedFromOutside(versionChangeReason(event)));
    // The browser dropped the connection (storage cleared, disk error).
    db.addEventListener('close', () =>
      this.#closedFromOutside('the browser closed the database (site data cleared, or a disk error)'),
    );
  }

  /** Opens (creating or upgrading) the database `name`. Rejects with the platform's error. */
  static async open(name: string): Promise<IdbStore> {
    return new IdbStore(await openDB<TandemDB>(name, SCHEMA_VERSION, { upgrade }));
  }

  // ——— the local index ———

  async getLocal(folder: FolderId, path: string): Promise<LocalRecord | undefined> {
    const row = await this.#run(['local'], 'readonly', (tx) => tx.objectStore('local').get([folder, path]));
    return row && fromLocalRow(row);
  }

  async putLocal(folder: FolderId, changes: readonly LocalChange[]): Promise<readonly LocalRecord[]> {
    this.#open();
    assertDistinctPaths(folder, changes);
    const stored = await this.#run(['folders', 'local'], 'readwrite', async (tx, track) => {
      const folders = tx.objectStore('folders');
      const local = tx.objectStore('local');
      const row = await folders.get(folder);
      const base = row?.sequence ?? 0;
      const rows = changes.map((change, i): LocalRow => {
        const { observed, ...rest } = change;
        const record: FileRecord = { ...rest, sequence: base + 1 + i };
        const row: LocalRow = { folder, record, ...tombstoneField(record) };
        return observed === undefined ? row : { ...row, observed };
      });
      // A value that cannot be cloned throws here, synchronously; the runner aborts.
      for (const localRow of rows) track(local.put(localRow));
      track(folders.put({ ...row, folder, sequence: base + rows.length }));
      return rows.map(fromLocalRow);
    });
    // The records share arrays with `changes`; hand out copies, as the port promises.
    return structuredClone(stored);
  }

  async setObserved(folder: FolderId, path: string, stat: ObservedStat): Promise<void> {
    const observed: ObservedStat = { size: stat.size, mtime: stat.mtime };
    await this.#run(['local'], 'readwrite', async (tx, track) => {
      const local = tx.objectStore('local');
      const row = await local.get([folder, path]);
      if (!row) throw new InvalidBatchError(folder, path, 'there is no local record of it');
      // Same record, same sequence: the `bySequence` entry stays where it was.
      track(local.put({ ...row, observed }));
    });
  }

  async *localSince(folder: FolderId, after: number, upTo = Infinity): AsyncGenerator<LocalRecord> {
    this.#open();
    let from = after;
    for (;;) {
      // An empty range is no key range (IDBKeyRange.bound throws): there is nothing to read.
      if (from >= upTo) return;
      const range = IDBKeyRange.bound([folder, from], [folder, upTo], true);
      const page = await this.#run(['local'], 'readonly', (tx) =>
        tx.objectStore('local').index('bySequence').getAll(range, PAGE_SIZE),
      );
      for (const row of page) {
        yield fromLocalRow(row);
        this.#open();
      }
      const last = page.at(-1);
      if (!last || page.length < PAGE_SIZE) return;
      from = last.record.sequence;
    }
  }

  async *localRecords(folder: FolderId): AsyncGenerator<LocalRecord> {
    let range = prefixRange(folder);
    for (;;) {
      const page = await this.#run(['local'], 'readonly', (tx) =>
        tx.objectStore('local').getAll(range, PAGE_SIZE),
      );
      for (const row of page) {
        yield fromLocalRow(row);
        this.#open();
      }
      const last = page.at(-1);
      if (!last || page.length < PAGE_SIZE) return;
      range = IDBKeyRange.bound([folder, last.record.path], [folder, []], true);
    }
  }

  async localSequence(folder: FolderId): Promise<number> {
    const row = await this.#run(['folders'], 'readonly', (tx) => tx.objectStore('folders').get(folder));
    return row?.sequence ?? 0;
  }

  async getIndexId(folder: FolderId): Promise<IndexId | undefined> {
    const row = await this.#run(['folders'], 'readonly', (tx) => tx.objectStore('folders').get(folder));
    return row?.indexId;
  }

  async setIndexId(folder: FolderId, id: IndexId): Promise<void> {
    await this.#run(['folders'], 'readwrite', async (tx, track) => {
      const folders = tx.objectStore('folders');
      const row = await folders.get(folder);
      track(folders.put({ sequence: 0, ...row, folder, indexId: id }));
    });
  }

  async expireTombstones(folder: FolderId, before: number): Promise<number> {
    this.#open();
    checkCutoff(before);
    // Every tombstone of the folder with deletedAt < before (the index holds tombstones only).
    const expired = IDBKeyRange.bound([folder], [folder, before], false, true);
    return this.#run(['local', 'remote'], 'readwrite', async (tx, track) => {
      const local = tx.objectStore('local');
      const remote = tx.objectStore('remote');
      const localKeys = await local.index('tombstones').getAllKeys(expired);
      for (const key of localKeys) track(local.delete(key));
      const remoteKeys = await remote.index('tombstones').getAllKeys(expired);
      for (const key of remoteKeys) {
        // Requests run in order: this reads after the deletes above.
        const [, , path] = key;
        track(
          local.getKey([folder, path]).then((held) => (held === undefined ? remote.delete(key) : undefined)),
        );
      }
      return localKeys.length;
    });
  }

  async dropFolder(folder: FolderId): Promise<void> {
    await this.#run(['folders', 'local', 'remote', 'peers', 'journal'], 'readwrite', (tx, track) => {
      const everything = prefixRange(folder);
      track(tx.objectStore('folders').delete(folder));
      track(tx.objectStore('local').delete(everything));
      track(tx.objectStore('remote').delete(everything));
      track(tx.objectStore('peers').delete(everything));
      track(tx.objectStore('journal').delete(everything));
    });
  }

  // ——— what peers sent ———

  async putRemote(
    folder: FolderId,
    peer: DeviceId,
    records: readonly FileRecord[],
    state: PeerIndexState,
  ): Promise<void> {
    await this.#run(['remote', 'peers'], 'readwrite', (tx, track) => {
      const remote = tx.objectStore('remote');
      for (const record of records) track(remote.put({ folder, peer, record, ...tombstoneField(record) }));
      track(tx.objectStore('peers').put({ folder, peer, state }));
    });
  }

  async resetRemote(folder: FolderId, peer: DeviceId, state: PeerIndexState): Promise<void> {
    await this.#run(['remote', 'peers'], 'readwrite', (tx, track) => {
      track(tx.objectStore('remote').delete(prefixRange(folder, peer)));
      track(tx.objectStore('peers').put({ folder, peer, state }));
    });
  }

  async getRemote(folder: FolderId, peer: DeviceId, path: string): Promise<FileRecord | undefined> {
    const row = await this.#run(['remote'], 'readonly', (tx) =>
      tx.objectStore('remote').get([folder, peer, path]),
    );
    return row?.record;
  }

  async *remoteRecords(folder: FolderId, peer: DeviceId): AsyncGenerator<FileRecord> {
    let range = prefixRange(folder, peer);
    for (;;) {
      const page = await this.#run(['remote'], 'readonly', (tx) =>
        tx.objectStore('remote').getAll(range, PAGE_SIZE),
      );
      for (const row of page) {
        yield row.record;
        this.#open();
      }
      const last = page.at(-1);
      if (!last || page.length < PAGE_SIZE) return;
      range = IDBKeyRange.bound([folder, peer, last.record.path], [folder, peer, []], true);
    }
  }

  async getPeerState(folder: FolderId, peer: DeviceId): Promise<PeerIndexState | undefined> {
    const row = await this.#run(['peers'], 'readonly', (tx) => tx.objectStore('peers').get([folder, peer]));
    return row?.state;
  }

  // ——— partial downloads ———

  async putJournal(entry: JournalEntry): Promise<void> {
    await this.#run(['journal'], 'readwrite', (tx, track) => track(tx.objectStore('journal').put(entry)));
  }

  async getJournal(folder: FolderId, path: string): Promise<JournalEntry | undefined> {
    return this.#run(['journal'], 'readonly', (tx) => tx.objectStore('journal').get([folder, path]));
  }

  async journal(folder: FolderId): Promise<readonly JournalEntry[]> {
    return this.#run(['journal'], 'readonly', (tx) => tx.objectStore('journal').getAll(prefixRange(folder)));
  }

  async deleteJournal(folder: FolderId, path: string): Promise<void> {
    await this.#run(['journal'], 'readwrite', (tx, track) =>
      track(tx.objectStore('journal').delete([folder, path])),
    );
  }

  // ——— settings ———

  async getSetting(key: string): Promise<string | undefined> {
    return this.#run(['settings'], 'readonly', (tx) => tx.objectStore('settings').get(key));
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.#run(['settings'], 'readwrite', (tx, track) =>
      track(tx.objectStore('settings').put(value, key)),
    );
  }

  async deleteSetting(key: string): Promise<void> {
    await this.#run(['settings'], 'readwrite', (tx, track) => track(tx.objectStore('settings').delete(key)));
  }

  // ——— device credentials ———

  async getKey(name: string): Promise<StoredCredential | undefined> {
    return this.#run(['keys'], 'readonly', (tx) => tx.objectStore('keys').get(name));
  }

  async putKey(name: string, value: StoredCredential): Promise<void> {
    await this.#run(['keys'], 'readwrite', (tx, track) => track(tx.objectStore('keys').put(value, name)));
  }

  async deleteKey(name: string): Promise<void> {
    await this.#run(['keys'], 'readwrite', (tx, track) => track(tx.objectStore('keys').delete(name)));
  }

  // ——— folder bindings ———

  async folderBindings(): Promise<FolderBinding[]> {
    return this.#run(['bindings'], 'readonly', (tx) => tx.objectStore('bindings').getAll());
  }

  async putFolderBinding(binding: FolderBinding): Promise<void> {
    await this.#run(['bindings'], 'readwrite', (tx, track) => track(tx.objectStore('bindings').put(binding)));
  }

  async deleteFolderBinding(folder: FolderId): Promise<void> {
    await this.#run(['bindings'], 'readwrite', (tx, track) =>
      track(tx.objectStore('bindings').delete(folder)),
    );
  }

  // ——— lifetime ———

  onClose(listener: (reason: string) => void): Unsubscribe {
    return this.#closeSignal.subscribe(listener);
  }

  async close(): Promise<void> {
    this.#closeSignal.cancel();
    this.#shut();
    await Promise.allSettled(this.#pending);
  }

  /** The database went away under us: shut, then say why (once; never after `close`). */
  #closedFromOutside(reason: string): void {
    if (this.#closed) return;
    this.#shut();
    this.#closeSignal.fire(reason);
  }

  /** Stops new calls; transactions already created still run to their end. */
  #shut(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #open(): IDBPDatabase<TandemDB> {
    if (this.#closed) throw new StoreClosedError();
    return this.#db;
  }

  /**
   * Runs `body` in one transaction and settles with it: resolves with the body's result
   * once every tracked request succeeded and the transaction committed; otherwise aborts
   * the transaction (if it is still running) and rejects with the first error, the
   * platform's own.
   */
  async #run<const N extends Names[], M extends IDBTransactionMode, T>(
    names: N,
    mode: M,
    body: (tx: Transaction<N, M>, track: Track) => T | Promise<T>,
  ): Promise<T> {
    const tx = this.#open().transaction(names, mode);
    const requests: Promise<unknown>[] = [];
    const work = (async () => {
      try {
        const result = await body(tx, (request) => void requests.push(request));
        await Promise.all(requests);
        await tx.done;
        return result;
      } catch (error) {
        try {
          tx.abort();
        } catch {
          // Already aborted by the failed request, or finished.
        }
        await Promise.allSettled([...requests, tx.done]);
        throw error;
      }
    })();
    const forget = () => void this.#pending.delete(work);
    this.#pending.add(work);
    work.then(forget, forget);
    return work;
  }
}
