/**
 * An app-private folder's tools end to end (issue 5): two devices without a folder picker
 * (their folders live in OPFS), paired and sharing a folder as in folders.spec.ts. A
 * imports files and a folder with a subfolder through the card's inputs and they reach B;
 * B downloads the folder as a zip whose entries match; an ignore rule saved on A keeps a
 * matching new file off B while another arrives; a synthetic drop of a file onto A's card
 * imports it. Headless Chromium hands out no directory handles for a drop (nor can a test
 * synthesise one), so dropping a real folder is covered by the unit tests only. Every wait
 * is bounded.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Locator } from '@playwright/test';
import { unzipStored } from '../support/storedZip.ts';
import { errorsOf, folderAt, pairDevices, shareFolder, upToDate, type Device } from './appDevices.ts';
import { appWorld, SHOTS } from './appWorld.ts';
import { expectFiles, readFiles, writeFiles } from './opfsFiles.ts';

/** Files on disk for the import inputs. */
const INPUT = fileURLToPath(new URL('../../.tmp/e2e-folderfiles-input', import.meta.url));

const world = appWorld('e2e-folderfiles-dist', [], async () => {
  await rm(INPUT, { recursive: true, force: true });
  await mkdir(join(INPUT, 'Trip', 'day 1'), { recursive: true });
  await writeFile(join(INPUT, 'Trip', 'plan.txt'), 'fly out on monday\n');
  await writeFile(join(INPUT, 'Trip', 'day 1', 'beach.txt'), 'sand\n');
  await writeFile(join(INPUT, 'loose.txt'), 'on its own\n');
  await writeFile(join(INPUT, 'other.txt'), 'another one\n');
});

/** Opens a card's collapsed tools (a `<details>`) unless open. */
async function openTools(tools: Locator): Promise<void> {
  if ((await tools.getAttribute('open')) === null) await tools.locator('> summary').click();
  await expect(tools).toHaveAttribute('open', '');
}

/**
 * Pairs a laptop (A) and a phone (B), neither with a folder picker, and shares A's new
 * app-private folder `Shared` with B, which accepts it; returns once both say "Up to date".
 */
async function sharedFolder(): Promise<{ a: Device; b: Device }> {
  const inTheApp = { picks: null, viewport: { width: 480, height: 1000 } };
  const { a, b } = await pairDevices(world, { a: inTheApp, b: inTheApp });
  await a.page.getByTestId('folder-label-input').fill('Shared');
  await shareFolder(a, b, { label: 'Shared' });
  await upToDate(b.page, 'Shared');
  return { a, b };
}

test('files and a folder imported on one device reach the other, which downloads the folder as a zip', async () => {
  test.setTimeout(180_000);
  const { a, b } = await sharedFolder();
  const toolsAtA = folderAt(a.page, 'Shared').getByTestId('folder-files');
  await openTools(toolsAtA);

  // A imports a folder with a subfolder, then two loose files.
  await toolsAtA.getByTestId('folder-import-folder').setInputFiles(join(INPUT, 'Trip'));
  await expect(toolsAtA.getByTestId('folder-files-status')).toHaveText('Imported 2 files.', {
    timeout: 10_000,
  });
  await toolsAtA
    .getByTestId('folder-import-files')
    .setInputFiles([join(INPUT, 'loose.txt'), join(INPUT, 'other.txt')]);
  await expect(toolsAtA.getByTestId('folder-files-status')).toHaveText('Imported 2 files.', {
    timeout: 10_000,
  });
  const imported = {
    'Trip/plan.txt': 'fly out on monday\n',
    'Trip/day 1/beach.txt': 'sand\n',
    'loose.txt': 'on its own\n',
    'other.txt': 'another one\n',
  };
  await expectFiles(a.page, 'Shared', imported);
  await expect(toolsAtA.getByTestId('folder-file')).toHaveCount(4);
  await expectFiles(b.page, 'Shared', imported);

  // Importing a file that is there asks first; declining keeps it.
  a.page.once('dialog', (dialog) => void dialog.dismiss());
  await toolsAtA.getByTestId('folder-import-files').setInputFiles(join(INPUT, 'loose.txt'));
  await expect(toolsAtA.getByTestId('folder-files-status')).toHaveText(
    'Imported 0 files; kept 1 file already there.',
    { timeout: 10_000 },
  );

  // B downloads the whole folder: exactly its files, none of Tandem's own.
  await upToDate(b.page, 'Shared');
  const toolsAtB = folderAt(b.page, 'Shared').getByTestId('folder-files');
  await openTools(toolsAtB);
  await expect(toolsAtB.getByTestId('folder-file')).toHaveCount(4, { timeout: 10_000 });
  const [download] = await Promise.all([
    b.page.waitForEvent('download', { timeout: 20_000 }),
    toolsAtB.getByTestId('folder-download-zip').click(),
  ]);
  expect(download.suggestedFilename()).toBe('Shared.zip');
  const saved = join(SHOTS, 'folder-files-download.zip');
  await download.saveAs(saved);
  const entries = unzipStored(new Uint8Array(await readFile(saved)));
  const unpacked = Object.fromEntries(
    [...entries].map(([name, bytes]) => [name, new TextDecoder().decode(bytes)]),
  );
  expect(unpacked).toEqual(imported);

  // And one file.
  const [one] = await Promise.all([
    b.page.waitForEvent('download', { timeout: 20_000 }),
    toolsAtB
      .locator('[data-testid=folder-file][data-path="Trip/day 1/beach.txt"]')
      .getByTestId('folder-file-download')
      .click(),
  ]);
  expect(one.suggestedFilename()).toBe('beach.txt');
  const onePath = join(SHOTS, 'folder-files-one.txt');
  await one.saveAs(onePath);
  expect(await readFile(onePath, 'utf8')).toBe('sand\n');

  await folderAt(a.page, 'Shared').screenshot({ path: join(SHOTS, 'folder-files-card.png') });
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});

