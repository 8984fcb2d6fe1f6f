/** A folder to scan: memory volume, memory store, manual clock, Node hashing with a call count. */
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { MemoryStore, MemoryStoreBacking } from '../../../src/adapters/store/MemoryStore.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { toHex } from '../../../src/core/content/bytes.ts';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import { digestSource } from '../../../src/core/content/chunk.ts';
import { scanFolder, type HashFile, type ScanDeps, type ScanResult } from '../../../src/core/engine/scan.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import type { LocalRecord } from '../../../src/ports/Store.ts';
import type { Volume } from '../../../src/ports/Volume.ts';

export const FOLDER = 'folder-1';
export const DEVICE = 'DEVA';

export const text = (s: string) => new TextEncoder().encode(s);

export interface Fixture {
  readonly clock: ManualClock;
  readonly disk: MemoryVolume;
  /** The current store; `reload` replaces it. */
  readonly store: MemoryStore;
  /** Closes the store and opens another on the same data, as a page reload does. */
  reload(): Promise<void>;
  /** Paths hashed so far, in call order. */
  readonly hashed: string[];
  /** Scans `volume` (default: the memory volume itself), hashing `rehash` whatever their stat. */
  scan(volume?: Volume, hash?: HashFile, rehash?: ReadonlySet<string>): Promise<ScanResult>;
  /** Writes a file now; call `clock.advance` first to give it a new mtime. */
  write(path: string, content: string | Uint8Array): Promise<void>;
  /** Every local record, with its observed stat, path → record. */
  records(): Promise<Map<string, LocalRecord>>;
}

export function fixture(): Fixture {
  const clock = new ManualClock();
  const disk = new MemoryVolume({ clock, marker: true });
  const backing = new MemoryStoreBacking();
  let store = new MemoryStore(backing);
  const hashed: string[] = [];
  const counting: HashFile = (source, path) => {
    hashed.push(path);
    return digestSource(source);
  };
  return {
    clock,
    disk,
    get store() {
      return store;
    },
    reload: async () => {
      await store.close();
      store = new MemoryStore(backing);
    },
    hashed,
    scan: (volume = disk, hash = counting, rehash) =>
      scanFolder({ volume, index: store, hash, clock, device: DEVICE } satisfies ScanDeps, {
        folder: FOLDER,
        rehash,
      }),
    write: async (path, content) => {
      const bytes = typeof content === 'string' ? text(content) : content;
      await disk.writeAtomically(path, once(bytes));
    },
    records: async () => {
      const out = new Map<string, LocalRecord>();
      for await (const r of store.localSince(FOLDER, 0)) out.set(r.path, r);
      return out;
    },
  };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** The record without its local-only observed stat: what peers see. */
export function synced(record: LocalRecord): FileRecord {
  const { path, size, mtime, hash, chunks, version, deleted, sequence, modifiedBy } = record;
  return { path, size, mtime, hash, chunks, version, deleted, sequence, modifiedBy };
}

/** The file hash `digestSource` gives `bytes`, in hex. */
export async function hashOf(content: string | Uint8Array): Promise<string> {
  const bytes = typeof content === 'string' ? text(content) : content;
  return toHex((await digestSource(bytesSource(bytes))).hash);
}

/** Asserts a scan finished and returns it, narrowed. */
export function finished(result: ScanResult): Extract<ScanResult, { status: 'done' }> {
  if (result.status !== 'done') throw new Error(`scan paused: ${result.reason} (${result.message})`);
  return result;
}
