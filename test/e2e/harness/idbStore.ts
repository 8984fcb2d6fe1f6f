/**
 * IdbStore in a real page, exposed to test/e2e/idbStore.spec.ts as `window.tandemIdb`.
 * `write` fills a database and closes it; after a reload, `read` opens it again and says
 * what it finds, as plain JSON the spec can compare.
 */
import { IdbStore } from '../../../src/adapters/store/IdbStore.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import type { LocalChange, ObservedStat } from '../../../src/ports/Store.ts';

const FOLDER = 'folder-e2e';
const PEER = 'PEERDEVICEID';
/** More than two pages of PAGE_SIZE, so `localSince` reads several transactions. */
const FILES = 600;

function change(path: string, size: number): LocalChange {
  return {
    path,
    size,
    mtime: 1_700_000_000_000 + size,
    hash: new Uint8Array([size & 0xff, size >> 8, 7]),
    chunks: [{ hash: new Uint8Array([9, size & 0xff]), size }],
    version: { ME: size },
    deleted: false,
    modifiedBy: 'ME',
  };
}

function remote(path: string, sequence: number): FileRecord {
  return { ...change(path, sequence), modifiedBy: 'PEER', sequence };
}

const fileName = (i: number) => `dir/f${String(i).padStart(3, '0')}`;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export interface WriteReport {
  /** How many files the first batch held, and the sequence after the last good batch. */
  readonly files: number;
  readonly sequence: number;
  /** The `name` of the error a batch with an uncloneable value rejected with. */
  readonly failedBatch: string;
  readonly sequenceAfterFailure: number;
}

export interface ReadReport {
  readonly sequence: number;
  readonly indexId: string | undefined;
  /** [path, sequence] of `localSince(0)`, in the order yielded. */
  readonly local: [string, number][];
  readonly since: [string, number][];
  readonly hashIsBytes: boolean;
  readonly rewritten: { size: number; hash: number[] } | undefined;
  /** The observed stats of the rewritten file and of `z-last`. */
  readonly observed: [ObservedStat | undefined, ObservedStat | undefined];
  readonly peerState: { indexId: string; sequence: number } | undefined;
  readonly remotePaths: string[];
  readonly remoteB: { sequence: number; modifiedBy: string } | undefined;
  readonly journal: { path: string; chunksDone: readonly number[] }[];
  readonly setting: string | undefined;
  readonly nextSequence: number | undefined;
}

const harness = {
  async write(name: string): Promise<WriteReport> {
    const store = await IdbStore.open(name);
    try {
      await store.putLocal(
        FOLDER,
        Array.from({ length: FILES }, (_, i) => change(fileName(i), i + 1)),
      );
      await store.putLocal(FOLDER, [change(fileName(10), 1000), change(fileName(500), 1001)]);
      await store.putLocal(FOLDER, [{ ...change('z-last', 5), observed: { size: 5, mtime: 42 } }]);
      // A touch: the observed stat alone, no new sequence.
      await store.setObserved(FOLDER, fileName(10), { size: 1000, mtime: 77 });
      await store.setIndexId(FOLDER, 'index-1');
      await store.putRemote(FOLDER, PEER, [remote('b', 1), remote('a', 2), remote('c', 3)], {
        indexId: 'peer-index',
        sequence: 3,
      });
      await store.putRemote(FOLDER, PEER, [remote('b', 4)], { indexId: 'peer-index', sequence: 4 });
      await store.putJournal({
        folder: FOLDER,
        path: 'big.bin',
        hash: new Uint8Array([1]),
        size: 9,
        chunksDone: [0, 2],
      });
      await store.setSetting('device.name', 'e2e laptop');

      const uncloneable = { ...change('bad', 1), extra: () => 0 } as unknown as LocalChange;
      const failedBatch = await store.putLocal(FOLDER, [change('good', 1), uncloneable]).then(
        () => 'resolved',
        (error: unknown) => (error instanceof Error ? error.name : String(error)),
      );
      return {
        files: FILES,
        sequence: FILES + 3,
        failedBatch,
        sequenceAfterFailure: await store.localSequence(FOLDER),
      };
    } finally {
      await store.close();
    }
  },

  async read(name: string): Promise<ReadReport> {
    const store = await IdbStore.open(name);
    try {
      const local = await collect(store.localSince(FOLDER, 0));
      const rewritten = await store.getLocal(FOLDER, fileName(10));
      const remoteB = await store.getRemote(FOLDER, PEER, 'b');
      const report: ReadReport = {
        sequence: await store.localSequence(FOLDER),
        indexId: await store.getIndexId(FOLDER),
        local: local.map((r) => [r.path, r.sequence]),
        since: (await collect(store.localSince(FOLDER, FILES))).map((r) => [r.path, r.sequence]),
        hashIsBytes: local.every(
          (r) => r.hash instanceof Uint8Array && r.chunks[0]?.hash instanceof Uint8Array,
        ),
        rewritten: rewritten && { size: rewritten.size, hash: [...rewritten.hash] },
        observed: [rewritten?.observed, (await store.getLocal(FOLDER, 'z-last'))?.observed],
        peerState: await store.getPeerState(FOLDER, PEER),
        remotePaths: (await collect(store.remoteRecords(FOLDER, PEER))).map((r) => r.path),
        remoteB: remoteB && { sequence: remoteB.sequence, modifiedBy: remoteB.modifiedBy },
        journal: (await store.journal(FOLDER)).map((e) => ({ path: e.path, chunksDone: e.chunksDone })),
        setting: await store.getSetting('device.name'),
        nextSequence: (await store.putLocal(FOLDER, [change('after-reload', 1)]))[0]?.sequence,
      };
      return report;
    } finally {
      await store.close();
    }
  },
};

export type IdbHarness = typeof harness;

declare global {
  interface Window {
    tandemIdb: IdbHarness;
  }
}
window.tandemIdb = harness;
