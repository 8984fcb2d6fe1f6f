/**
 * A ByteSource over a `Blob` (a browser `File`), for use inside a worker. Two ways to read
 * a slice, chosen by measurement (see WorkerPoolContentService): `FileReaderSync`, which
 * exists only in dedicated workers, and `Blob.arrayBuffer()`, which works everywhere.
 */
import type { ByteSource } from '../../core/content/byteSource.ts';

export type BlobReadMode = 'sync' | 'async';

interface FileReaderSyncLike {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}

/** `FileReaderSync` lives in the WebWorker lib, which this project does not load. */
function fileReaderSync(): FileReaderSyncLike | undefined {
  const ctor = (globalThis as { FileReaderSync?: new () => FileReaderSyncLike }).FileReaderSync;
  return ctor === undefined ? undefined : new ctor();
}

/** Reads `blob` slice by slice; `sync` falls back to `async` where FileReaderSync is missing. */
export function blobSource(blob: Blob, mode: BlobReadMode = 'async'): ByteSource {
  const reader = mode === 'sync' ? fileReaderSync() : undefined;
  const size = blob.size;
  const bounds = (offset: number, length: number): [number, number] => [
    Math.min(offset, size),
    Math.min(size, offset + length),
  ];
  if (reader !== undefined) {
    return {
      size,
      read: async (offset, length) =>
        new Uint8Array(reader.readAsArrayBuffer(blob.slice(...bounds(offset, length)))),
    };
  }
  return {
    size,
    read: async (offset, length) => new Uint8Array(await blob.slice(...bounds(offset, length)).arrayBuffer()),
  };
}
