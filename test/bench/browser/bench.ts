/** Benchmarks that must run in Chromium, exposed to the driver as `window.tandemBench`. */
import * as Comlink from 'comlink';
import { WorkerPoolContentService } from '../../../src/adapters/content/WorkerPoolContentService.ts';
import { generatedBytes } from '../../support/generatedSource.ts';
import type { KernelService } from './kernels.worker.ts';

export interface PoolFigures {
  readonly files: number;
  readonly bytes: number;
  /** Worker count → MB/s, median of the runs. */
  readonly mbps: Record<number, number>;
}

const bench = {
  async kernels(size: number, runs: number): Promise<Record<string, number>> {
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
    const mbps: Record<number, number> = {};
    for (const size of sizes) {
      const pool = new WorkerPoolContentService({ size });
      try {
        await pool.hashFiles(blobs); // warm-up: workers start, wasm compiles
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const start = performance.now();
          const outcomes = await pool.hashFiles(blobs);
          times.push(performance.now() - start);
          if (outcomes.some((o) => !o.ok)) throw new Error('a file failed to hash');
        }
        times.sort((a, b) => a - b);
        mbps[size] = (files * fileSize) / 1e6 / (times[Math.floor(runs / 2)]! / 1000);
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
