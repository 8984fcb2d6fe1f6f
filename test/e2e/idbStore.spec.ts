/**
 * IdbStore once in real Chromium (the unit tests run it under fake-indexeddb): a harness
 * page writes a database, the page reloads, and the same database reads back in order.
 * The harness is built and served here, apart from the app's dist/, so the app never
 * ships it.
 */
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { build, preview, type PreviewServer } from 'vite';
import type { ReadReport } from './harness/idbStore.ts';
import { watchErrors } from '../support/pageErrors.ts';

const config = fileURLToPath(new URL('./harness/vite.config.ts', import.meta.url));
const DB = 'tandem-e2e-device';

let server: PreviewServer | undefined;
let url = '';

test.beforeAll(async () => {
  await build({ configFile: config });
  server = await preview({ configFile: config, preview: { port: 0, host: '127.0.0.1' } });
  const base = server.resolvedUrls?.local[0];
  if (!base) throw new Error('the harness preview server has no URL');
  url = new URL('idbStore.html', base).href;
});

test.afterAll(async () => {
  await server?.close();
});

async function harnessReady(page: Page): Promise<void> {
  await page.waitForFunction(() => 'tandemIdb' in window);
}

test('IdbStore keeps records, peer state, journal and settings across a page reload', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(url);
  await harnessReady(page);
  const written = await page.evaluate((name) => window.tandemIdb.write(name), DB);
  const { files, sequence } = written;
  expect(written.failedBatch).toBe('DataCloneError');
  expect(written.sequenceAfterFailure).toBe(sequence);

  await page.reload();
  await harnessReady(page);
  const read: ReadReport = await page.evaluate((name) => window.tandemIdb.read(name), DB);

  expect(read.sequence).toBe(sequence);
  expect(read.indexId).toBe('index-1');
  // Every path once, in sequence order, across several pages; rewritten paths moved to the end.
  expect(read.local).toHaveLength(files + 1);
  const sequences = read.local.map(([, s]) => s);
  expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  expect(new Set(read.local.map(([p]) => p)).size).toBe(files + 1);
  expect(read.local.slice(0, 2)).toEqual([
    ['dir/f000', 1],
    ['dir/f001', 2],
  ]);
  expect(read.since).toEqual([
    ['dir/f010', files + 1],
    ['dir/f500', files + 2],
    ['z-last', files + 3],
  ]);
  expect(read.local.slice(-3)).toEqual(read.since);
  expect(read.hashIsBytes).toBe(true);
  expect(read.rewritten).toEqual({ size: 1000, hash: [1000 & 0xff, 1000 >> 8, 7] });
  expect(read.observed).toEqual([
    { size: 1000, mtime: 77 },
    { size: 5, mtime: 42 },
  ]);

  expect(read.peerState).toEqual({ indexId: 'peer-index', sequence: 4 });
  expect(read.remotePaths).toEqual(['a', 'b', 'c']);
  expect(read.remoteB).toEqual({ sequence: 4, modifiedBy: 'PEER' });
  expect(read.journal).toEqual([{ path: 'big.bin', chunksDone: [0, 2] }]);
  expect(read.setting).toBe('e2e laptop');
  expect(read.nextSequence).toBe(sequence + 1);
  expect(errors).toEqual([]);
});
