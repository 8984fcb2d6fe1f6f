/**
 * Settings, devices and "why isn't this in sync" end to end (issue 5): two devices paired
 * through the UI as in folders.spec.ts (Chromium in a private network namespace, a real
 * `startServer`), then: the device list shows the connection's path and, once the other
 * page closes, when it was last seen; a renamed device shows its new name on the other
 * after "Apply and reconnect"; a bad ICE URL is refused with a message; asking why for a
 * synced file says it is up to date, and for an ignored one names the rule. Screenshots
 * of the settings and of an answer go to test-results/. Every wait is bounded.
 */
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { appWorld, SHOTS } from './appWorld.ts';
import { errorsOf, folderAt, pairDevices, peerStatus, shareFolder } from './appDevices.ts';
import { expectFiles, writeFiles } from './opfsFiles.ts';

const world = appWorld('e2e-settings-dist');

function deviceRow(page: Page, name: string) {
  return page.locator(`[data-testid=device][data-device-name="${name}"]`);
}

/** Asks the folder card of `notes` on `page` why `path` is not in sync, until the answer is `headline`. */
async function expectWhy(page: Page, path: string, headline: string): Promise<void> {
  const why = folderAt(page, 'notes').getByTestId('why');
  if ((await why.getAttribute('open')) === null) await why.locator('summary').click();
  await why.getByTestId('why-path').fill(path);
  await expect(async () => {
    await why.getByTestId('why-ask').click();
    await expect(why.getByTestId('why-headline')).toHaveText(headline, { timeout: 2000 });
  }).toPass({ timeout: 30_000, intervals: [500, 1000, 2000] });
}

test('devices show path and last seen; why explains a synced and an ignored file; settings refuse a bad ICE URL and a rename reaches the peer', async () => {
  test.setTimeout(240_000);
  const { a, b } = await pairDevices(world);

  // Both pages run in one network namespace with no ICE servers: host candidates only, so
  // never NAT or a relay. A side that learnt the other's address from a check (prflx) is
  // shown no address by Chromium, and can only say "direct connection".
  const direct = /^\s*— direct (on the local network|connection)$/;
  await expect(deviceRow(a.page, 'Phone').getByTestId('device-path')).toHaveText(direct, { timeout: 15_000 });
  await expect(deviceRow(b.page, 'Laptop').getByTestId('device-path')).toHaveText(direct, {
    timeout: 15_000,
  });

  // A folder with an ignore rule: scratch.tmp stays on A, synced.txt reaches B.
  await writeFiles(a.page, 'notes', {
    '.tandemignore': '# scratch files\n*.tmp\n',
    'synced.txt': 'hello\n',
    'scratch.tmp': 'not for the phone\n',
  });
  await shareFolder(a, b);
  await expectFiles(b.page, 'b-notes', { 'synced.txt': 'hello\n' });

  await expectWhy(a.page, 'synced.txt', 'Up to date on this device and Phone.');
  await expectWhy(b.page, 'synced.txt', 'Up to date on this device and Laptop.');
  await expectWhy(a.page, 'scratch.tmp', 'Ignored by .tandemignore rule `*.tmp` (line 2).');
  await folderAt(a.page, 'notes').getByTestId('why-answer').scrollIntoViewIfNeeded();
  await folderAt(a.page, 'notes').screenshot({ path: join(SHOTS, 'why-answer.png') });
  await expectWhy(
    a.page,
    'nothing/here.txt',
    'Unknown path: neither this device nor any other has told it about such a file.',
  );

  // Settings: a URL that is not STUN or TURN is refused, and nothing is pending.
  const settings = a.page.getByTestId('settings');
  await settings.getByTestId('ice-add').click();
  await settings.getByTestId('ice-url').fill('http://stun.example.org');
  await settings.getByTestId('ice-save').click();
  await expect(settings.getByTestId('ice-error')).toContainText('is not a STUN or TURN URL');
  await expect(settings.getByTestId('settings-pending')).toHaveCount(0);
  await settings.getByTestId('settings-signaling').fill('https://relay.example.org');
  await settings.getByTestId('settings-signaling-save').click();
  await expect(settings.getByTestId('signaling-error')).toContainText('ws:// or wss://');

  // Rename A, apply (the page reloads and reconnects): B shows the new name, connected.
  await settings.getByTestId('settings-name').fill('Laptop Pro');
  await settings.getByTestId('settings-name-save').click();
  await expect(settings.getByTestId('settings-name-saved')).toBeVisible();
  await expect(settings.getByTestId('settings-pending')).toBeVisible();
  await settings.scrollIntoViewIfNeeded();
  await settings.screenshot({ path: join(SHOTS, 'settings.png') });
  await settings.getByTestId('settings-apply').click();
  await expect(a.page.getByTestId('my-name')).toHaveText('Laptop Pro', { timeout: 15_000 });
  await expect(peerStatus(b.page, 'Laptop Pro')).toHaveText('Connected', { timeout: 45_000 });
  await expect(peerStatus(a.page, 'Phone')).toHaveText('Connected', { timeout: 45_000 });

  // B closes: A shows it offline, with when it was last seen.
  const bErrors = await errorsOf(b);
  await expect(peerStatus(a.page, 'Phone')).toHaveText('Offline', { timeout: 45_000 });
  await expect(deviceRow(a.page, 'Phone').getByTestId('device-last-seen')).toContainText('last seen');
  await expect(deviceRow(a.page, 'Phone').getByTestId('device-path')).toHaveCount(0);
  await a.page.getByTestId('devices').screenshot({ path: join(SHOTS, 'devices-last-seen.png') });
  expect(bErrors).toEqual([]);
  expect(await errorsOf(a)).toEqual([]);
});
