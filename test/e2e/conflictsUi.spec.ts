/**
 * Sync made visible, end to end (issue 5, item 3): a conflict is listed on both devices'
 * cards and resolved from one of them, the choice reaching the other; a large file shows a
 * progress bar on the receiving device while it arrives, and which device it comes from.
 * Set up as foldersScenarios.spec.ts: two browser contexts are two devices running the
 * built app in a private network namespace; the folder picker returns an OPFS directory.
 * Every wait is bounded.
 */
import { expect, test } from '@playwright/test';
import {
  acceptDialogs,
  editApart,
  errorsOf,
  folderAt,
  goOnline,
  pairAndShare,
  peerStatus,
  upToDate,
} from './appDevices.ts';
import { appWorld, SHOTS } from './appWorld.ts';
import { expectFiles, filesOnceThereAre, sha256Of, writeRandomFile } from './opfsFiles.ts';

const CONFLICT_COPY = /^one\.sync-conflict-\d{8}-\d{6}-[A-Za-z0-9_-]+\.txt$/;
const BIG_MIB = 64;

const world = appWorld('e2e-conflicts-ui-dist');
/** "Keep this one" asks first: the person says yes. */
const sayYes = { a: { before: acceptDialogs }, b: { before: acceptDialogs } };

test('a conflict is listed on both devices, and keeping the copy on one resolves it on both', async () => {
  test.setTimeout(240_000);
  const files = { 'one.txt': 'as shared\n', 'two.txt': 'untouched\n' };
  const { a, b } = await pairAndShare(world, files, sayYes);

  // Apart, each device edits one.txt its own way.
  await editApart(a, b);

  await goOnline(b);
  await expect(peerStatus(b.page, 'Laptop')).toHaveText('Connected', { timeout: 60_000 });
  const atA = await filesOnceThereAre(a.page, 'notes', 3);
  const copy = Object.keys(atA).find((name) => CONFLICT_COPY.test(name))!;
  expect(copy).toBeDefined();
  await expectFiles(b.page, 'b-notes', atA);
  await upToDate(a.page);
  await upToDate(b.page);

  // Both cards list it: the original and the copy, each with Open and Keep this one.
  for (const page of [a.page, b.page]) {
    const conflicts = folderAt(page, 'notes').getByTestId('conflict');
    await expect(conflicts).toHaveCount(1, { timeout: 20_000 });
    await expect(conflicts).toHaveAttribute('data-original', 'one.txt');
    const versions = conflicts.getByTestId('conflict-version');
    await expect(versions).toHaveCount(2);
    await expect(versions.nth(1)).toHaveAttribute('data-path', copy);
    await expect(conflicts.getByTestId('conflict-keep')).toHaveCount(2);
    await expect(conflicts.getByTestId('conflict-open')).toHaveCount(2);
  }
  await folderAt(a.page, 'notes').screenshot({ path: `${SHOTS}/conflicts-list.png` });

  // Open shows the text copy in a new tab.
  const [tab] = await Promise.all([
    a.context.waitForEvent('page', { timeout: 10_000 }),
    folderAt(a.page, 'notes')
      .locator(`[data-testid=conflict-version][data-which=copy]`)
      .getByTestId('conflict-open')
      .click(),
  ]);
  await expect.poll(() => tab.evaluate(() => document.body.innerText), { timeout: 10_000 }).toBe(atA[copy]);
  await tab.close();

  // A keeps the copy: on both, one.txt holds the copy's content and the copy is gone.
  await folderAt(a.page, 'notes')
    .locator('[data-testid=conflict-version][data-which=copy]')
    .getByTestId('conflict-keep')
    .click();
  const resolved = { 'one.txt': atA[copy]!, 'two.txt': 'untouched\n' };
  await expectFiles(a.page, 'notes', resolved);
  await expectFiles(b.page, 'b-notes', resolved);
  for (const page of [a.page, b.page])
    await expect(folderAt(page, 'notes').getByTestId('conflict')).toHaveCount(0, { timeout: 20_000 });
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});

test('a large file shows a progress bar on the receiving device while it arrives', async () => {
  test.setTimeout(240_000);
  const { a, b } = await pairAndShare(world, { 'small.txt': 'small\n' }, sayYes);
  const card = folderAt(b.page, 'notes');
  await expect(card.locator('[data-testid=device-progress-item][data-device-name="Laptop"]')).toContainText(
    'Up to date with Laptop',
  );

  // B samples its card every 50 ms (at most 6,000 times) while A writes and shares the file.
  await b.page.evaluate(() => {
    const samples: { value: number; max: number; device: string }[] = [];
    const w = window as unknown as { samples: typeof samples; stopSampling: () => void };
    w.samples = samples;
    const timer = setInterval(() => {
      const bar = document.querySelector<HTMLProgressElement>(
        '[data-testid=file-progress-item][data-path="big.bin"] progress',
      );
      const device = document.querySelector(
        '[data-testid=device-progress-item] [data-testid=device-progress-text]',
      );
      if (bar) samples.push({ value: bar.value, max: bar.max, device: device?.textContent ?? '' });
      if (samples.length >= 6_000) clearInterval(timer);
    }, 50);
    w.stopSampling = () => clearInterval(timer);
  });
  const digest = await writeRandomFile(a.page, 'notes', 'big.bin', BIG_MIB);

  // The first bar with some bytes done, for the screenshot.
  const bar = card.locator('[data-testid=file-progress-item][data-path="big.bin"] progress');
  await expect(bar).toBeVisible({ timeout: 60_000 });
  await expect(bar).toHaveAccessibleName(/^big\.bin: [\d.]+ of 64\.0 MiB$/);
  await card.screenshot({ path: `${SHOTS}/conflicts-ui-progress.png` });

  await expect
    .poll(() => sha256Of(b.page, 'b-notes', 'big.bin'), { timeout: 120_000, intervals: [1000] })
    .toBe(digest);
  await upToDate(b.page);
  const samples = await b.page.evaluate(() => {
    const w = window as unknown as {
      samples: { value: number; max: number; device: string }[];
      stopSampling: () => void;
    };
    w.stopSampling();
    return w.samples;
  });
  expect(samples.length).toBeGreaterThan(0);
  expect(samples.every((s) => s.max === BIG_MIB * 1024 * 1024)).toBe(true);
  expect(new Set(samples.map((s) => s.value)).size).toBeGreaterThan(1);
  // Values only grow; the device line said the bytes come from the laptop.
  expect(samples.every((s, i) => i === 0 || s.value >= samples[i - 1]!.value)).toBe(true);
  expect(samples.some((s) => s.device.startsWith('Fetching 1 file — '))).toBe(true);
  // Done: the bar is gone, and the device line says so.
  await expect(bar).toHaveCount(0);
  await expect(card.locator('[data-testid=device-progress-item][data-device-name="Laptop"]')).toContainText(
    'Up to date with Laptop',
  );
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});
