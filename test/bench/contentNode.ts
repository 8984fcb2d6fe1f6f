/** The content engine in Node: chunk+hash next to its raw kernels over the same bytes. */
import { createHash } from 'node:crypto';
import { createBLAKE3 } from 'hash-wasm';
import { bytesSource } from '../../src/core/content/byteSource.ts';
import { digestSource } from '../../src/core/content/chunk.ts';
import { FastCdc } from '../../src/core/content/fastcdc.ts';
import { webCryptoSha256, type Sha256 } from '../../src/core/content/hash.ts';
import { generatedBytes } from '../support/generatedSource.ts';
import { kernelTable, mbps, timeRuns, type Table } from './report.ts';
import type { KernelSpeed } from './timing.ts';

const PIECE = 64 * 1024;

export interface KernelFigures {
  readonly bytes: number;
  readonly mbps: Record<string, KernelSpeed>;
}

export async function benchContentNode(size: number): Promise<{ table: Table; figures: KernelFigures }> {
  const bytes = generatedBytes(size, 11);
  const chunker = new FastCdc();
  const blake3 = await createBLAKE3();
  const nodeSha256: Sha256 = async (data) => createHash('sha256').update(data).digest();

  const kernels: [string, () => Promise<unknown> | unknown][] = [
    ['BLAKE3 (hash-wasm), reference', () => blake3Whole(blake3, bytes)],
    ['FastCDC boundaries alone', () => cutAll(chunker, bytes)],
    ['SHA-256 alone (WebCrypto, 64 KiB pieces)', () => hashPieces(webCryptoSha256, bytes)],
    ['SHA-256 alone (node:crypto, 64 KiB pieces)', () => hashPieces(nodeSha256, bytes)],
    ['chunk+hash (WebCrypto)', () => digestSource(bytesSource(bytes))],
    ['chunk+hash (node:crypto)', () => digestSource(bytesSource(bytes), { sha256: nodeSha256 })],
  ];
  const figures: Record<string, KernelSpeed> = {};
  for (const [name, fn] of kernels) {
    const { firstMs, medianMs } = await timeRuns(size, 3, fn);
    figures[name] = { first: mbps(size, firstMs), steady: mbps(size, medianMs) };
  }
  return {
    figures: { bytes: size, mbps: figures },
    table: kernelTable(`Content engine in Node, ${size >> 20} MiB of random bytes`, figures),
  };
}

function blake3Whole(hasher: Awaited<ReturnType<typeof createBLAKE3>>, bytes: Uint8Array): Uint8Array {
  hasher.init();
  for (let i = 0; i < bytes.length; i += 1 << 20) hasher.update(bytes.subarray(i, i + (1 << 20)));
  return hasher.digest('binary');
}

function cutAll(chunker: FastCdc, bytes: Uint8Array): number {
  let count = 0;
  for (let pos = 0; pos < bytes.length; count++) pos += chunker.cut(bytes, pos, bytes.length - pos);
  return count;
}

/** The same pipelining as chunkSource: up to 8 pieces hashing at once. */
async function hashPieces(sha256: Sha256, bytes: Uint8Array): Promise<void> {
  const pending: Promise<Uint8Array>[] = [];
  for (let i = 0; i < bytes.length; i += PIECE) {
    pending.push(sha256(bytes.subarray(i, i + PIECE)));
    if (pending.length >= 8) await pending.shift();
  }
  await Promise.all(pending);
}
