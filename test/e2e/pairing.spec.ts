/**
 * Connect and pair end to end (issue 4): two browser contexts are two devices running the
 * built app. Chromium runs in a private network namespace, and Playwright carries every
 * page request and the signaling WebSocket to `npm start`'s server — or, for the
 * WebSocket, to a malicious relay that rewrites what it relays (pairingRelay.ts); the
 * setup is appWorld.ts. The fake camera shows a .y4m made from the inviter's QR code
 * (pairingCamera.ts). Every wait is bounded.
 */
import { fileURLToPath } from 'node:url';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { reconnectionRoom } from '../../src/net/rooms.ts';
import type { DeviceId } from '../../src/ports/Store.ts';
import { watchErrors } from '../support/pageErrors.ts';
import { APP, nameDevice } from './appWorld.ts';
import { appWorldWithCamera, writeQrY4m } from './pairingCamera.ts';
import { bridgeToRelay, swapFingerprints, type RelayTamper } from './pairingRelay.ts';

// The camera file is read when a page opens the camera: the scan test rewrites it first.
const camera = fileURLToPath(new URL('../../.tmp/e2e-pairing-camera.y4m', import.meta.url));
const world = appWorldWithCamera('e2e-pairing-dist', camera);

interface Device {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly errors: string[];
}

/** A new device (browser context) at `url`, named `name`. */
async function device(name: string, url = APP, tamper?: RelayTamper): Promise<Device> {
  const context = await world.context(undefined, (ws) => bridgeToRelay(ws, world.relay.port, tamper));
  const page = await context.newPage();
  const made = { context, page, errors: watchErrors(page) };
  await page.goto(url);
  await nameDevice(page, name);
  return made;
}

/** Starts pairing on `page`; resolves with the link it shows. */
async function showLink(page: Page): Promise<string> {
  await page.getByTestId('pair-start').click();
  return page.getByTestId('invite-link').inputValue({ timeout: 10_000 });
}

async function pairedOn(page: Page, scope: 'invite' | 'join'): Promise<{ name: string; words: string }> {
  const card = page.getByTestId(scope);
  await expect(card.getByTestId('paired-name')).toBeVisible({ timeout: 20_000 });
  return {
    name: (await card.getByTestId('paired-name').textContent()) ?? '',
    words: (await card.getByTestId('paired-words').textContent()) ?? '',
  };
}

async function expectConnected(page: Page, peerName: string, timeout = 30_000): Promise<void> {
  const row = page.locator(`[data-testid=device][data-device-name="${peerName}"]`);
  await expect(row.getByTestId('device-status')).toHaveText('Connected', { timeout });
}

/** Pairs `a` and `b` by the link; returns the ms from opening the link to both showing the words. */
async function pairByLink(
  a: Device,
  bName: string,
  tamper?: RelayTamper,
): Promise<{ b: Device; ms: number; link: string }> {
  const link = await showLink(a.page);
  const started = Date.now();
  const b = await device(bName, link, tamper);
  const [atA, atB] = await Promise.all([pairedOn(a.page, 'invite'), pairedOn(b.page, 'join')]);
  const ms = Date.now() - started;
  expect(atA.name).toBe(bName);
  expect(atB.name).toBe(await a.page.getByTestId('my-name').textContent());
  expect(atA.words.split(' ')).toHaveLength(4);
  expect(atB.words).toBe(atA.words);
  return { b, ms, link };
}

test('two devices pair by the link: each shows the other and the same words, then both are connected', async () => {
  const a = await device('Laptop');
  const { b, ms } = await pairByLink(a, 'Phone');
  test.info().annotations.push({ type: 'pairing-ms', description: String(ms) });
  console.log(`pairing by link, link opened → both show the words: ${ms} ms (includes naming B)`);
  // The secret left the address bar.
  expect(new URL(b.page.url()).hash).toBe('');
  await expectConnected(a.page, 'Phone');
  await expectConnected(b.page, 'Laptop');
  // Pairing again at once shows a new code and link, not the last pairing's result.
  await pairByLink(a, 'Tablet');
  await expectConnected(a.page, 'Tablet');
  expect(a.errors).toEqual([]);
  expect(b.errors).toEqual([]);
});

test('after one side reloads, both are connected again without a new pairing', async () => {
  const a = await device('Desk');
  const { b } = await pairByLink(a, 'Tablet');
  await expectConnected(a.page, 'Tablet');
  await b.page.reload();
  await expectConnected(b.page, 'Desk');
  await expectConnected(a.page, 'Tablet');
  await a.page.reload();
  await expectConnected(a.page, 'Tablet');
  await expectConnected(b.page, 'Desk');
});

test('a device pairs by scanning the QR code with its camera', async () => {
  const a = await device('Studio');
  const link = await showLink(a.page);
  await writeQrY4m(camera, link);
  const b = await device('Pocket');
  await b.page.getByTestId('scan-start').click();
  const [atA, atB] = await Promise.all([pairedOn(a.page, 'invite'), pairedOn(b.page, 'join')]);
  expect(atA.name).toBe('Pocket');
  expect(atB.name).toBe('Studio');
  expect(atB.words).toBe(atA.words);
  await expectConnected(b.page, 'Studio');
});

