/**
 * The content engine in a worker: one Comlink service that chunks and hashes a `File`
 * (any `Blob`) and hands the digest back as transferred buffers. All logic lives in
 * core/content; this file only adapts it to the worker boundary.
 */
import * as Comlink from 'comlink';
import { digestSource } from '../src/core/content/chunk.ts';
import { blobSource, type BlobReadMode } from '../src/adapters/content/BlobByteSource.ts';
import { packDigest, transferablesOf, type PackedDigest } from '../src/adapters/content/packedDigest.ts';

const service = {
  async digest(blob: Blob, read: BlobReadMode): Promise<PackedDigest> {
    const packed = packDigest(await digestSource(blobSource(blob, read)));
    return Comlink.transfer(packed, transferablesOf(packed));
  },
};

export type ContentWorkerService = typeof service;

Comlink.expose(service);
