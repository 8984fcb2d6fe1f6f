/**
 * Folders end to end (issue 5): two browser contexts are two devices running the built
 * app, set up as in pairing.spec.ts (Chromium in a private network namespace; pages and
 * the signaling WebSocket carried by Playwright to a real `startServer`). The folder
 * picker returns an OPFS directory the test names (foldersPages.ts), so it runs headless.
 * Driven through the UI: pair, add a folder, share it, accept it, then change files on
 * either side and read them back from the other's OPFS. Every wait is bounded.
 */
import { join } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { watchErrors } from '../support/pageErrors.ts';
import { APP, appWorld, nameDevice, SHOTS } from './appWorld.ts';
import { deleteFile, noPicker, pickerReturns, readFiles, writeFiles } from './foldersPages.ts';

/** How long a change may take to reach the other device (scan delay, plan, transfer). */
const ARRIVES_MS = 30_000;

const world = appWorld('e2e-folders-dist');

interface Device {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly errors: string[];
}

/**
 * A new device at `url`, named `name`, whose folder picker returns OPFS directory `picks`
 * (or that has no picker, when `picks` is undefined).
 */
async function device(name: string, picks: string | undefined, url = APP): Promise<Device> {
  const context = await world.context({ viewport: { width: 420, height: 900 } });
  await (picks === undefined ? noPicker(context) : pickerReturns(context, picks));
  const page = await context.newPage();
  const made = { context, page, errors: watchErrors(page) };
  await page.goto(url);
  await nameDevice(page, name);
  return made;
}

async function expectConnected(page: Page, peerName: string): Promise<void> {
  const row = page.locator(`[data-testid=device][data-device-name="${peerName}"]`);
  await expect(row.getByTestId('device-status')).toHaveText('Connected', { timeout: 30_000 });
}

/** Waits until OPFS directory `dir` on `page` holds exactly `files`. */
async function expectFiles(page: Page, dir: string, files: Record<string, string>): Promise<void> {
  await expect
    .poll(() => readFiles(page, dir), { timeout: ARRIVES_MS, intervals: [250, 500, 1000] })
    .toEqual(files);
}

test('a folder shared by one device is accepted by the other and stays the same both ways', async () => {
  test.setTimeout(180_000);
  const a = await device('Laptop', 'a-photos');
  await a.page.getByTestId('pair-start').click();
  const link = await a.page.getByTestId('invite-link').inputValue({ timeout: 10_000 });
  const b = await device('Phone', 'b-photos', link);
  await expectConnected(a.page, 'Phone');
  await expectConnected(b.page, 'Laptop');

  // A adds a folder with a few files: the picker hands it OPFS "a-photos".
  const first = { 'one.txt': 'first file\n', 'two.txt': 'second file\n', 'sub/three.txt': 'in a folder\n' };
  await writeFiles(a.page, 'a-photos', first);
  await a.page.getByTestId('folder-add').click();
  const folderAtA = a.page.locator('[data-testid=folder][data-folder-label="a-photos"]');
  await expect(folderAtA.getByTestId('folder-state')).toHaveText('Up to date', { timeout: 20_000 });
  await expect(folderAtA.getByTestId('folder-where')).toContainText('a-photos');

  // A shares it with B; B sees the offer and accepts it into "b-photos".
  await folderAtA.locator('[data-testid=folder-share-device][data-device-name="Phone"]').check();
  await folderAtA.getByTestId('folder-share-save').click();
  const offer = b.page.locator('[data-testid=offer][data-folder-label="a-photos"]');
  await expect(offer).toBeVisible({ timeout: 30_000 });
  await expect(offer).toContainText('Laptop');
  await offer.getByTestId('offer-accept').click();
  const folderAtB = b.page.locator('[data-testid=folder][data-folder-label="a-photos"]');
  await expect(folderAtB).toBeVisible({ timeout: 10_000 });
  await expectFiles(b.page, 'b-photos', first);
  await expect(folderAtB.getByTestId('folder-state')).toHaveText('Up to date', { timeout: 20_000 });
  await expect(folderAtB.getByTestId('folder-activity')).toContainText('one.txt');

  // A edits one and adds one; B gets both.
  const second = {
    ...first,
    'one.txt': 'first file, edited on the laptop\n',
    'four.txt': 'new on the laptop\n',
  };
  await writeFiles(a.page, 'a-photos', { 'one.txt': second['one.txt'], 'four.txt': second['four.txt'] });
  await expectFiles(b.page, 'b-photos', second);

  // B deletes one; A sees it gone.
  await deleteFile(b.page, 'b-photos', 'two.txt');
  const third: Record<string, string> = { ...second };
  delete third['two.txt'];
  await expectFiles(a.page, 'a-photos', third);
  await expectFiles(b.page, 'b-photos', third);

  await expect(folderAtA.getByTestId('folder-state')).toHaveText('Up to date', { timeout: 20_000 });
  await expect(folderAtB.getByTestId('folder-state')).toHaveText('Up to date', { timeout: 20_000 });
  await folderAtB.getByTestId('folder-activity').locator('summary').click();
  await a.page.screenshot({ path: join(SHOTS, 'folders-sharer.png'), fullPage: true });
  await b.page.screenshot({ path: join(SHOTS, 'folders-receiver.png'), fullPage: true });
  expect(a.errors).toEqual([]);
  expect(b.errors).toEqual([]);
});

test('without a folder picker a folder lives in the app, and it is back after a reload', async () => {
  const a = await device('Tablet', undefined);
  await expect(a.page.getByTestId('folder-add')).toHaveText('Add folder');
  await a.page.getByTestId('folder-label-input').fill('Notes');
  await a.page.getByTestId('folder-add').click();
  const folder = a.page.locator('[data-testid=folder][data-folder-label="Notes"]');
  await expect(folder.getByTestId('folder-where')).toHaveText('In this browser (Notes)', { timeout: 10_000 });
  await expect(folder.getByTestId('folder-state')).toHaveText('Up to date', { timeout: 20_000 });
  await writeFiles(a.page, 'Notes', { 'todo.txt': 'milk\n' });
  await a.page.reload();
  await expect(folder.getByTestId('folder-state')).toHaveText('Up to date', { timeout: 20_000 });
  await expect(a.page.getByTestId('folder')).toHaveCount(1);
  expect(await readFiles(a.page, 'Notes')).toEqual({ 'todo.txt': 'milk\n' });
  expect(a.errors).toEqual([]);
});
