/**
 * Two memory volumes, "local" and "remote", records made by the real chunker, and a counting
 * fetcher; for resumed downloads, a journal on a store backing that outlives restarts, and
 * fetchers cut as a disconnect or a crash would.
 */
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { MemoryStore, MemoryStoreBacking } from '../../../src/adapters/store/MemoryStore.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import { digestSource, type ChunkOptions, type FileDigest } from '../../../src/core/content/chunk.ts';
import type { CommitResume, FetchChunk } from '../../../src/core/engine/commit.ts';
import { FastCdc } from '../../../src/core/content/fastcdc.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import type { PartialFile, Volume } from '../../../src/ports/Volume.ts';

export const text = (s: string) => new TextEncoder().encode(s);

export { noise } from '../../support/noise.ts';

/** The record a scan would make of `bytes` at `path`. */
export async function recordOf(
  path: string,
  bytes: Uint8Array,
  options: ChunkOptions = {},
): Promise<{ record: FileRecord; digest: FileDigest }> {
  const digest = await digestSource(bytesSource(bytes), options);
  const record: FileRecord = {
    path,
    size: digest.size,
    mtime: 1,
    hash: digest.hash,
    chunks: digest.chunks.map(({ hash, size }) => ({ hash, size })),
    version: { DEVB: 1 },
    deleted: false,
    sequence: 1,
    modifiedBy: 'DEVB',
  };
  return { record, digest };
}

export interface Remote {
  readonly volume: MemoryVolume;
  /** Every fetch, as [chunk index, attempt]. */
  readonly calls: [number, number][];
  /** Serves the chunks of `digest` from the remote file at `path`. */
  fetcher(path: string, digest: FileDigest): FetchChunk;
}

export interface Pair {
  readonly clock: ManualClock;
  readonly local: MemoryVolume;
  readonly remote: Remote;
  /** Writes `content` at `path` on `volume` and returns its record. */
  put(
    volume: MemoryVolume,
    path: string,
    content: Uint8Array,
    options?: ChunkOptions,
  ): Promise<{ record: FileRecord; digest: FileDigest }>;
  /** The bytes at `path`, or undefined. */
  read(volume: MemoryVolume, path: string): Promise<Uint8Array | undefined>;
}

export function pair(): Pair {
  const clock = new ManualClock();
  const local = new MemoryVolume({ clock, marker: true });
  const remoteVolume = new MemoryVolume({ clock, marker: true });
  const calls: [number, number][] = [];
  return {
    clock,
    local,
    remote: {
      volume: remoteVolume,
      calls,
      fetcher: (path, digest) => async (_chunk, index, attempt) => {
        calls.push([index, attempt]);
        const at = digest.chunks[index]!;
        return (await remoteVolume.source(path)).read(at.offset, at.size);
      },
    },
    put: async (volume, path, content, options) => {
      await volume.writeAtomically(path, toIterable([content]));
      const made = await recordOf(path, content, options);
      const entry = (await volume.stat(path))!;
      return { ...made, record: { ...made.record, mtime: entry.mtime } };
    },
    read: async (volume, path) => {
      if (!(await volume.stat(path))) return undefined;
      const source = await volume.source(path);
      return source.read(0, source.size);
    },
  };
}

export async function* toIterable(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

/** Small chunks, so small contents make many of them. */
export const smallChunks = { chunker: new FastCdc({ minSize: 256, avgSize: 1024, maxSize: 4096 }) };

export const FOLDER = 'folder-1';

/** A journal whose store can "restart": a new MemoryStore on the same backing. */
export class Journal {
  readonly backing = new MemoryStoreBacking();
  store = new MemoryStore(this.backing);
  /** Journal calls made, by method name. */
  readonly calls = { putJournal: 0, deleteJournal: 0 };

  get resume(): CommitResume {
    const store = this.store;
    return {
      folder: FOLDER,
      journal: {
        getJournal: (folder, path) => store.getJournal(folder, path),
        putJournal: (entry) => {
          this.calls.putJournal++;
          return store.putJournal(entry);
        },
        deleteJournal: (folder, path) => {
          this.calls.deleteJournal++;
          return store.deleteJournal(folder, path);
        },
      },
    };
  }

  /** The page is killed and reloaded: the old store is closed, a new one opens on the same data. */
  async restart(): Promise<void> {
    await this.store.close();
    this.store = new MemoryStore(this.backing);
  }

  async chunksDone(path: string): Promise<readonly number[] | undefined> {
    return (await this.store.getJournal(FOLDER, path))?.chunksDone;
  }
}

/** `fetch`, with every fetch of chunk `from` or later rejected, as when the peer disconnects. */
export function disconnectAt(fetch: FetchChunk, from: number): FetchChunk {
  return (chunk, index, attempt) =>
    index >= from ? Promise.reject(new Error('the peer disconnected')) : fetch(chunk, index, attempt);
}

/** `fetch`, with every fetch of chunk `from` or later never answered, as when the page is killed. */
export function hangAt(fetch: FetchChunk, from: number): FetchChunk {
  return (chunk, index, attempt) => (index >= from ? new Promise(() => {}) : fetch(chunk, index, attempt));
}

/**
 * For a commit that will hang at chunk `from` (`hangAt`): an `onProgress` to give it, and a
 * promise that resolves once it has written every chunk before `from` and journaled what
 * it would. Then is the moment to "crash" it. Waits on the commit itself, never on time:
 * hashing finishes off the main thread.
 */
export function stuckAt(record: FileRecord, from: number) {
  const target = record.chunks.slice(0, from).reduce((n, c) => n + c.size, 0);
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  if (target === 0) reach();
  return {
    onProgress: ({ bytesDone }: { bytesDone: number }) => void (bytesDone === target && reach()),
    /** Resolves when the commit can go no further. */
    stuck: async () => {
      await reached;
      // What follows the last write needs only promise callbacks (memory volume and store).
      for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}

/** Every partial download the volume keeps. */
export async function partialsOf(volume: Pick<Volume, 'partials'>): Promise<PartialFile[]> {
  const all: PartialFile[] = [];
  for await (const partial of volume.partials!()) all.push(partial);
  return all;
}
