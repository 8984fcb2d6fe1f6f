/** The content engine in a Chromium worker and the worker pool, driven by Playwright. */
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { CHROMIUM_FLAGS, chromiumPath } from '../support/chromium.ts';
import type { PoolFigures } from './browser/bench.ts';
import { kernelTable, ratio, type Table } from './report.ts';
import type { KernelSpeed } from './timing.ts';

const config = fileURLToPath(new URL('./browser/vite.config.ts', import.meta.url));

export interface BrowserFigures {
  readonly kernelBytes: number;
  readonly kernels: Record<string, KernelSpeed>;
  readonly pool: PoolFigures;
}

export async function benchContentBrowser(
  kernelBytes: number,
): Promise<{ tables: Table[]; figures: BrowserFigures }> {
  await build({ configFile: config });
  const server = await preview({ configFile: config, preview: { port: 0, host: '127.0.0.1' } });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage();
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('the preview server has no URL');
    await page.goto(url);
    await page.waitForFunction(() => 'tandemBench' in window);
    const kernels = await page.evaluate(([size]) => window.tandemBench.kernels(size!, 3), [kernelBytes]);
    const pool = await page.evaluate(() => window.tandemBench.pool(160, 1 << 20, [1, 2], 3));
    const oneWorker = pool.mbps[1]!.steady;
    return {
      figures: { kernelBytes, kernels, pool },
      tables: [
        kernelTable(`Content engine in one Chromium worker, ${kernelBytes >> 20} MiB`, kernels, [
          `Files read in the worker (pool of 1, below): ${oneWorker.toFixed(0)} MB/s.`,
          'Target: chunk+hash ≥ 1.0 × BLAKE3 over the same bytes.',
        ]),
        {
          title: `Worker pool on a folder of ${pool.files} files of 1 MiB (median of 3 after warm-up)`,
          columns: ['workers', 'MB/s', '× 1 worker', 'first pass MB/s'],
          rows: Object.entries(pool.mbps).map(([size, speed]) => [
            Number(size),
            speed.steady,
            ratio(speed.steady, oneWorker),
            speed.first,
          ]),
          notes: ['Target: 2 workers ≥ 1.7 × 1 worker.'],
        },
      ],
    };
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
}
