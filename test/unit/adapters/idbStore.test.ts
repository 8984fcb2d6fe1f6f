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
  return () => IdbStore.open(name);
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

function openRaw(name: string, version?: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, version);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('blocked'));
  });
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

  it('steps aside for a newer schema opened elsewhere, then refuses calls', async () => {
    const name = freshName();
    const store = await IdbStore.open(name);
    const newer = await openRaw(name, SCHEMA_VERSION + 1); // would reject if blocked
    await expect(store.getSetting('k')).rejects.toBeInstanceOf(StoreClosedError);
    newer.close();
    await store.close();
  });

  it('rejects with the platform’s VersionError when the database is newer than the code', async () => {
    const name = freshName();
    (await openRaw(name, SCHEMA_VERSION + 1)).close();
    await expect(IdbStore.open(name)).rejects.toHaveProperty('name', 'VersionError');
  });

  it('creates schema version 1: six stores, local records indexed by folder and sequence', async () => {
    const name = freshName();
    await (await IdbStore.open(name)).close();
    const db = await openRaw(name);
    expect(db.version).toBe(1);
    expect([...db.objectStoreNames]).toEqual(['folders', 'journal', 'local', 'peers', 'remote', 'settings']);
    const local = db.transaction('local').objectStore('local');
    expect(local.keyPath).toEqual(['folder', 'record.path']);
    expect(local.index('bySequence').keyPath).toEqual(['folder', 'record.sequence']);
    expect(local.index('bySequence').unique).toBe(true);
    db.close();
  });
});
