import 'fake-indexeddb/auto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { IdbStore, PAGE_SIZE } from '../../../src/adapters/store/IdbStore.ts';
import { SCHEMA_VERSION } from '../../../src/adapters/store/IdbStore.schema.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import { StoreClosedError, type LocalChange } from '../../../src/ports/Store.ts';
import { describeStoreContract } from '../../contracts/store.ts';

let databases = 0;
/** A database name no other test uses: fake-indexeddb is one global factory per test file. */
const freshName = () => `tandem-test-${++databases}`;

describeStoreContract('IdbStore (fake-indexeddb)', () => {
  const name = freshName();
  return { open: () => IdbStore.open(name), closeFromOutside: () => deleteRaw(name) };
});

const FOLDER = 'folder-1';

function change(path: string, size = 1): LocalChange {
  return {
    path,
    size,
    mtime: 1_700_000_000_000,
    hash: new Uint8Array([size & 0xff]),
    chunks: [{ hash: new Uint8Array([1]), size }],
    version: { ME: size },
    deleted: false,
    modifiedBy: 'ME',
  };
}

function remote(path: string, sequence: number): FileRecord {
  return { ...change(path), modifiedBy: 'PEER', sequence };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function openRaw(name: string, version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, version);
    if (upgrade) request.onupgradeneeded = () => upgrade(request.result);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('blocked'));
  });
}

/** Deletes the database, as the browser does when site data is cleared; rejects if blocked. */
function deleteRaw(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('blocked: a connection did not close'));
  });
}

/** Settles an IDBRequest or transaction as a promise. */
function done(target: IDBRequest | IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    if (target instanceof IDBTransaction) {
      target.oncomplete = () => resolve();
      target.onabort = target.onerror = () => reject(target.error);
    } else {
      target.onsuccess = () => resolve();
      target.onerror = () => reject(target.error);
    }
  });
}

/** Schema version 1 exactly as it shipped (IdbStore.schema.ts, step 1). */
function createVersion1(db: IDBDatabase): void {
  db.createObjectStore('folders', { keyPath: 'folder' });
  const local = db.createObjectStore('local', { keyPath: ['folder', 'record.path'] });
  local.createIndex('bySequence', ['folder', 'record.sequence'], { unique: true });
  db.createObjectStore('remote', { keyPath: ['folder', 'peer', 'record.path'] });
  db.createObjectStore('peers', { keyPath: ['folder', 'peer'] });
  db.createObjectStore('journal', { keyPath: ['folder', 'path'] });
  db.createObjectStore('settings');
}

/** A tombstone as the scan records it, `mtime` when the file was seen gone. */
function deletion(path: string, mtime: number): LocalChange {
  return { ...change(path), size: 0, mtime, hash: new Uint8Array(), chunks: [], deleted: true };
}

function tombstone(path: string, sequence: number, mtime: number): FileRecord {
  return { ...deletion(path, mtime), sequence };
}

