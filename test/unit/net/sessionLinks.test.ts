/**
 * The session layer's reconnection loop (src/net/deviceLinks.ts) and its backoff, driven
 * by a ManualClock and a fake dial the test answers: no network, no wall clock.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { SeededRandom } from '../../../src/adapters/random/SeededRandom.ts';
import { createMemoryPair } from '../../../src/adapters/transport/MemoryTransport.ts';
import { DeviceLinks, type DialHooks, type LinkStatus } from '../../../src/net/deviceLinks.ts';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../src/net/sessionBackoff.ts';
import type { DeviceId } from '../../../src/ports/Store.ts';
import type { Transport } from '../../../src/ports/Transport.ts';

const A = 'A'.repeat(52) as DeviceId;
const B = 'B'.repeat(52) as DeviceId;

describe('backoffDelay', () => {
  it('doubles from the base, stays within [ceiling/2, ceiling] and never passes the maximum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (n, u) => {
          const ceiling = Math.min(DEFAULT_BACKOFF.maxMs, DEFAULT_BACKOFF.baseMs * 2 ** Math.min(n - 1, 30));
          const delay = backoffDelay(n, u);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(delay).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
    expect(backoffDelay(1, 0)).toBe(500);
    expect(backoffDelay(3, 0)).toBe(2000);
    expect(backoffDelay(40, 0.5)).toBe(45_000);
  });

  it('refuses counts and units outside their range', () => {
    expect(() => backoffDelay(0, 0.5)).toThrow(RangeError);
    expect(() => backoffDelay(1.5, 0.5)).toThrow(RangeError);
    expect(() => backoffDelay(1, 1)).toThrow(RangeError);
    expect(() => backoffDelay(1, 0.5, { baseMs: 10, maxMs: 5 })).toThrow(RangeError);
  });
});

interface PendingDial {
  readonly device: DeviceId;
  readonly hooks: DialHooks;
  resolve(transport: Transport): void;
  reject(error: Error): void;
}

/** A DeviceLinks whose dials wait for the test, and a log of every status heard. */
function setup() {
  const clock = new ManualClock();
  const dials: PendingDial[] = [];
  const connected: DeviceId[] = [];
  const heard: [DeviceId, LinkStatus][] = [];
  const links = new DeviceLinks({
    clock,
    random: new SeededRandom(7),
    dial: (device, hooks) =>
      new Promise<Transport>((resolve, reject) => dials.push({ device, hooks, resolve, reject })),
    onConnected: (device) => connected.push(device),
    stableMs: 10_000,
  });
  links.on((device, status) => heard.push([device, status]));
  return { clock, dials, connected, heard, links };
}

/** Lets promise callbacks run (bounded). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('DeviceLinks', () => {
  it('dials, reports connecting then connected, and hands the transport on', async () => {
    const { dials, connected, links } = setup();
    links.watch(B);
    await settle();
    expect(dials).toHaveLength(1);
    expect(links.status(B)).toEqual({ state: 'offline' });
    dials[0]!.hooks.onAttempt();
    expect(links.status(B)?.state).toBe('connecting');
    dials[0]!.resolve(createMemoryPair().a);
    await settle();
    expect(links.status(B)).toEqual({ state: 'connected' });
    expect(connected).toEqual([B]);
  });

  it('backs off after failures, doubling, and wake() retries at once', async () => {
    const { clock, dials, links } = setup();
    links.watch(B);
    await settle();
    dials[0]!.reject(new Error('no route'));
    await settle();
    const first = links.status(B)!;
    expect(first.state).toBe('offline');
    expect(first.error).toBe('no route');
    const wait1 = first.retryAt! - clock.now();
    expect(wait1).toBeGreaterThanOrEqual(500);
    expect(wait1).toBeLessThanOrEqual(1000);
    clock.advance(wait1 - 1);
    await settle();
    expect(dials).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(dials).toHaveLength(2);
    dials[1]!.reject(new Error('no route'));
    await settle();
    const wait2 = links.status(B)!.retryAt! - clock.now();
    expect(wait2).toBeGreaterThanOrEqual(1000);
    expect(wait2).toBeLessThanOrEqual(2000);
    links.wake();
    await settle();
    expect(dials).toHaveLength(3);
  });

  it('redials at once after a connection that lasted, and backs off after one that dropped at once', async () => {
    const { clock, dials, links } = setup();
    links.watch(B);
    await settle();
    const first = createMemoryPair();
    dials[0]!.resolve(first.a);
    await settle();
    clock.advance(60_000);
    first.link.cut('network gone');
    await settle();
    expect(dials).toHaveLength(2);
    expect(links.status(B)?.state).toBe('offline');
    expect(links.status(B)?.error).toContain('network gone');

    const second = createMemoryPair();
    dials[1]!.resolve(second.a);
    await settle();
    second.link.cut('dropped');
    await settle();
    expect(dials).toHaveLength(2);
    expect(links.status(B)?.retryAt).toBeGreaterThan(clock.now());
  });

  it('uses a transport from pairing without dialling, and dials again once it ends', async () => {
    const { clock, dials, connected, links } = setup();
    const pair = createMemoryPair();
    links.adopt(A, pair.a);
    await settle();
    expect(dials).toHaveLength(0);
    expect(connected).toEqual([A]);
    expect(links.status(A)?.state).toBe('connected');
    clock.advance(20_000);
    pair.b.close('bye');
    pair.link.flush();
    await settle();
    expect(dials).toHaveLength(1);
    expect(dials[0]!.device).toBe(A);
  });

  it('forgetting a device aborts its dial, closes its connection and reports nothing more', async () => {
    const { dials, heard, links } = setup();
    links.watch(A);
    links.watch(B);
    await settle();
    links.forget(A);
    expect(dials.find((d) => d.device === A)!.hooks.signal.aborted).toBe(true);
    const pair = createMemoryPair();
    dials.find((d) => d.device === B)!.resolve(pair.a);
    await settle();
    links.forget(B);
    expect(pair.a.closed?.by).toBe('local');
    const count = heard.length;
    dials.find((d) => d.device === A)!.reject(new Error('aborted'));
    await settle();
    expect(heard).toHaveLength(count);
    expect(links.status(A)).toBeUndefined();
    expect(links.status(B)).toBeUndefined();
  });
});
