/**
 * The Store contract: what every store adapter must do. An adapter's test calls
 * `describeStoreContract` with a factory that makes a fresh backing (a new database name)
 * and returns how to open a store on it, and how to make it go away from outside; the
 * suite opens it twice to test a reload.
 */
import { describe, expect, it, vi } from 'vitest';
import type { FileRecord } from '../../src/core/model/fileRecord.ts';
import {
  InvalidBatchError,
  StoreClosedError,
  type JournalEntry,
  type LocalChange,
  type FolderBinding,
  type Store,
} from '../../src/ports/Store.ts';

/** Opens a store on one backing; each call is a new "page load" over the same data. */
export type OpenStore = () => Store | Promise<Store>;

/** A fresh backing for one test. */
export interface TestBacking {
  readonly open: OpenStore;
  /**
   * Does to the stores open on the backing what another tab's upgrade, or the browser
   * deleting the database, does; resolves once they have seen it.
   */
  readonly closeFromOutside: () => void | Promise<void>;
}

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

/** A tombstone of `path`, as the scan records it: `mtime` is when it saw the file gone. */
function tombstone(path: string, mtime: number): LocalChange {
  return { ...change(path, 0), size: 0, mtime, hash: new Uint8Array(), chunks: [], deleted: true };
}

function remoteTombstone(path: string, sequence: number, mtime: number): FileRecord {
  return { ...tombstone(path, mtime), version: { PEER: sequence }, modifiedBy: 'PEER', sequence };
}

const paths = (records: readonly { readonly path: string }[]) => records.map((r) => r.path);

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

