/**
 * Folders end to end (issue 5): two browser contexts are two devices running the built
 * app, set up as in pairing.spec.ts (Chromium in a private network namespace; pages and
 * the signaling WebSocket carried by Playwright to a real `startServer`). The folder
 * picker returns an OPFS directory the test names (appDevices.ts), so it runs headless.
 * Driven through the UI: pair, add a folder, share it, accept it, then change files on
 * either side and read them back from the other's OPFS. Every wait is bounded.
 */
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { errorsOf, folderAt, openDevice, pairDevices, shareFolder, upToDate } from './appDevices.ts';
import { appWorld, SHOTS } from './appWorld.ts';
import { deleteFile, expectFiles, readFiles, writeFiles, writeInPlace } from './opfsFiles.ts';

const world = appWorld('e2e-folders-dist');

test('a folder shared by one device is accepted by the other and stays the same both ways', async () => {
  test.setTimeout(180_000);
  const { a, b } = await pairDevices(world, { a: { picks: 'a-photos' }, b: { picks: 'b-photos' } });

  // A adds a folder with a few files: the picker hands it OPFS "a-photos".
  const first = { 'one.txt': 'first file\n', 'two.txt': 'second file\n', 'sub/three.txt': 'in a folder\n' };
  await writeFiles(a.page, 'a-photos', first);
  // A shares it with B; B sees the offer and accepts it into "b-photos".
  const folderAtA = folderAt(a.page, 'a-photos');
  await shareFolder(a, b, {
    label: 'a-photos',
    onOffer: async (offer) => {
      await expect(folderAtA.getByTestId('folder-where')).toContainText('a-photos');
      await expect(offer).toContainText('Laptop');
    },
  });
  const folderAtB = folderAt(b.page, 'a-photos');
  await expect(folderAtB).toBeVisible({ timeout: 10_000 });
  await expectFiles(b.page, 'b-photos', first);
  await upToDate(b.page, 'a-photos');
  await expect(folderAtB.getByTestId('folder-activity')).toContainText('Received one.txt');
  // Where each change was made: the files A's scan found are A's own.
  await expect(folderAtA.getByTestId('folder-activity')).toContainText('Changed here one.txt');

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

  // B changes a word of a file in place, keeping its size (and, in this in-memory OPFS,
  // its mtime): A gets it all the same.
  await writeInPlace(b.page, 'b-photos', 'sub/three.txt', 3, 'THE');
  const fourth = { ...third, 'sub/three.txt': 'in THEolder\n' };
  await expectFiles(a.page, 'a-photos', fourth);

  await upToDate(a.page, 'a-photos');
  await upToDate(b.page, 'a-photos');
  await folderAtB.getByTestId('folder-activity').locator('summary').click();
  await a.page.screenshot({ path: join(SHOTS, 'folders-sharer.png'), fullPage: true });
  await b.page.screenshot({ path: join(SHOTS, 'folders-receiver.png'), fullPage: true });
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});

test('without a folder picker a folder lives in the app, and it is back after a reload', async () => {
  const a = await openDevice(world, { name: 'Tablet', picks: null });
  await expect(a.page.getByTestId('folder-add')).toHaveText('Add folder');
  await a.page.getByTestId('folder-label-input').fill('Notes');
  await a.page.getByTestId('folder-add').click();
  const folder = folderAt(a.page, 'Notes');
  await expect(folder.getByTestId('folder-where')).toHaveText('In this browser (Notes)', { timeout: 10_000 });
  await upToDate(a.page, 'Notes');
  await writeFiles(a.page, 'Notes', { 'todo.txt': 'milk\n' });
  await a.page.reload();
  await upToDate(a.page, 'Notes');
  await expect(a.page.getByTestId('folder')).toHaveCount(1);
  expect(await readFiles(a.page, 'Notes')).toEqual({ 'todo.txt': 'milk\n' });
  expect(await errorsOf(a)).toEqual([]);
});