describe('IdbStore (IndexedDB specifics)', () => {
  it('aborts the whole transaction of a batch that fails part-way, with the platform’s error', async () => {
    const store = await IdbStore.open(freshName());
    await store.putLocal(FOLDER, [change('kept')]);
    const unclonable = { ...change('bad'), extra: Symbol('no') } as unknown as LocalChange;
    const failure = store.putLocal(FOLDER, [change('good'), change('kept', 2), unclonable]);
    await expect(failure).rejects.toBeInstanceOf(DOMException);
    await expect(failure).rejects.toHaveProperty('name', 'DataCloneError');
    expect(await store.getLocal(FOLDER, 'good')).toBeUndefined();
    expect((await store.getLocal(FOLDER, 'kept'))?.size).toBe(1);
    // No sequence was taken by the aborted batch.
    expect((await store.putLocal(FOLDER, [change('next')]))[0]?.sequence).toBe(2);
    await store.close();
  });

  it('leaves a peer’s state and records untouched when its state fails to store', async () => {
    const store = await IdbStore.open(freshName());
    const state = { indexId: 'p1', sequence: 2, extra: () => 0 };
    await expect(store.putRemote(FOLDER, 'PEER', [remote('a', 2)], state)).rejects.toHaveProperty(
      'name',
      'DataCloneError',
    );
    expect(await store.getRemote(FOLDER, 'PEER', 'a')).toBeUndefined();
    expect(await store.getPeerState(FOLDER, 'PEER')).toBeUndefined();
    await store.close();
  });

  it('pages through more than a thousand local records, every one in sequence order', async () => {
    const store = await IdbStore.open(freshName());
    for (let batch = 0; batch < 3; batch++)
      await store.putLocal(
        FOLDER,
        Array.from({ length: 500 }, (_, i) => change(`b${batch}/f${i}`)),
      );
    // Rewrite a few, so the index has holes where their old sequences were.
    await store.putLocal(FOLDER, [change('b0/f0', 2), change('b1/f300', 2)]);
    const all = await collect(store.localSince(FOLDER, 0));
    expect(all).toHaveLength(1500);
    const sequences = all.map((r) => r.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(sequences.at(-1)).toBe(1502);
    expect(all.slice(-2).map((r) => r.path)).toEqual(['b0/f0', 'b1/f300']);

    const since = await collect(store.localSince(FOLDER, 700));
    expect(since[0]?.sequence).toBe(701);
    expect(since).toHaveLength(1502 - 700 - 1); // b1/f300 left a hole at 801
    await store.close();
  });

  it('ends cleanly when the records fill the last page exactly', async () => {
    const store = await IdbStore.open(freshName());
    await store.putLocal(
      FOLDER,
      Array.from({ length: 2 * PAGE_SIZE }, (_, i) => change(`f${i}`)),
    );
    expect(await collect(store.localSince(FOLDER, 0))).toHaveLength(2 * PAGE_SIZE);
    expect(await collect(store.localSince(FOLDER, PAGE_SIZE))).toHaveLength(PAGE_SIZE);
    await store.close();
  });

  it('holds no transaction across the caller’s awaits while iterating', async () => {
    const store = await IdbStore.open(freshName());
    await store.putLocal(
      FOLDER,
      Array.from({ length: PAGE_SIZE + 10 }, (_, i) => change(`f${i}`)),
    );
    await store.putRemote(
      FOLDER,
      'PEER',
      Array.from({ length: PAGE_SIZE + 10 }, (_, i) => remote(`f${i}`, i + 1)),
      { indexId: 'p1', sequence: PAGE_SIZE + 10 },
    );
    let local = 0;
    for await (const record of store.localSince(FOLDER, 0)) {
      expect(record.sequence).toBe(++local);
      if (local % 64 === 0) await sleep(1); // a macrotask: a held transaction would commit
    }
    const localPaths: string[] = [];
    for await (const record of store.localRecords(FOLDER)) {
      localPaths.push(record.path);
      if (localPaths.length % 64 === 0) await sleep(1);
    }
    expect(localPaths).toEqual(Array.from({ length: PAGE_SIZE + 10 }, (_, i) => `f${i}`).sort());
    const paths: string[] = [];
    for await (const record of store.remoteRecords(FOLDER, 'PEER')) {
      paths.push(record.path);
      if (paths.length % 64 === 0) await sleep(1);
    }
    expect(local).toBe(PAGE_SIZE + 10);
    expect(paths).toEqual(Array.from({ length: PAGE_SIZE + 10 }, (_, i) => `f${i}`).sort());
    await store.close();
  });

  it('pages through a peer’s records in path order, apart from peers and folders that share a prefix', async () => {
    const store = await IdbStore.open(freshName());
    const paths = Array.from({ length: 700 }, (_, i) => `dir${i % 7}/file-${i}`);
    await store.putRemote(
      FOLDER,
      'PEER',
      paths.map((p, i) => remote(p, i + 1)),
      { indexId: 'p1', sequence: 700 },
    );
    await store.putRemote(FOLDER, 'PEERX', [remote('a', 1)], { indexId: 'x', sequence: 1 });
    await store.putRemote(`${FOLDER}0`, 'PEER', [remote('b', 1)], { indexId: 'p1', sequence: 1 });
    const listed = (await collect(store.remoteRecords(FOLDER, 'PEER'))).map((r) => r.path);
    expect(listed).toEqual([...paths].sort());
    await store.resetRemote(FOLDER, 'PEER', { indexId: 'p2', sequence: 0 });
    expect(await collect(store.remoteRecords(FOLDER, 'PEER'))).toEqual([]);
    expect(await store.getRemote(FOLDER, 'PEERX', 'a')).toEqual(remote('a', 1));
    expect(await store.getRemote(`${FOLDER}0`, 'PEER', 'b')).toEqual(remote('b', 1));
    await store.close();
  });

  it('pages through local records in path order, apart from folders that share a prefix', async () => {
    const store = await IdbStore.open(freshName());
    const paths = Array.from({ length: 3 * PAGE_SIZE + 5 }, (_, i) => `dir${i % 5}/file-${i}`);
    await store.putLocal(
      FOLDER,
      paths.map((p) => change(p)),
    );
    await store.putLocal(`${FOLDER}0`, [change('a')]);
    await store.putLocal('folder-', [change('b')]);
    const listed = (await collect(store.localRecords(FOLDER))).map((r) => r.path);
    expect(listed).toEqual([...paths].sort());
    expect(await collect(store.localRecords(`${FOLDER}0`))).toHaveLength(1);
    await store.close();
  });

  it('stops at the upper sequence across pages', async () => {
    const store = await IdbStore.open(freshName());
    await store.putLocal(
      FOLDER,
      Array.from({ length: 3 * PAGE_SIZE }, (_, i) => change(`f${i}`)),
    );
    const sequences = (await collect(store.localSince(FOLDER, 100, 2 * PAGE_SIZE + 7))).map(
      (r) => r.sequence,
    );
    expect(sequences).toEqual(Array.from({ length: 2 * PAGE_SIZE + 7 - 100 }, (_, i) => 101 + i));
    await store.close();
  });

  it('expires many tombstones of many peers in one call', async () => {
    const store = await IdbStore.open(freshName());
    const count = 2 * PAGE_SIZE;
    await store.putLocal(
      FOLDER,
      Array.from({ length: count }, (_, i) => deletion(`t${i}`, i)),
    );
    for (const peer of ['P1', 'P2', 'P3'])
      await store.putRemote(
        FOLDER,
        peer,
        Array.from({ length: count }, (_, i) => tombstone(`t${i}`, i + 1, i)),
        { indexId: peer, sequence: count },
      );
    expect(await store.expireTombstones(FOLDER, count / 2)).toBe(count / 2);
    const left = (await collect(store.localRecords(FOLDER))).map((r) => r.mtime);
    expect(left.sort((a, b) => a - b)).toEqual(Array.from({ length: count / 2 }, (_, i) => count / 2 + i));
    for (const peer of ['P1', 'P2', 'P3'])
      expect(await collect(store.remoteRecords(FOLDER, peer))).toHaveLength(count / 2);
    await store.close();
  });

  it('upgrades a version 1 database, keeping its data and indexing the tombstones it held', async () => {
    const name = freshName();
    const v1 = await openRaw(name, 1, createVersion1);
    const tx = v1.transaction(['folders', 'local', 'remote', 'peers', 'journal', 'settings'], 'readwrite');
    tx.objectStore('folders').put({ folder: FOLDER, sequence: 3, indexId: 'index-1' });
    const local = tx.objectStore('local');
    local.put({ folder: FOLDER, record: { ...change('a'), sequence: 1 }, observed: { size: 1, mtime: 9 } });
    local.put({ folder: FOLDER, record: tombstone('gone', 2, 100) });
    local.put({ folder: FOLDER, record: tombstone('young', 3, 300) });
    const remoteStore = tx.objectStore('remote');
    remoteStore.put({ folder: FOLDER, peer: 'PEER', record: tombstone('gone', 5, 100) });
    remoteStore.put({ folder: FOLDER, peer: 'PEER', record: remote('x', 6) });
    tx.objectStore('peers').put({ folder: FOLDER, peer: 'PEER', state: { indexId: 'p1', sequence: 6 } });
    tx.objectStore('journal').put({
      folder: FOLDER,
      path: 'big',
      hash: new Uint8Array([1]),
      size: 1,
      chunksDone: [0],
    });
    tx.objectStore('settings').put('laptop', 'device.name');
    await done(tx);
    v1.close();

    const store = await IdbStore.open(name);
    expect(await store.localSequence(FOLDER)).toBe(3);
    expect(await store.getIndexId(FOLDER)).toBe('index-1');
    expect(await store.getLocal(FOLDER, 'a')).toEqual({
      ...change('a'),
      sequence: 1,
      observed: { size: 1, mtime: 9 },
    });
    expect((await collect(store.localSince(FOLDER, 0))).map((r) => r.path)).toEqual(['a', 'gone', 'young']);
    expect(await store.getLocal(FOLDER, 'gone')).toEqual(tombstone('gone', 2, 100));
    expect(await store.getPeerState(FOLDER, 'PEER')).toEqual({ indexId: 'p1', sequence: 6 });
    expect((await store.journal(FOLDER)).map((e) => e.path)).toEqual(['big']);
    expect(await store.getSetting('device.name')).toBe('laptop');
    // The tombstones written by version 1 are found by the new index.
    expect(await store.expireTombstones(FOLDER, 200)).toBe(1);
    expect((await collect(store.remoteRecords(FOLDER, 'PEER'))).map((r) => r.path)).toEqual(['x']);
    expect(await store.expireTombstones(FOLDER, 400)).toBe(1);
    // The rows come out exactly as before: no `deletedAt` leaks into a record.
    expect(await store.getRemote(FOLDER, 'PEER', 'x')).toEqual(remote('x', 6));
    await store.putKey(
      'device',
      await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt']),
    );
    expect(await store.getKey('device')).toBeInstanceOf(CryptoKey);
    // Version 3's folder bindings start empty and work.
    expect(await store.folderBindings()).toEqual([]);
    await store.putFolderBinding({
      id: FOLDER,
      label: 'docs',
      devices: [],
      location: { kind: 'opfs', name: 'docs' },
    });
    expect((await store.folderBindings()).map((b) => b.label)).toEqual(['docs']);
    await store.close();

    const db = await openRaw(name);
    expect(db.version).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('lets writes in flight finish when closed', async () => {
    const name = freshName();
    const store = await IdbStore.open(name);
    const write = store.putLocal(FOLDER, [change('a'), change('b')]);
    await store.close();
    await expect(write).resolves.toHaveLength(2);
    const again = await IdbStore.open(name);
    expect(await again.localSequence(FOLDER)).toBe(2);
    await again.close();
  });

  it('steps aside for a newer schema opened elsewhere, says so, then refuses calls', async () => {
    const name = freshName();
    const store = await IdbStore.open(name);
    const reasons: string[] = [];
    store.onClose((reason) => reasons.push(reason));
    const newer = await openRaw(name, SCHEMA_VERSION + 1); // would reject if blocked
    expect(reasons).toEqual([
      expect.stringContaining(`another tab opened the database at version ${SCHEMA_VERSION + 1}`),
    ]);
    await expect(store.getSetting('k')).rejects.toBeInstanceOf(StoreClosedError);
    newer.close();
    await store.close();
  });

  it('rejects with the platform’s VersionError when the database is newer than the code', async () => {
    const name = freshName();
    (await openRaw(name, SCHEMA_VERSION + 1)).close();
    await expect(IdbStore.open(name)).rejects.toHaveProperty('name', 'VersionError');
  });

  it('creates schema version 3: eight stores, local records indexed by sequence, tombstones by time', async () => {
    const name = freshName();
    await (await IdbStore.open(name)).close();
    const db = await openRaw(name);
    expect(db.version).toBe(3);
    expect([...db.objectStoreNames]).toEqual([
      'bindings',
      'folders',
      'journal',
      'keys',
      'local',
      'peers',
      'remote',
      'settings',
    ]);
    const tx = db.transaction(['local', 'remote', 'keys', 'bindings']);
    expect(tx.objectStore('bindings').keyPath).toBe('id');
    const local = tx.objectStore('local');
    expect(local.keyPath).toEqual(['folder', 'record.path']);
    expect(local.index('bySequence').keyPath).toEqual(['folder', 'record.sequence']);
    expect(local.index('bySequence').unique).toBe(true);
    expect(local.index('tombstones').keyPath).toEqual(['folder', 'deletedAt']);
    expect(tx.objectStore('remote').index('tombstones').keyPath).toEqual(['folder', 'deletedAt']);
    expect(tx.objectStore('keys').keyPath).toBeNull();
    db.close();
  });
});
