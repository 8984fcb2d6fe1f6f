/** Content kernels inside a worker, over bytes generated here so nothing crosses threads. */
import * as Comlink from 'comlink';
import { createBLAKE3 } from 'hash-wasm';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import { digestSource } from '../../../src/core/content/chunk.ts';
import { FastCdc } from '../../../src/core/content/fastcdc.ts';
import { webCryptoSha256 } from '../../../src/core/content/hash.ts';
import { generatedBytes } from '../../support/generatedSource.ts';
import { mbps, timeRuns, type KernelSpeed } from '../timing.ts';

const PIECE = 64 * 1024;

const service = {
  /** MB/s of each kernel over the same `size` bytes: first run, and median after warm-up. */
  async kernels(size: number, runs: number): Promise<Record<string, KernelSpeed>> {
    const bytes = generatedBytes(size, 11);
    const blake3 = await createBLAKE3();
    const chunker = new FastCdc();
    const kernels: Record<string, () => Promise<unknown> | unknown> = {
      'BLAKE3 (hash-wasm), reference': () => {
        blake3.init();
        for (let i = 0; i < bytes.length; i += 1 << 20) blake3.update(bytes.subarray(i, i + (1 << 20)));
        return blake3.digest('binary');
      },
      'FastCDC boundaries alone': () => {
        for (let pos = 0; pos < bytes.length;) pos += chunker.cut(bytes, pos, bytes.length - pos);
      },
      'SHA-256 alone (WebCrypto, 64 KiB pieces)': async () => {
        const pending: Promise<Uint8Array>[] = [];
        for (let i = 0; i < bytes.length; i += PIECE) {
          pending.push(webCryptoSha256(bytes.subarray(i, i + PIECE)));
          if (pending.length >= 8) await pending.shift();
        }
        await Promise.all(pending);
      },
      'chunk+hash (in memory)': () => digestSource(bytesSource(bytes)),
    };
    const result: Record<string, KernelSpeed> = {};
    for (const [name, fn] of Object.entries(kernels)) {
      const { firstMs, medianMs } = await timeRuns(size, runs, fn);
      result[name] = { first: mbps(size, firstMs), steady: mbps(size, medianMs) };
    }
    return result;
  },
};

export type KernelService = typeof service;
Comlink.expose(service);