test('an ignore rule saved on one device keeps matching new files off the other; a dropped file is imported', async () => {
  test.setTimeout(180_000);
  const { a, b } = await sharedFolder();
  const ignoreAtA = folderAt(a.page, 'Shared').getByTestId('folder-ignore');
  await openTools(ignoreAtA);
  const text = ignoreAtA.getByTestId('folder-ignore-text');
  await expect(text).toBeEnabled({ timeout: 10_000 });

  // A bad line is named, and Save waits until it is fixed.
  await text.fill('*.log\n[oops\n');
  await expect(ignoreAtA.getByTestId('folder-ignore-problems')).toContainText('Line 2');
  await expect(ignoreAtA.getByTestId('folder-ignore-save')).toBeDisabled();
  await text.fill('# kept on this device\n*.log\n');
  await expect(ignoreAtA.getByTestId('folder-ignore-problems')).toHaveCount(0);
  await ignoreAtA.getByTestId('folder-ignore-save').click();
  await expect(ignoreAtA.getByTestId('folder-ignore-status')).toContainText('Saved', { timeout: 10_000 });

  // A new matching file stays on A; a new other file arrives on B.
  await writeFiles(a.page, 'Shared', { 'debug.log': 'noise\n', 'report.txt': 'results\n' });
  await expectFiles(b.page, 'Shared', { 'report.txt': 'results\n' });
  await upToDate(a.page, 'Shared');
  await upToDate(b.page, 'Shared');
  expect(await readFiles(b.page, 'Shared')).toEqual({ 'report.txt': 'results\n' });
  expect(await readFiles(a.page, 'Shared')).toEqual({ 'debug.log': 'noise\n', 'report.txt': 'results\n' });
  // The rules file itself syncs, so B applies the same rules.
  const rulesAtB = folderAt(b.page, 'Shared').getByTestId('folder-ignore');
  await openTools(rulesAtB);
  await expect(rulesAtB.getByTestId('folder-ignore-text')).toHaveValue('# kept on this device\n*.log\n');

  // A file dropped onto A's card is imported (a synthetic drop: a DataTransfer holding a File).
  const drag = async (selector: string, name: string, body: string, events: readonly string[]) =>
    a.page.evaluate(
      ({ selector, name, body, events }) => {
        const target = document.querySelector(selector);
        if (!target) throw new Error(`nothing at ${selector}`);
        const data = new DataTransfer();
        data.items.add(new File([body], name, { type: 'text/plain' }));
        for (const type of events)
          target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
      },
      { selector, name, body, events },
    );
  const drop = (selector: string, name: string, body: string) =>
    drag(selector, name, body, ['dragenter', 'dragover', 'drop']);
  const cardHeading = '[data-testid=folder][data-folder-label="Shared"] h3';
  const toolsAtA = folderAt(a.page, 'Shared').getByTestId('folder-files');
  // While a drag is over the card, the screen and the card say so.
  await drag(cardHeading, 'dropped.txt', '', ['dragenter', 'dragover']);
  await expect(a.page.getByTestId('folder-drop')).toHaveClass(/dragging/);
  await expect(toolsAtA).toHaveAttribute('data-drop-over', '');
  await folderAt(a.page, 'Shared').screenshot({ path: join(SHOTS, 'folder-files-drag-over.png') });
  await drop(cardHeading, 'dropped.txt', 'dropped in\n');
  await expect(a.page.getByTestId('folder-drop')).not.toHaveClass(/dragging/);
  await expect(toolsAtA.getByTestId('folder-files-status')).toHaveText('Imported 1 file.', {
    timeout: 10_000,
  });
  await expectFiles(b.page, 'Shared', { 'report.txt': 'results\n', 'dropped.txt': 'dropped in\n' });

  // A file dropped beside the cards, where only a folder could go: told what to do instead.
  await drop('#folders-heading', 'stray.txt', 'x');
  await expect(a.page.getByTestId('folder-drop-message')).toContainText('cannot share a folder dropped here');

  await openTools(toolsAtA);
  await folderAt(a.page, 'Shared').screenshot({ path: join(SHOTS, 'folder-files-ignore.png') });
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});
