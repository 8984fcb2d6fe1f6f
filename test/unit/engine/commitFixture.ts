/** Two memory volumes, "local" and "remote", records made by the real chunker, and a counting fetcher. */
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import { digestSource, type ChunkOptions, type FileDigest } from '../../../src/core/content/chunk.ts';
import type { FetchChunk } from '../../../src/core/engine/commit.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';

export const text = (s: string) => new TextEncoder().encode(s);

/** Deterministic bytes (xorshift32), so tests need no seed to replay. */
export function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

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
