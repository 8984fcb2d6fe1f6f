/**
 * Folder scenarios end to end (issue 5, item 5): renames either way and a new subfolder;
 * what happens while one device is away; a reload in the middle of a download. Set up as
 * folders.spec.ts: two browser contexts are two devices running the built app in a private
 * network namespace, the signaling WebSocket carried by Playwright to a real
 * `startServer`, and the folder picker returning an OPFS directory the test names.
 * A device is "away" when its page is closed, or when its page is open but its relay is
 * silent (the WebSocket opens and nothing answers), so it can change files that nobody
 * sees. Every wait is bounded.
 */
import { expect, test } from '@playwright/test';
import {
  editApart,
  errorsOf,
  folderAt,
  goOnline,
  openPage,
  pairAndShare,
  pairDevices,
  peerStatus,
  settle,
  shareFolder,
  upToDate,
} from './appDevices.ts';
import { appWorld, SHOTS } from './appWorld.ts';
import {
  deleteFile,
  expectFiles,
  filesOnceThereAre,
  partialBytes,
  readFiles,
  renameFile,
  sha256Of,
  writeFiles,
  writeRandomFile,
} from './opfsFiles.ts';
import { countReceivedBytes, receivedBytes } from './receivedBytes.ts';

const CONFLICT_COPY = /^one\.sync-conflict-\d{8}-\d{6}-[A-Za-z0-9_-]+\.txt$/;
const MiB = 1 << 20;

const world = appWorld('e2e-scenarios-dist');

test('the same file edited on both devices while apart keeps both versions on both', async () => {
  test.setTimeout(240_000);
  const { a, b } = await pairAndShare(world, { 'one.txt': 'as shared\n', 'two.txt': 'untouched\n' });

  // B goes away; A edits one.txt. B opens again with no relay to reach A, and edits one.txt
  // its own way.
  await editApart(a, b);
  expect(await peerStatus(b.page, 'Laptop').textContent()).not.toBe('Connected');
  expect(await readFiles(a.page, 'notes')).toEqual({
    'one.txt': 'edited on the laptop\n',
    'two.txt': 'untouched\n',
  });

  // B comes back: both end with one.txt holding one version and a conflict copy the other.
  await goOnline(b);
  await expect(peerStatus(b.page, 'Laptop')).toHaveText('Connected', { timeout: 60_000 });
  const atA = await filesOnceThereAre(a.page, 'notes', 3);
  const copies = Object.keys(atA).filter((name) => CONFLICT_COPY.test(name));
  expect(copies).toHaveLength(1);
  expect([atA['one.txt'], atA[copies[0]!]].sort()).toEqual([
    'edited on the laptop\n',
    'edited on the phone\n',
  ]);
  expect(atA['two.txt']).toBe('untouched\n');
  await expectFiles(b.page, 'b-notes', atA);
  await upToDate(a.page);
  await upToDate(b.page);
  await a.page.screenshot({ path: `${SHOTS}/scenario-conflict-laptop.png`, fullPage: true });
  await b.page.screenshot({ path: `${SHOTS}/scenario-conflict-phone.png`, fullPage: true });
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});

test('a file deleted while the other page was closed stays deleted when it returns', async () => {
  test.setTimeout(240_000);
  const { a, b } = await pairAndShare(world, { 'keep.txt': 'stays\n', 'gone.txt': 'to be deleted\n' });

  await b.page.close();
  await expect(peerStatus(a.page, 'Phone')).not.toHaveText('Connected', { timeout: 30_000 });
  await deleteFile(a.page, 'notes', 'gone.txt');
  await settle(a.page);

  await openPage(b);
  await expect(peerStatus(b.page, 'Laptop')).toHaveText('Connected', { timeout: 60_000 });
  await expectFiles(b.page, 'b-notes', { 'keep.txt': 'stays\n' });
  await upToDate(b.page);
  // Had B brought the file back, it would be on A again within a few scans.
  await a.page.waitForTimeout(5_000);
  expect(await readFiles(a.page, 'notes')).toEqual({ 'keep.txt': 'stays\n' });
  expect(await readFiles(b.page, 'b-notes')).toEqual({ 'keep.txt': 'stays\n' });
  await b.page.screenshot({ path: `${SHOTS}/scenario-delete-phone.png`, fullPage: true });
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});