export function describeStoreContract(name: string, make: () => TestBacking | Promise<TestBacking>): void {
  describe(`${name} (Store contract)`, () => {
    const open = async () => (await make()).open();

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

      it('stops at an inclusive upper sequence when given one', async () => {
        const store = await open();
        await store.putLocal(FOLDER, [change('a'), change('b'), change('c'), change('d')]);
        await store.putLocal(FOLDER, [change('b', 11)]);
        const since = async (after: number, upTo?: number) =>
          (await collect(store.localSince(FOLDER, after, upTo))).map((r) => [r.path, r.sequence]);
        expect(await since(0, 3)).toEqual([
          ['a', 1],
          ['c', 3],
        ]);
        expect(await since(1, 4)).toEqual([
          ['c', 3],
          ['d', 4],
        ]);
        expect(await since(2, 100)).toEqual([
          ['c', 3],
          ['d', 4],
          ['b', 5],
        ]);
        expect(await since(3, 3)).toEqual([]);
        expect(await since(4, 2)).toEqual([]);
        expect(await since(0, 0)).toEqual([]);
      });

      it('lists every local record in path order, with its observed stat', async () => {
        const store = await open();
        const observed = { size: 10, mtime: 5 };
        await store.putLocal(FOLDER, [change('z'), change('a/b'), { ...change('a'), observed }, change('B')]);
        await store.putLocal(FOLDER, [change('é'), change('a.txt'), tombstone('gone', 7)]);
        await store.putLocal(FOLDER, [change('z', 11)]);
        await store.putLocal('folder-2', [change('other')]);
        const all = await collect(store.localRecords(FOLDER));
        // UTF-16 code unit order: upper case before lower, '.' (2E) before '/' (2F).
        expect(paths(all)).toEqual(['B', 'a', 'a.txt', 'a/b', 'gone', 'z', 'é']);
        expect(all[1]).toEqual({ ...change('a'), observed, sequence: 3 });
        expect(all.find((r) => r.path === 'z')).toEqual({ ...change('z', 11), sequence: 8 });
        expect(all.find((r) => r.path === 'gone')?.deleted).toBe(true);
        expect(await collect(store.localRecords('folder-3'))).toEqual([]);
      });

      it('never lists a path twice, in order, while records change during the path walk', async () => {
        const store = await open();
        const name = (i: number) => `f${String(i).padStart(3, '0')}`;
        await store.putLocal(
          FOLDER,
          Array.from({ length: 300 }, (_, i) => change(name(2 * i))),
        );
        const seen: string[] = [];
        for await (const record of store.localRecords(FOLDER)) {
          seen.push(record.path);
          // Rewrite a path already passed, and add one just ahead of the walk.
          if (seen.length % 50 === 0)
            await store.putLocal(FOLDER, [change(seen[0]!, 99), change(`${record.path}-after`)]);
        }
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual([...seen].sort());
        expect(seen.filter((p) => !p.endsWith('-after'))).toHaveLength(300);
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

    describe('tombstone expiry', () => {
      it('forgets the local tombstones older than the cutoff, and nothing else', async () => {
        const store = await open();
        await store.putLocal(FOLDER, [
          change('live', 10, { mtime: 50 }),
          tombstone('old', 100),
          tombstone('edge', 200),
          tombstone('young', 300),
          // A file back after its tombstone: a live record again, whatever its mtime.
          tombstone('back', 100),
        ]);
        await store.putLocal(FOLDER, [change('back', 10, { mtime: 60 })]);
        await store.putLocal('folder-2', [tombstone('old', 100)]);

        expect(await store.expireTombstones(FOLDER, 200)).toBe(1);
        expect(await store.getLocal(FOLDER, 'old')).toBeUndefined();
        expect(paths(await collect(store.localRecords(FOLDER)))).toEqual(['back', 'edge', 'live', 'young']);
        expect(paths(await collect(store.localSince(FOLDER, 0)))).toEqual(['live', 'edge', 'young', 'back']);
        // The sequence goes on: peers holding it keep their place, new changes number after it.
        expect(await store.localSequence(FOLDER)).toBe(6);
        expect((await store.putLocal(FOLDER, [change('new')]))[0]?.sequence).toBe(7);
        expect(await store.getLocal('folder-2', 'old')).toBeDefined();

        expect(await store.expireTombstones(FOLDER, 200)).toBe(0);
        expect(await store.expireTombstones(FOLDER, 301)).toBe(2);
        expect(paths(await collect(store.localRecords(FOLDER)))).toEqual(['back', 'live', 'new']);
      });

      it('drops peers’ old tombstones only for paths this device no longer has a record of', async () => {
        const store = await open();
        await store.putLocal(FOLDER, [tombstone('gone', 100), change('live'), tombstone('young', 300)]);
        const state = { indexId: 'p1', sequence: 9 };
        await store.putRemote(
          FOLDER,
          PEER,
          [
            remoteTombstone('gone', 1, 100), // dropped with ours
            remoteTombstone('live', 2, 100), // kept: the planner still weighs it against our file
            remoteTombstone('young', 3, 100), // kept: our tombstone of it stays
            remoteTombstone('never', 4, 100), // dropped: we hold nothing of it
            remoteTombstone('recent', 5, 300), // kept: not old enough
            remote('old-live', 6), // kept: a live record, whatever its mtime
          ],
          state,
        );
        await store.putRemote(
          FOLDER,
          'OTHER',
          [remoteTombstone('gone', 1, 150), remoteTombstone('gone2', 2, 250)],
          {
            indexId: 'o1',
            sequence: 2,
          },
        );
        // A peer's tombstone replaced by a live record is not a tombstone any more.
        await store.putRemote(FOLDER, PEER, [remoteTombstone('revived', 7, 100)], { ...state, sequence: 7 });
        await store.putRemote(FOLDER, PEER, [{ ...remote('revived', 8), mtime: 100 }], state);

        expect(await store.expireTombstones(FOLDER, 200)).toBe(1);
        expect(paths(await collect(store.remoteRecords(FOLDER, PEER)))).toEqual([
          'live',
          'old-live',
          'recent',
          'revived',
          'young',
        ]);
        expect(paths(await collect(store.remoteRecords(FOLDER, 'OTHER')))).toEqual(['gone2']);
        expect(await store.getPeerState(FOLDER, PEER)).toEqual(state);
        expect(await store.getRemote(FOLDER, PEER, 'live')).toEqual(remoteTombstone('live', 2, 100));
      });

      it('keeps what it expired forgotten after a reopen', async () => {
        const backing = await make();
        const first = await backing.open();
        await first.putLocal(FOLDER, [tombstone('old', 100), tombstone('young', 300)]);
        await first.putRemote(FOLDER, PEER, [remoteTombstone('old', 1, 100)], { indexId: 'p1', sequence: 1 });
        expect(await first.expireTombstones(FOLDER, 200)).toBe(1);
        await first.close();
        const second = await backing.open();
        expect(paths(await collect(second.localRecords(FOLDER)))).toEqual(['young']);
        expect(await second.getRemote(FOLDER, PEER, 'old')).toBeUndefined();
        expect(await second.expireTombstones(FOLDER, 400)).toBe(1);
        await second.close();
      });

      it('refuses a cutoff that is not a time', async () => {
        const store = await open();
        await store.putLocal(FOLDER, [tombstone('old', 100)]);
        await expect(store.expireTombstones(FOLDER, Number.NaN)).rejects.toBeInstanceOf(RangeError);
        expect(await store.getLocal(FOLDER, 'old')).toBeDefined();
      });
    });

    describe('dropping a folder', () => {
      it('forgets everything of the folder, and nothing of another', async () => {
        const store = await open();
        // 'folder-10' starts with 'folder-1': it must survive.
        for (const folder of [FOLDER, 'folder-10']) {
          await store.putLocal(folder, [change('a'), { ...change('b'), observed: { size: 10, mtime: 1 } }]);
          await store.setIndexId(folder, `index-of-${folder}`);
          await store.putRemote(folder, PEER, [remote('r', 3)], { indexId: 'p1', sequence: 3 });
          await store.resetRemote(folder, 'OTHER', { indexId: 'o1', sequence: 0 });
          await store.putJournal({ folder, path: 'p', hash: new Uint8Array([1]), size: 1, chunksDone: [0] });
        }
        await store.setSetting('k', 'v');

        await store.dropFolder(FOLDER);
        expect(await store.localSequence(FOLDER)).toBe(0);
        expect(await store.getIndexId(FOLDER)).toBeUndefined();
        expect(await store.getLocal(FOLDER, 'a')).toBeUndefined();
        expect(await collect(store.localSince(FOLDER, 0))).toEqual([]);
        expect(await collect(store.localRecords(FOLDER))).toEqual([]);
        expect(await store.getPeerState(FOLDER, PEER)).toBeUndefined();
        expect(await store.getPeerState(FOLDER, 'OTHER')).toBeUndefined();
        expect(await store.getRemote(FOLDER, PEER, 'r')).toBeUndefined();
        expect(await collect(store.remoteRecords(FOLDER, PEER))).toEqual([]);
        expect(await store.journal(FOLDER)).toEqual([]);
        expect(await store.getJournal(FOLDER, 'p')).toBeUndefined();

        expect(await store.localSequence('folder-10')).toBe(2);
        expect(await store.getIndexId('folder-10')).toBe('index-of-folder-10');
        expect(paths(await collect(store.localRecords('folder-10')))).toEqual(['a', 'b']);
        expect(await store.getPeerState('folder-10', 'OTHER')).toEqual({ indexId: 'o1', sequence: 0 });
        expect(await store.getRemote('folder-10', PEER, 'r')).toEqual(remote('r', 3));
        expect(paths(await store.journal('folder-10'))).toEqual(['p']);
        expect(await store.getSetting('k')).toBe('v');

        // Shared again, it starts afresh.
        expect((await store.putLocal(FOLDER, [change('new')]))[0]?.sequence).toBe(1);
        await store.dropFolder('never-shared');
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

    describe('folder bindings', () => {
      const binding = (id: string, label: string, devices: string[] = []): FolderBinding => ({
        id,
        label,
        devices,
        location: { kind: 'opfs', name: label },
      });
      const A = 'a'.repeat(32);
      const B = 'b'.repeat(32);

      it('keeps each folder binding across a reopen, in ID order, replaced and deleted by ID', async () => {
        const backing = await make();
        const first = await backing.open();
        expect(await first.folderBindings()).toEqual([]);
        await first.putFolderBinding(binding(B, 'Photos', ['DEV1']));
        await first.putFolderBinding(binding(A, 'Notes'));
        await first.putFolderBinding(binding(B, 'Pictures', ['DEV1', 'DEV2']));
        await first.close();

        const second = await backing.open();
        expect(await second.folderBindings()).toEqual([
          binding(A, 'Notes'),
          binding(B, 'Pictures', ['DEV1', 'DEV2']),
        ]);
        await second.deleteFolderBinding(A);
        await second.deleteFolderBinding('c'.repeat(32));
        expect((await second.folderBindings()).map((b) => b.id)).toEqual([B]);
        await second.close();
      });

      it('hands out copies, and refuses a location structured clone cannot copy, storing nothing', async () => {
        const store = await open();
        const mine = { ...binding(A, 'Notes'), devices: ['DEV1'] };
        await store.putFolderBinding(mine);
        mine.devices.push('LATER');
        const [stored] = await store.folderBindings();
        expect(stored!.devices).toEqual(['DEV1']);
        const notClonable = {
          ...binding(B, 'Bad'),
          location: { kind: 'handle', handle: { kind: 'directory', name: 'x', f: () => 1 } },
        } as unknown as FolderBinding;
        await expect(store.putFolderBinding(notClonable)).rejects.toHaveProperty('name', 'DataCloneError');
        expect((await store.folderBindings()).map((b) => b.id)).toEqual([A]);
      });
    });

    describe('device credentials', () => {
      it('keeps a device key pair usable, its private key still non-extractable, across a reopen', async () => {
        const backing = await make();
        const first = await backing.open();
        const pair = await crypto.subtle.generateKey(ECDSA, false, ['sign', 'verify']);
        expect(await first.getKey('device')).toBeUndefined();
        await first.putKey('device', pair);
        await first.putKey('public', pair.publicKey);
        await first.close();

        const second = await backing.open();
        const stored = (await second.getKey('device')) as CryptoKeyPair;
        expect(stored.privateKey.extractable).toBe(false);
        expect(stored.privateKey.type).toBe('private');
        expect(stored.privateKey.usages).toEqual(['sign']);
        const data = new Uint8Array([1, 2, 3]);
        const signature = await crypto.subtle.sign(SIGN, stored.privateKey, data);
        expect(await crypto.subtle.verify(SIGN, pair.publicKey, signature, data)).toBe(true);
        const publicKey = (await second.getKey('public')) as CryptoKey;
        expect(await crypto.subtle.verify(SIGN, publicKey, signature, data)).toBe(true);
        await expect(crypto.subtle.exportKey('pkcs8', stored.privateKey)).rejects.toThrow();
        await second.close();
      });

      it('replaces, deletes, and refuses what structured clone cannot copy', async () => {
        const store = await open();
        const first = await crypto.subtle.generateKey(ECDSA, false, ['sign', 'verify']);
        const second = await crypto.subtle.generateKey(ECDSA, true, ['sign', 'verify']);
        await store.putKey('device', first);
        await store.putKey('device', second);
        const raw = async (key: CryptoKey) => new Uint8Array(await crypto.subtle.exportKey('raw', key));
        const stored = (await store.getKey('device')) as CryptoKeyPair;
        expect(await raw(stored.publicKey)).toEqual(await raw(second.publicKey));

        const notClonable = { expires: 1, getFingerprints: () => [] };
        await expect(store.putKey('device', notClonable)).rejects.toHaveProperty('name', 'DataCloneError');
        expect(await raw(((await store.getKey('device')) as CryptoKeyPair).publicKey)).toEqual(
          await raw(second.publicKey),
        );
        await store.deleteKey('device');
        await store.deleteKey('never');
        expect(await store.getKey('device')).toBeUndefined();
      });
    });

    describe('closed from outside', () => {
      it('tells each listener once why, then refuses every call', async () => {
        const backing = await make();
        const store = await backing.open();
        await store.putLocal(FOLDER, [change('a'), change('b')]);
        const heard: string[] = [];
        const gone = vi.fn();
        store.onClose((reason) => heard.push(reason));
        store.onClose(gone)();
        const walked: string[] = [];
        const walk = (async () => {
          for await (const record of store.localRecords(FOLDER)) {
            walked.push(record.path);
            if (walked.length === 1) await backing.closeFromOutside();
          }
        })();
        await expect(walk).rejects.toBeInstanceOf(StoreClosedError);
        expect(walked).toEqual(['a']);
        expect(heard).toHaveLength(1);
        expect(heard[0]).toMatch(/\w/);
        expect(gone).not.toHaveBeenCalled();

        await expect(store.getSetting('k')).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.putLocal(FOLDER, [change('c')])).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.getKey('device')).rejects.toBeInstanceOf(StoreClosedError);

        // A listener added late still hears it, once, after this call returns.
        const late = vi.fn();
        store.onClose(late);
        expect(late).not.toHaveBeenCalled();
        await Promise.resolve();
        expect(late).toHaveBeenCalledExactlyOnceWith(heard[0]);
        await store.close();
        expect(heard).toHaveLength(1);

        // The backing can be opened again.
        const again = await backing.open();
        await again.setSetting('k', 'v');
        expect(await again.getSetting('k')).toBe('v');
        await again.close();
      });

      it('never calls its listeners once closed by its owner', async () => {
        const backing = await make();
        const store = await backing.open();
        const listener = vi.fn();
        store.onClose(listener);
        await store.close();
        await backing.closeFromOutside();
        store.onClose(listener);
        await Promise.resolve();
        expect(listener).not.toHaveBeenCalled();
      });
    });

    describe('reopening', () => {
      it('finds everything again after a close and a reopen', async () => {
        const reopen = (await make()).open;
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
        await expect(collect(store.localSince(FOLDER, 5, 3))).rejects.toBeInstanceOf(StoreClosedError);
        await expect(collect(store.localRecords(FOLDER))).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.expireTombstones(FOLDER, 0)).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.dropFolder(FOLDER)).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.getKey('device')).rejects.toBeInstanceOf(StoreClosedError);
        await expect(
          store.putKey('device', { expires: 1, getFingerprints: () => [] }),
        ).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.deleteKey('device')).rejects.toBeInstanceOf(StoreClosedError);
      });
    });
  });
}
