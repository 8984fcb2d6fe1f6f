/** Benchmarks that must run in Chromium, exposed to the driver as `window.tandemBench`. */
import * as Comlink from 'comlink';
import { WorkerPoolContentService } from '../../../src/adapters/content/WorkerPoolContentService.ts';
import { generatedBytes } from '../../support/generatedSource.ts';
import { mbps as rate, timeRuns, type KernelSpeed } from '../timing.ts';
import type { KernelService } from './kernels.worker.ts';

export interface PoolFigures {
  readonly files: number;
  readonly bytes: number;
  /** Worker count → MB/s: the first pass and the steady state. */
  readonly mbps: Record<number, KernelSpeed>;
}

const bench = {
  async kernels(size: number, runs: number): Promise<Record<string, KernelSpeed>> {
    const worker = new Worker(new URL('./kernels.worker.ts', import.meta.url), { type: 'module' });
    try {
      return await Comlink.wrap<KernelService>(worker).kernels(size, runs);
    } finally {
      worker.terminate();
    }
  },

  /** A folder of `files` files of `fileSize` bytes, hashed by pools of each size given. */
  async pool(files: number, fileSize: number, sizes: number[], runs: number): Promise<PoolFigures> {
    const blobs = Array.from({ length: files }, (_, i) => new Blob([generatedBytes(fileSize, i + 1)]));
    const bytes = files * fileSize;
    const mbps: Record<number, KernelSpeed> = {};
    for (const size of sizes) {
      const pool = new WorkerPoolContentService({ size });
      try {
        const hashAll = async () => {
          const outcomes = await pool.hashFiles(blobs);
          if (outcomes.some((o) => !o.ok)) throw new Error('a file failed to hash');
        };
        // Each worker warms up on its own share of the folder, as a long-lived page's do.
        const { firstMs, medianMs } = await timeRuns(bytes / size, runs, hashAll);
        mbps[size] = { first: rate(bytes, firstMs), steady: rate(bytes, medianMs) };
      } finally {
        pool.dispose();
      }
    }
    return { files, bytes: files * fileSize, mbps };
  },
};

export type BrowserBench = typeof bench;
declare global {
  interface Window {
    tandemBench: BrowserBench;
  }
}
window.tandemBench = bench;