test('a file renamed on either device arrives under its new name, and so does a new subfolder', async () => {
  test.setTimeout(120_000);
  const { a, b } = await pairAndShare(world, { 'draft.txt': 'first draft\n', 'list.txt': 'milk\n' });

  // A renames draft.txt: B ends with final.txt, the same content, and no draft.txt.
  const how = await renameFile(a.page, 'notes', 'draft.txt', 'final.txt');
  test.info().annotations.push({ type: 'rename', description: `OPFS rename by ${how}` });
  await expectFiles(b.page, 'b-notes', { 'final.txt': 'first draft\n', 'list.txt': 'milk\n' });

  // And the other way: B renames list.txt.
  await renameFile(b.page, 'b-notes', 'list.txt', 'shopping.txt');
  await expectFiles(a.page, 'notes', { 'final.txt': 'first draft\n', 'shopping.txt': 'milk\n' });

  // A file in a new subfolder on B arrives on A, in the same subfolder.
  await writeFiles(b.page, 'b-notes', { 'trips/2024/rome.txt': 'from the phone\n' });
  const all = {
    'final.txt': 'first draft\n',
    'shopping.txt': 'milk\n',
    'trips/2024/rome.txt': 'from the phone\n',
  };
  await expectFiles(a.page, 'notes', all);
  await upToDate(a.page);
  await upToDate(b.page);
  expect(await readFiles(b.page, 'b-notes')).toEqual(all);
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});

/** Large enough that a reload lands mid-transfer; the partial is flushed from 8 MiB on. */
const BIG_MIB = 96;
/** What the partial holds on disk, at least, when B reloads. */
const KEPT_AT_LEAST = 16 * MiB;
/**
 * What B may receive after the reload beyond the bytes its partial lacked: chunks written
 * since the journal's last save (every 4 MiB, resumableCommit.ts) are fetched again, plus
 * the protocol's own messages.
 */
const REFETCH_SLACK = 6 * MiB;

test('a download cut by a reload resumes from its partial file, and the file arrives whole', async () => {
  test.setTimeout(180_000);
  const { a, b } = await pairDevices(world, { b: { before: countReceivedBytes } });
  const hash = await writeRandomFile(a.page, 'notes', 'big.bin', BIG_MIB);
  await shareFolder(a, b);

  // Mid-transfer: B's partial download holds some of the file on disk.
  await expect
    .poll(() => partialBytes(b.page, 'b-notes'), { timeout: 60_000, intervals: [100] })
    .toBeGreaterThanOrEqual(KEPT_AT_LEAST);
  const kept = await partialBytes(b.page, 'b-notes');
  await b.page.reload();
  // Still mid-transfer after the reload: the file is not there, its partial is.
  expect(await sha256Of(b.page, 'b-notes', 'big.bin')).toBeUndefined();
  expect(await partialBytes(b.page, 'b-notes')).toBeGreaterThanOrEqual(kept);

  // The folder is restored, B reconnects, and the file completes with A's bytes.
  await expect(folderAt(b.page, 'notes')).toBeVisible({ timeout: 20_000 });
  await expect(peerStatus(b.page, 'Laptop')).toHaveText('Connected', { timeout: 30_000 });
  await expect
    .poll(() => sha256Of(b.page, 'b-notes', 'big.bin'), { timeout: 90_000, intervals: [500, 1000] })
    .toBe(hash);
  await upToDate(b.page);
  expect(await partialBytes(b.page, 'b-notes')).toBe(0);

  // Resumed, not started again: after the reload B fetched the rest, not the whole file.
  const received = await receivedBytes(b.page);
  test.info().annotations.push({
    type: 'resume',
    description: `partial ${(kept / MiB).toFixed(1)} MiB; received after reload ${(received / MiB).toFixed(1)} of ${BIG_MIB} MiB`,
  });
  expect(received).toBeGreaterThan(0);
  expect(received).toBeLessThanOrEqual(BIG_MIB * MiB - kept + REFETCH_SLACK);
  await b.page.screenshot({ path: `${SHOTS}/scenario-resumed-phone.png`, fullPage: true });
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});