test('a relay that swaps the SDP fingerprints makes pairing fail on both sides, saying so', async () => {
  const tamper = { toPage: swapFingerprints };
  const a = await device('Home', APP, tamper);
  const link = await showLink(a.page);
  const b = await device('Away', link, tamper);
  await expect(b.page.getByTestId('join-error')).toContainText('Pairing failed', { timeout: 30_000 });
  await expect(a.page.getByTestId('invite-error')).toContainText('Pairing failed', { timeout: 30_000 });
  for (const page of [a.page, b.page]) await expect(page.getByTestId('device')).toHaveCount(0);
});

test("a relay that replays an earlier pairing's messages to a new one makes it fail on both sides, saying so", async () => {
  // Session 1: the relay records what reaches the joining device.
  const recorded: string[] = [];
  const record = (frame: string) => {
    const message = JSON.parse(frame) as { type?: string; data?: string };
    if (message.type === 'message' && typeof message.data === 'string') recorded.push(message.data);
    return frame;
  };
  const a = await device('Origin', APP);
  await pairByLink(a, 'Earlier', { toPage: record });
  expect(recorded.length).toBeGreaterThan(0);
  // Session 2, a new link: each message to the new device is swapped for the recorded one.
  await a.page.getByRole('button', { name: 'Done' }).click();
  let next = 0;
  const replay = (frame: string) => {
    const message = JSON.parse(frame) as { type?: string; data?: string };
    if (message.type !== 'message') return frame;
    return JSON.stringify({ ...message, data: recorded[Math.min(next++, recorded.length - 1)] });
  };
  const link = await showLink(a.page);
  const b = await device('Later', link, { toPage: replay });
  await expect(b.page.getByTestId('join-error')).toContainText('Pairing failed', { timeout: 40_000 });
  await expect(a.page.getByTestId('invite-error')).toContainText('Pairing failed', { timeout: 40_000 });
  await expect(b.page.getByTestId('device')).toHaveCount(0);
  await expect(a.page.getByTestId('device')).toHaveCount(1);
});

test('a link with a wrong secret is refused on both sides', async () => {
  const a = await device('Alpha');
  const link = await showLink(a.page);
  const dot = link.lastIndexOf('.');
  const secret = link.slice(dot + 1);
  const wrong = `${link.slice(0, dot)}.${secret.startsWith('A') ? 'B' : 'A'}${secret.slice(1)}`;
  const b = await device('Beta', wrong);
  await expect(b.page.getByTestId('join-error')).toContainText(
    "proof of the pairing link's secret did not match",
    {
      timeout: 20_000,
    },
  );
  await expect(a.page.getByTestId('invite-error')).toContainText('did not match', { timeout: 20_000 });
  await expect(b.page.getByTestId('device')).toHaveCount(0);
});

test('a used link and an expired link are refused with clear messages', async () => {
  const a = await device('Maker', `${APP}?inviteTtl=4000`);
  const { b: first, link } = await pairByLink(a, 'First');
  await expectConnected(first.page, 'Maker');
  // The same link again, from another device: the maker still answers it, and refuses.
  const again = await device('Again', link);
  await expect(again.page.getByTestId('join-error')).toContainText('already used', { timeout: 20_000 });

  await a.page.getByRole('button', { name: 'Done' }).click();
  const expiring = await showLink(a.page);
  await a.page.waitForTimeout(4_500); // the link lives 4 s (?inviteTtl=4000)
  const late = await device('Late', expiring);
  await expect(late.page.getByTestId('join-error')).toContainText('expired', { timeout: 20_000 });
});

test("an unknown device that reaches a remembered device's room is refused and gets nothing", async () => {
  // A relay that knows A's and B's device IDs knows their reconnection room, and sends
  // another device there.
  const a = await device('Keeper');
  const { b } = await pairByLink(a, 'Friend');
  await expectConnected(a.page, 'Friend');
  const idOfA = (await a.page.getByTestId('my-id').getAttribute('title')) as DeviceId;
  const idOfB = (await b.page.getByTestId('my-id').getAttribute('title')) as DeviceId;
  const target = await reconnectionRoom(idOfA, idOfB);
  await b.context.close();

  // C and D are paired with each other only. Roles in a room are fixed by ID order, so the
  // relay sends whichever of them would answer A's offer (or offer to A's answer) there.
  const redirect: { to?: string } = {};
  const tamper = { room: (room: string) => (room.length === 43 && redirect.to ? redirect.to : room) };
  const c = await device('Stranger', APP, tamper);
  const { b: d } = await pairByLink(c, 'Accomplice', tamper);
  const idOfC = (await c.page.getByTestId('my-id').getAttribute('title')) as DeviceId;
  const idOfD = (await d.page.getByTestId('my-id').getAttribute('title')) as DeviceId;
  const aOffers = idOfA < idOfB;
  const [stranger, other] = idOfC < idOfD !== aOffers ? [c, d] : [d, c];
  redirect.to = target;
  await other.context.close();
  await expect(stranger.page.getByTestId('device-error')).toBeVisible({ timeout: 30_000 });
  const friendAtA = a.page.locator('[data-testid=device][data-device-name="Friend"]');
  await expect(friendAtA.getByTestId('device-error')).toContainText('not paired', { timeout: 30_000 });
  await expect(friendAtA.getByTestId('device-status')).not.toHaveText('Connected');
  await expect(a.page.getByTestId('device')).toHaveCount(1);
});
