/** The content engine in a Chromium worker and the worker pool, driven by Playwright. */
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { CHROMIUM_FLAGS, chromiumPath } from '../support/chromium.ts';
import type { PoolFigures } from './browser/bench.ts';
import { ratio, type Table } from './report.ts';

const config = fileURLToPath(new URL('./browser/vite.config.ts', import.meta.url));

export interface BrowserFigures {
  readonly kernelBytes: number;
  readonly kernels: Record<string, number>;
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
    const reference = kernels['BLAKE3 (hash-wasm), reference']!;
    const oneWorker = pool.mbps[1]!;
    return {
      figures: { kernelBytes, kernels, pool },
      tables: [
        {
          title: `Content engine in one Chromium worker, ${kernelBytes >> 20} MiB (median of 3)`,
          columns: ['kernel', 'MB/s', '× BLAKE3'],
          rows: [
            ...Object.entries(kernels).map(([name, speed]): [string, number, number] => [
              name,
              speed,
              ratio(speed, reference),
            ]),
            ['chunk+hash, files read in the worker (pool of 1)', oneWorker, ratio(oneWorker, reference)],
          ],
          notes: ['Target: chunk+hash ≥ 1.0 × BLAKE3 over the same bytes.'],
        },
        {
          title: `Worker pool on a folder of ${pool.files} files of 1 MiB (median of 3)`,
          columns: ['workers', 'MB/s', '× 1 worker'],
          rows: Object.entries(pool.mbps).map(([size, speed]) => [
            Number(size),
            speed,
            ratio(speed, oneWorker),
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
