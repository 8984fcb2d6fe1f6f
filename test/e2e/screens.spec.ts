/**
 * Every screen of the app, for a person to look at and for the accessibility checks
 * (issue 5, items 3 and 5): two devices go through first run, pairing (QR and link, the
 * camera scanner, the verification words), the devices list, an empty folders list, a
 * folder offered, syncing, up to date, a conflict, the folder's tools, why a file is not in
 * sync, and settings. Each screen is saved at desktop (1280×800) and phone (390×844) widths
 * to test-results/screens/<name>-<width>.png, and at phone width must fit without
 * scrolling sideways, pass axe with no serious or critical violation, and (unless it is
 * gone too soon) be usable with Tab alone, focus always shown.
 * The world is appWorld's (Chromium in a private network namespace, a real server), with
 * a fake camera showing a QR code that is not a pairing link, so the scanner keeps looking.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import {
  expectKeyboardReachable,
  expectNoHorizontalOverflow,
  expectNoSeriousViolations,
  type KnownFinding,
} from './a11y.ts';
import {
  editApart,
  errorsOf,
  folderAt,
  goOnline,
  openDevice,
  peerStatus,
  shareFolder,
} from './appDevices.ts';
import { SHOTS } from './appWorld.ts';
import { ARRIVES_MS, readFiles, writeFiles, writeRandomFile } from './opfsFiles.ts';
import { appWorldWithCamera } from './pairingCamera.ts';

const camera = fileURLToPath(new URL('../../.tmp/e2e-screens-camera.y4m', import.meta.url));
const world = appWorldWithCamera('e2e-screens-dist', camera);

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const DIR = `${SHOTS}/screens`;
/** Big enough that the folder is still syncing while its screen is taken. */
const SYNCING_MIB = 64;

/** Findings axe may report that are understood and excused, each scoped and saying why: none now. */
const KNOWN: readonly KnownFinding[] = [];

/**
 * Saves `page` as screen `name` at both widths (ending at phone width) and checks it there.
 * `keyboard: false` for a screen that may change under the Tab walk (a transfer ending).
 */
async function screen(page: Page, name: string, { keyboard = true } = {}): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: `${DIR}/${name}-${DESKTOP.width}.png`, fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: `${DIR}/${name}-${PHONE.width}.png`, fullPage: true });
  await expectNoHorizontalOverflow(page, name);
  await expectNoSeriousViolations(page, name, KNOWN);
  if (keyboard) await expectKeyboardReachable(page, name);
}

test('every screen at desktop and phone widths, accessible and usable by keyboard', async () => {
  test.setTimeout(180_000);
  await mkdir(DIR, { recursive: true });

  // First run, then a named device with no pairings and no folders.
  const a = await openDevice(world, {
    name: 'Laptop',
    picks: 'notes',
    viewport: PHONE,
    firstRun: async (page) => {
      await expect(page.getByTestId('name-input')).toBeVisible({ timeout: 15_000 });
      await screen(page, 'first-run');
    },
  });
  await screen(a.page, 'folders-empty');

  // The scanner, the camera showing a code that is not a pairing link.
  await a.page.getByTestId('scan-start').click();
  await expect
    .poll(() => a.page.getByTestId('scan-video').evaluate((v: HTMLVideoElement) => v.readyState), {
      timeout: 15_000,
    })
    .toBeGreaterThanOrEqual(2);
  await screen(a.page, 'scanner');
  await a.page.getByTestId('scan').getByRole('button', { name: 'Cancel' }).click();

  // Pairing: the QR code and the link; the other device opens the link.
  await a.page.getByTestId('pair-start').click();
  await expect(a.page.getByTestId('invite-qr')).toBeVisible({ timeout: 10_000 });
  const link = await a.page.getByTestId('invite-link').inputValue();
  await screen(a.page, 'pairing');
  const b = await openDevice(world, { name: 'Phone', picks: 'b-notes', url: link, viewport: PHONE });
  await expect(b.page.getByTestId('join').getByTestId('paired-words')).toBeVisible({ timeout: 30_000 });
  await screen(b.page, 'verification');
  await b.page.getByTestId('join').getByRole('button', { name: 'Done' }).click();
  await a.page.getByTestId('invite').getByRole('button', { name: 'Done' }).click();
  await expect(peerStatus(a.page, 'Phone')).toHaveText('Connected', { timeout: 30_000 });
  await expect(peerStatus(b.page, 'Laptop')).toHaveText('Connected', { timeout: 30_000 });
  await screen(a.page, 'devices');

  // A folder offered to the phone, then syncing there, then up to date.
  const small = { 'one.txt': 'as shared\n', 'two.txt': 'untouched\n' };
  await writeFiles(a.page, 'notes', small);
  await writeRandomFile(a.page, 'notes', 'big.bin', SYNCING_MIB);
  await shareFolder(a, b, { onOffer: () => screen(b.page, 'offer') });
  await expect(folderAt(b.page, 'notes').getByTestId('folder-state')).toHaveText(/^Syncing — /, {
    timeout: 20_000,
  });
  await screen(b.page, 'syncing', { keyboard: false });
  await expect(folderAt(b.page, 'notes').getByTestId('folder-state')).toHaveText('Up to date', {
    timeout: 60_000,
  });
  await screen(b.page, 'up-to-date');

  // A conflict: both edit one.txt while apart (B's page closed, then B back with a silent
  // relay), then B comes back and both keep both versions.
  await editApart(a, b);
  await goOnline(b);
  await expect
    .poll(
      async () => Object.keys(await readFiles(a.page, 'notes')).filter((n) => n.includes('.sync-conflict-')),
      {
        timeout: ARRIVES_MS + 30_000,
        intervals: [250, 500, 1000],
      },
    )
    .toHaveLength(1);
  const card = folderAt(a.page, 'notes');
  await expect(card.getByTestId('folder-activity')).toContainText('Conflict', { timeout: 10_000 });
  await card.getByTestId('folder-activity').locator('summary').click();
  await screen(a.page, 'conflict');

  // The folder's own tools, opened: its files in this browser, and its ignore rules.
  await card.getByTestId('folder-files').locator('summary').first().click();
  await card.getByTestId('folder-ignore').locator('summary').first().click();
  await expect(card.getByTestId('folder-ignore-text')).toBeVisible({ timeout: 10_000 });
  await screen(a.page, 'folder-tools');

  // Why a file is (or is not) in sync, asked about the conflicted file.
  await card.getByTestId('why').locator('summary').first().click();
  await card.getByTestId('why-path').fill('one.txt');
  await card.getByTestId('why-ask').click();
  await expect(card.getByTestId('why-answer')).toBeVisible({ timeout: 10_000 });
  await screen(a.page, 'why-not-in-sync');

  // Settings, with a row for an ICE server open.
  await a.page.getByTestId('settings').getByTestId('ice-add').click();
  await expect(a.page.getByTestId('ice-row')).toHaveCount(1);
  await screen(a.page, 'settings');

  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});
