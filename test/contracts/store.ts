/**
 * The Store contract: what every store adapter must do. An adapter's test calls
 * `describeStoreContract` with a factory that makes a fresh backing (a new database name)
 * and returns how to open a store on it; the suite opens it twice to test a reload.
 */
import { describe, expect, it } from 'vitest';
import type { FileRecord } from '../../src/core/model/fileRecord.ts';
import {
  InvalidBatchError,
  StoreClosedError,
  type JournalEntry,
  type LocalChange,
  type Store,
} from '../../src/ports/Store.ts';

/** Opens a store on one backing; each call is a new "page load" over the same data. */
export type OpenStore = () => Store | Promise<Store>;

const FOLDER = 'folder-1';
const PEER = 'PEERDEVICEID';

function change(path: string, size = 10, overrides: Partial<LocalChange> = {}): LocalChange {
  return {
    path,
    size,
    mtime: 1_700_000_000_000,
    hash: new Uint8Array([size & 0xff, 1, 2, 3]),
    chunks: [{ hash: new Uint8Array([9, 9]), size }],
    version: { ME: 1 },
    deleted: false,
    modifiedBy: 'ME',
    ...overrides,
  };
}

function remote(path: string, sequence: number): FileRecord {
  return { ...change(path, sequence), version: { PEER: sequence }, modifiedBy: 'PEER', sequence };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export function describeStoreContract(name: string, make: () => OpenStore | Promise<OpenStore>): void {
  describe(`${name} (Store contract)`, () => {
    const open = async () => (await make())();

    describe('local records', () => {
      it('gives each change the next local sequence, in the order given', async () => {
        const store = await open();
        expect(await store.localSequence(FOLDER)).toBe(0);
        const stored = await store.putLocal(FOLDER, [change('a'), change('b')]);
        expect(stored.map((r) => [r.path, r.sequence])).toEqual([
          ['a', 1],
          ['b', 2],
        ]);
        const again = await store.putLocal(FOLDER, [change('a', 20)]);
        expect(again[0]).toEqual({ ...change('a', 20), sequence: 3 });
        expect(await store.localSequence(FOLDER)).toBe(3);
        expect(await store.getLocal(FOLDER, 'a')).toEqual({ ...change('a', 20), sequence: 3 });
        expect(await store.getLocal(FOLDER, 'missing')).toBeUndefined();
      });

      it('keeps folders apart', async () => {
        const store = await open();
        await store.putLocal(FOLDER, [change('a')]);
        await store.putLocal('folder-2', [change('a', 5)]);
        expect(await store.localSequence('folder-2')).toBe(1);
        expect((await store.getLocal(FOLDER, 'a'))?.size).toBe(10);
        expect((await store.getLocal('folder-2', 'a'))?.size).toBe(5);
      });

      it('stores all of a batch or none of it', async () => {
        const store = await open();
        await store.putLocal(FOLDER, [change('kept')]);
        // A record the store cannot serialize, after one it can.
        const unclonable = { ...change('bad'), extra: () => 0 } as unknown as LocalChange;
        await expect(store.putLocal(FOLDER, [change('good'), unclonable])).rejects.toThrow();
        await expect(store.putLocal(FOLDER, [change('x'), change('x', 3)])).rejects.toBeInstanceOf(
          InvalidBatchError,
        );
        expect(await store.getLocal(FOLDER, 'good')).toBeUndefined();
        expect(await store.getLocal(FOLDER, 'x')).toBeUndefined();
        expect(await store.localSequence(FOLDER)).toBe(1);
        expect((await collect(store.localSince(FOLDER, 0))).map((r) => r.path)).toEqual(['kept']);
      });

      it('lists the records changed after a sequence, in sequence order, each path once', async () => {
        const store = await open();
        await store.putLocal(FOLDER, [change('a'), change('b'), change('c')]);
        await store.putLocal(FOLDER, [change('a', 11)]);
        await store.putLocal(FOLDER, [change('d')]);
        const since = async (after: number) =>
          (await collect(store.localSince(FOLDER, after))).map((r) => [r.path, r.sequence]);
        expect(await since(0)).toEqual([
          ['b', 2],
          ['c', 3],
          ['a', 4],
          ['d', 5],
        ]);
        expect(await since(3)).toEqual([
          ['a', 4],
          ['d', 5],
        ]);
        expect(await since(5)).toEqual([]);
      });

      it('never yields a sequence twice while records change during the iteration', async () => {
        const store = await open();
        await store.putLocal(
          FOLDER,
          Array.from({ length: 300 }, (_, i) => change(`f${i}`)),
        );
        const seen: number[] = [];
        for await (const record of store.localSince(FOLDER, 0)) {
          seen.push(record.sequence);
          if (record.sequence % 50 === 0)
            await store.putLocal(FOLDER, [change(`f${record.sequence - 1}`, 99)]);
        }
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual([...seen].sort((x, y) => x - y));
        expect(seen.slice(0, 49)).toEqual(Array.from({ length: 49 }, (_, i) => i + 1));
      });

      it('hands out copies: changing a returned record changes nothing stored', async () => {
        const store = await open();
        const [stored] = await store.putLocal(FOLDER, [change('a')]);
        stored!.hash[0] = 200;
        const fetched = await store.getLocal(FOLDER, 'a');
        fetched!.hash[1] = 200;
        expect((await store.getLocal(FOLDER, 'a'))?.hash).toEqual(change('a').hash);
      });

      it('keeps the observed stat beside the record through putLocal, getLocal and localSince', async () => {
        const store = await open();
        const observed = { size: 10, mtime: 1_700_000_500_000 };
        const [stored] = await store.putLocal(FOLDER, [{ ...change('a'), observed }, change('t')]);
        expect(stored).toEqual({ ...change('a'), observed, sequence: 1 });
        expect(await store.getLocal(FOLDER, 'a')).toEqual({ ...change('a'), observed, sequence: 1 });
        expect((await store.getLocal(FOLDER, 't'))?.observed).toBeUndefined();
        expect((await collect(store.localSince(FOLDER, 0))).map((r) => [r.path, r.observed])).toEqual([
          ['a', observed],
          ['t', undefined],
        ]);
        // A new change replaces the observed stat with its own, or none.
        await store.putLocal(FOLDER, [change('a', 11)]);
        expect((await store.getLocal(FOLDER, 'a'))?.observed).toBeUndefined();
      });

      it('sets the observed stat alone: same record, same sequence, nothing new for peers', async () => {
        const store = await open();
        await store.putLocal(FOLDER, [{ ...change('a'), observed: { size: 10, mtime: 1 } }, change('b')]);
        const before = await store.getLocal(FOLDER, 'a');
        await store.setObserved(FOLDER, 'a', { size: 10, mtime: 2 });
        const after = await store.getLocal(FOLDER, 'a');
        expect(after?.observed).toEqual({ size: 10, mtime: 2 });
        expect({ ...after, observed: undefined }).toEqual({ ...before, observed: undefined });
        expect(after?.sequence).toBe(1);
        expect(await store.localSequence(FOLDER)).toBe(2);
        expect(await collect(store.localSince(FOLDER, 2))).toEqual([]);
        const all = await collect(store.localSince(FOLDER, 0));
        expect(all.map((r) => [r.path, r.sequence, r.observed])).toEqual([
          ['a', 1, { size: 10, mtime: 2 }],
          ['b', 2, undefined],
        ]);
        // A record without one gets one.
        await store.setObserved(FOLDER, 'b', { size: 10, mtime: 3 });
        expect(await store.getLocal(FOLDER, 'b')).toEqual({
          ...change('b'),
          sequence: 2,
          observed: { size: 10, mtime: 3 },
        });
      });

      it('refuses to set the observed stat of a path it has no record of', async () => {
        const store = await open();
        await store.putLocal(FOLDER, [change('a')]);
        await expect(store.setObserved(FOLDER, 'missing', { size: 1, mtime: 1 })).rejects.toBeInstanceOf(
          InvalidBatchError,
        );
        await expect(store.setObserved('folder-2', 'a', { size: 1, mtime: 1 })).rejects.toBeInstanceOf(
          InvalidBatchError,
        );
        expect(await store.getLocal(FOLDER, 'missing')).toBeUndefined();
        expect(await store.getLocal('folder-2', 'a')).toBeUndefined();
        expect(await store.localSequence(FOLDER)).toBe(1);
      });

      it('remembers the index ID of each folder', async () => {
        const store = await open();
        expect(await store.getIndexId(FOLDER)).toBeUndefined();
        await store.setIndexId(FOLDER, 'index-1');
        await store.setIndexId(FOLDER, 'index-2');
        expect(await store.getIndexId(FOLDER)).toBe('index-2');
        expect(await store.getIndexId('folder-2')).toBeUndefined();
      });
    });

    describe('peer records and state', () => {
      it('stores a peer’s records together with where its index stands', async () => {
        const store = await open();
        expect(await store.getPeerState(FOLDER, PEER)).toBeUndefined();
        await store.putRemote(FOLDER, PEER, [remote('b', 1), remote('a', 2)], { indexId: 'p1', sequence: 2 });
        await store.putRemote(FOLDER, PEER, [remote('b', 3)], { indexId: 'p1', sequence: 3 });
        expect(await store.getPeerState(FOLDER, PEER)).toEqual({ indexId: 'p1', sequence: 3 });
        expect(await store.getRemote(FOLDER, PEER, 'b')).toEqual(remote('b', 3));
        expect((await collect(store.remoteRecords(FOLDER, PEER))).map((r) => r.path)).toEqual(['a', 'b']);
        expect(await store.getRemote(FOLDER, 'OTHER', 'a')).toBeUndefined();
        expect(await collect(store.remoteRecords(FOLDER, 'OTHER'))).toEqual([]);
        expect(await store.getLocal(FOLDER, 'a')).toBeUndefined();
      });

      it('does not move the peer’s sequence when its records fail to store', async () => {
        const store = await open();
        await store.putRemote(FOLDER, PEER, [remote('a', 1)], { indexId: 'p1', sequence: 1 });
        const unclonable = { ...remote('b', 2), extra: () => 0 } as unknown as FileRecord;
        await expect(
          store.putRemote(FOLDER, PEER, [remote('c', 3), unclonable], { indexId: 'p1', sequence: 3 }),
        ).rejects.toThrow();
        expect(await store.getPeerState(FOLDER, PEER)).toEqual({ indexId: 'p1', sequence: 1 });
        expect(await store.getRemote(FOLDER, PEER, 'c')).toBeUndefined();
      });

      it('forgets a peer’s records when its index is reset', async () => {
        const store = await open();
        await store.putRemote(FOLDER, PEER, [remote('a', 1)], { indexId: 'p1', sequence: 1 });
        await store.putRemote(FOLDER, 'OTHER', [remote('a', 1)], { indexId: 'o1', sequence: 1 });
        await store.resetRemote(FOLDER, PEER, { indexId: 'p2', sequence: 0 });
        expect(await store.getPeerState(FOLDER, PEER)).toEqual({ indexId: 'p2', sequence: 0 });
        expect(await collect(store.remoteRecords(FOLDER, PEER))).toEqual([]);
        expect(await store.getRemote(FOLDER, 'OTHER', 'a')).toEqual(remote('a', 1));
      });
    });

    describe('journal', () => {
      const entry = (path: string, chunksDone: number[]): JournalEntry => ({
        folder: FOLDER,
        path,
        hash: new Uint8Array([1, 2, 3]),
        size: 1 << 20,
        chunksDone,
      });

      it('records, replaces, lists and drops downloads in progress', async () => {
        const store = await open();
        await store.putJournal(entry('z.bin', [0]));
        await store.putJournal(entry('a.bin', [0, 1]));
        await store.putJournal(entry('z.bin', [0, 1, 2]));
        await store.putJournal({ ...entry('a.bin', [5]), folder: 'folder-2' });
        expect(await store.getJournal(FOLDER, 'z.bin')).toEqual(entry('z.bin', [0, 1, 2]));
        expect(await store.journal(FOLDER)).toEqual([entry('a.bin', [0, 1]), entry('z.bin', [0, 1, 2])]);
        await store.deleteJournal(FOLDER, 'a.bin');
        await store.deleteJournal(FOLDER, 'never.bin');
        expect((await store.journal(FOLDER)).map((e) => e.path)).toEqual(['z.bin']);
        expect(await store.getJournal(FOLDER, 'a.bin')).toBeUndefined();
        expect(await store.getJournal('folder-2', 'a.bin')).toEqual({
          ...entry('a.bin', [5]),
          folder: 'folder-2',
        });
      });
    });

    describe('settings', () => {
      it('saves, overwrites and deletes settings', async () => {
        const store = await open();
        expect(await store.getSetting('device.name')).toBeUndefined();
        await store.setSetting('device.name', 'laptop');
        await store.setSetting('device.name', 'Laptop');
        await store.setSetting('ice', '[]');
        expect(await store.getSetting('device.name')).toBe('Laptop');
        await store.deleteSetting('device.name');
        await store.deleteSetting('never');
        expect(await store.getSetting('device.name')).toBeUndefined();
        expect(await store.getSetting('ice')).toBe('[]');
      });
    });

    describe('reopening', () => {
      it('finds everything again after a close and a reopen', async () => {
        const reopen = await make();
        const first = await reopen();
        await first.putLocal(FOLDER, [change('a'), { ...change('b'), observed: { size: 10, mtime: 5 } }]);
        await first.setObserved(FOLDER, 'a', { size: 10, mtime: 7 });
        await first.setIndexId(FOLDER, 'index-1');
        await first.putRemote(FOLDER, PEER, [remote('r', 7)], { indexId: 'p1', sequence: 7 });
        await first.putJournal({
          folder: FOLDER,
          path: 'p',
          hash: new Uint8Array([1]),
          size: 1,
          chunksDone: [0],
        });
        await first.setSetting('k', 'v');
        await first.close();
        await first.close();

        const second = await reopen();
        expect(await second.localSequence(FOLDER)).toBe(2);
        expect((await collect(second.localSince(FOLDER, 1))).map((r) => r.path)).toEqual(['b']);
        expect((await second.getLocal(FOLDER, 'a'))?.observed).toEqual({ size: 10, mtime: 7 });
        expect((await second.getLocal(FOLDER, 'b'))?.observed).toEqual({ size: 10, mtime: 5 });
        expect(await second.getIndexId(FOLDER)).toBe('index-1');
        expect(await second.getPeerState(FOLDER, PEER)).toEqual({ indexId: 'p1', sequence: 7 });
        expect(await second.getRemote(FOLDER, PEER, 'r')).toEqual(remote('r', 7));
        expect((await second.journal(FOLDER)).map((e) => e.path)).toEqual(['p']);
        expect(await second.getSetting('k')).toBe('v');
        // Sequences continue where they stopped.
        expect((await second.putLocal(FOLDER, [change('c')]))[0]?.sequence).toBe(3);
        await second.close();
      });

      it('refuses every call once closed', async () => {
        const store = await open();
        await store.close();
        await expect(store.getLocal(FOLDER, 'a')).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.putLocal(FOLDER, [change('a')])).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.setObserved(FOLDER, 'a', { size: 1, mtime: 1 })).rejects.toBeInstanceOf(
          StoreClosedError,
        );
        await expect(collect(store.localSince(FOLDER, 0))).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.getSetting('k')).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.journal(FOLDER)).rejects.toBeInstanceOf(StoreClosedError);
      });
    });
  });
}
