/**
 * The content engine end to end: real Chromium, the built app, the worker pool. Digests
 * made in the page must equal `digestSource` run here in Node, byte for byte.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { bytesSource } from '../../src/core/content/byteSource.ts';
import { digestSource, type FileDigest } from '../../src/core/content/chunk.ts';
import { toHex } from '../../src/core/content/bytes.ts';
import { watchErrors } from '../support/pageErrors.ts';

const MiB = 1024 * 1024;
const ROWS_SHOWN = 200;

/** Seeded xorshift32 bytes: the same file on every run, incompressible like real data. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, length);
}

interface Fixture {
  readonly path: string;
  readonly name: string;
  readonly digest: FileDigest;
}

let dir = '';

async function makeFile(name: string, size: number, seed: number): Promise<Fixture> {
  const bytes = pseudoRandomBytes(size, seed);
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, name, digest: await digestSource(bytesSource(bytes)) };
}

async function hashInPage(page: Page, files: readonly Fixture[]): Promise<void> {
  await page.getByLabel('Choose files…').setInputFiles(files.map((f) => f.path));
  await expect(page.getByTestId('batch-summary')).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
}

/** Every rendered chunk row equals the Node digest's chunk at the same index. */
async function expectChunkRows(page: Page, digest: FileDigest): Promise<void> {
  const rows = page.getByTestId('chunk-row');
  const shown = Math.min(ROWS_SHOWN, digest.chunks.length);
  await expect(rows).toHaveCount(shown);
  const rendered = await rows.evaluateAll((trs) =>
    trs.map((tr) => ({
      offset: Number(tr.querySelector('[data-testid=chunk-offset]')?.textContent),
      size: Number(tr.querySelector('[data-testid=chunk-size]')?.textContent),
      hash: tr.querySelector('[data-testid=chunk-hash]')?.textContent ?? '',
    })),
  );
  const expected = digest.chunks
    .slice(0, shown)
    .map((c) => ({ offset: c.offset, size: c.size, hash: toHex(c.hash) }));
  expect(rendered).toEqual(expected);
  const more = digest.chunks.length - shown;
  if (more > 0) await expect(page.getByTestId('chunk-more')).toContainText(`${more} more`);
  else await expect(page.getByTestId('chunk-more')).toHaveCount(0);
}

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-e2e-'));
});

test.afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the page says what Tandem is and loads without console errors', async ({ page, request }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tandem');
  await expect(page.getByTestId('tagline')).toContainText('in sync between your own devices, peer to peer');
  await expect(page.getByRole('heading', { name: 'Content engine' })).toBeVisible();
  await expect(page.getByTestId('pool-size')).toContainText(/\d+ workers?/);
  await expect(page.getByLabel('Choose files…')).toBeAttached();

  const manifest = (await (await request.get('/manifest.webmanifest')).json()) as { name: string };
  expect(manifest.name).toBe('Tandem');
  expect(errors).toEqual([]);
});

test('hashes a 20 MiB file and a small one exactly as the core does in Node', async ({ page }, info) => {
  const errors = watchErrors(page);
  const big = await makeFile('random-20MiB.bin', 20 * MiB, 0x7a6e);
  const small = await makeFile('small.txt', 3000, 42);
  expect(big.digest.chunks.length).toBeGreaterThan(ROWS_SHOWN); // so the "N more" line is checked

  await page.goto('/?workers=2');
  await hashInPage(page, [big, small]);

  const cards = page.getByTestId('file-result');
  await expect(cards).toHaveCount(2);
  for (const [i, file] of [big, small].entries()) {
    const card = cards.nth(i);
    await expect(card.getByTestId('file-name')).toHaveText(file.name);
    await expect(card.getByTestId('file-size')).toHaveAttribute('data-bytes', String(file.digest.size));
    await expect(card.getByTestId('file-hash')).toHaveText(toHex(file.digest.hash));
    await expect(card.getByTestId('chunk-count')).toHaveText(String(file.digest.chunks.length));
  }

  // The first file's chunks are shown first.
  await expectChunkRows(page, big.digest);
  const speed = await cards.nth(0).getByTestId('file-speed').textContent();
  const time = await cards.nth(0).getByTestId('file-time').textContent();
  info.annotations.push({ type: 'speed', description: `20 MiB file: ${time} · ${speed}` });
  console.log(`20 MiB file hashed in the page: ${time} · ${speed}`);
  await page.screenshot({ path: 'test-results/content-engine.png', fullPage: true });

  // The download carries every chunk, not only the rows shown.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    cards.nth(0).getByTestId('download-chunks').click(),
  ]);
  expect(download.suggestedFilename()).toBe('random-20MiB.bin.chunks.json');
  const json = JSON.parse(await readFile(await download.path(), 'utf8')) as {
    size: number;
    hash: string;
    chunks: { offset: number; size: number; hash: string }[];
  };
  expect(json.size).toBe(big.digest.size);
  expect(json.hash).toBe(toHex(big.digest.hash));
  expect(json.chunks).toEqual(
    big.digest.chunks.map((c) => ({ offset: c.offset, size: c.size, hash: toHex(c.hash) })),
  );

  // Keyboard: the small file's "Show chunks" button switches the table.
  await cards.nth(1).getByTestId('show-chunks').focus();
  await page.keyboard.press('Enter');
  await expect(cards.nth(1).getByTestId('show-chunks')).toHaveAttribute('aria-pressed', 'true');
  await expectChunkRows(page, small.digest);

  expect(errors).toEqual([]);
});

test('a batch of files spreads over more than one worker of the pool', async ({ page }) => {
  const errors = watchErrors(page);
  const files = await Promise.all(
    Array.from({ length: 6 }, (_, i) => makeFile(`part-${i}.bin`, 2 * MiB + i * 4099, 1000 + i)),
  );

  await page.goto('/?workers=3');
  await expect(page.getByTestId('pool-size')).toHaveText('3 workers');
  await hashInPage(page, files);

  const cards = page.getByTestId('file-result');
  await expect(cards).toHaveCount(files.length);
  const workers = new Set<string>();
  for (const [i, file] of files.entries()) {
    const card = cards.nth(i);
    await expect(card).toHaveAttribute('data-status', 'done');
    await expect(card.getByTestId('file-hash')).toHaveText(toHex(file.digest.hash));
    workers.add((await card.getByTestId('file-worker').getAttribute('data-worker')) ?? '');
  }
  expect(workers.size).toBeGreaterThan(1);
  await expect(page.getByTestId('batch-summary')).toContainText(`${workers.size} workers used`);
  expect(errors).toEqual([]);
});
