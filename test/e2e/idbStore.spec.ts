/**
 * IdbStore once in real Chromium (the unit tests run it under fake-indexeddb): a harness
 * page writes a database, the page reloads, and the same database reads back in order,
 * with the device's key pair and certificate still usable; a version 1 database upgrades;
 * another tab's newer version closes the store and says why. The harness is built and
 * served here, apart from the app's dist/, so the app never ships it.
 */
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { build, preview, type PreviewServer } from 'vite';
import { SCHEMA_VERSION } from '../../src/adapters/store/IdbStore.schema.ts';
import type { ReadReport, UpgradeReport, WatchReport } from './harness/idbStore.ts';
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

test('IdbStore keeps records, peer state, journal, settings and credentials across a page reload', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto(url);
  await harnessReady(page);
  const written = await page.evaluate((name) => window.tandemIdb.write(name), DB);
  const { files, sequence } = written;
  expect(written.failedBatch).toBe('DataCloneError');
  expect(written.sequenceAfterFailure).toBe(sequence);
  expect(written.expired).toBe(1);
  expect(written.tombstonesLeft).toEqual(['gone-young']);
  expect(written.fingerprints.length).toBeGreaterThan(0);

  await page.reload();
  await harnessReady(page);
  const read: ReadReport = await page.evaluate(
    ([name, signature]) => window.tandemIdb.read(name, signature),
    [DB, written.signature] as const,
  );

  expect(read.sequence).toBe(sequence);
  expect(read.indexId).toBe('index-1');
  // Every path once, in sequence order, across several pages; rewritten paths moved to the
  // end; the expired tombstone gone, its sequence (files + 4) with it.
  expect(read.local).toHaveLength(files + 2);
  const sequences = read.local.map(([, s]) => s);
  expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  expect(new Set(read.local.map(([p]) => p)).size).toBe(files + 2);
  expect(read.local.slice(0, 2)).toEqual([
    ['dir/f000', 1],
    ['dir/f001', 2],
  ]);
  expect(read.since).toEqual([
    ['dir/f010', files + 1],
    ['dir/f500', files + 2],
    ['z-last', files + 3],
    ['gone-young', files + 5],
  ]);
  expect(read.local.slice(-4)).toEqual(read.since);
  // Path order, across pages, as the planner reads it.
  expect(read.localRecords).toHaveLength(files + 3);
  expect(read.localRecords).toEqual([...read.localRecords].sort());
  expect(read.localRecords).toContain('after-reload');
  expect(read.hashIsBytes).toBe(true);
  expect(read.rewritten).toEqual({ size: 1000, hash: [1000 & 0xff, 1000 >> 8, 7] });
  expect(read.observed).toEqual([
    { size: 1000, mtime: 77 },
    { size: 5, mtime: 42 },
  ]);

  expect(read.peerState).toEqual({ indexId: 'peer-index', sequence: 5 });
  // The peer's tombstone of gone-old went with ours.
  expect(read.remotePaths).toEqual(['a', 'b', 'c']);
  expect(read.remoteB).toEqual({ sequence: 4, modifiedBy: 'PEER' });
  expect(read.journal).toEqual([{ path: 'big.bin', chunksDone: [0, 2] }]);
  expect(read.setting).toBe('e2e laptop');
  expect(read.nextSequence).toBe(sequence + 1);
  expect(read.dropped).toEqual({ sequence: 0, indexId: undefined, records: 0, peer: false });

  expect(read.keys).toEqual({
    privateExtractable: false,
    privateType: 'private',
    exportRefused: true,
    oldSignatureVerifies: true,
    newSignatureVerifies: true,
    isCertificate: true,
    fingerprints: written.fingerprints,
    offerHasFingerprint: true,
  });
  expect(errors).toEqual([]);
});

test('IdbStore keeps a folder bound by its directory handle across a reload, the handle still usable', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto(url);
  await harnessReady(page);
  await page.evaluate((name) => window.tandemIdb.bindHandle(name), `${DB}-bindings`);
  await page.reload();
  await harnessReady(page);
  expect(await page.evaluate((name) => window.tandemIdb.readBinding(name), `${DB}-bindings`)).toEqual({
    label: 'Bound',
    devices: ['DEV1'],
    isHandle: true,
    text: 'kept',
  });
  expect(errors).toEqual([]);
});

test('IdbStore upgrades a version 1 database, keeping its data and finding its tombstones', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto(url);
  await harnessReady(page);
  const report: UpgradeReport = await page.evaluate(
    (name) => window.tandemIdb.upgradeFromV1(name),
    `${DB}-v1`,
  );
  expect(report).toEqual({
    versionAfter: SCHEMA_VERSION,
    sequence: 3,
    local: [
      ['a', 1],
      ['old', 2],
      ['young', 3],
    ],
    observed: { size: 1, mtime: 9 },
    peerState: { indexId: 'p1', sequence: 5 },
    setting: 'v1 laptop',
    expired: 1,
    remoteLeft: ['live'],
    keyStored: true,
  });
  expect(errors).toEqual([]);
});

test('IdbStore steps aside when another tab opens a newer version, and says why', async ({
  page,
  context,
}) => {
  const errors = watchErrors(page);
  await page.goto(url);
  await harnessReady(page);
  await page.evaluate((name) => window.tandemIdb.watch(name), `${DB}-tabs`);

  const other = await context.newPage();
  await other.goto(url);
  await harnessReady(other);
  // Resolves only if the first tab's connection closed: otherwise the open is blocked.
  expect(await other.evaluate((name) => window.tandemIdb.upgradeElsewhere(name), `${DB}-tabs`)).toBe(
    SCHEMA_VERSION + 1,
  );

  const watched: WatchReport = await page.evaluate(() => window.tandemIdb.watched());
  expect(watched.reasons).toEqual([
    expect.stringContaining(`another tab opened the database at version ${SCHEMA_VERSION + 1}`),
  ]);
  expect(watched.callAfter).toBe('StoreClosedError');
  expect(errors).toEqual([]);
});
