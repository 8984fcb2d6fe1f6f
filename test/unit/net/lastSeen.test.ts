/** Last-seen times of paired devices: kept across reloads, refreshed while connected, never trusted blindly. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { MemoryStore } from '../../../src/adapters/store/MemoryStore.ts';
import { HEARTBEAT_MS, LAST_SEEN_SETTING, LastSeen, parseLastSeen } from '../../../src/net/lastSeen.ts';

const LAPTOP = 'A'.repeat(52);
const PHONE = 'B'.repeat(52);

describe('LastSeen', () => {
  it('records the opening, a heartbeat while connected and the close, and reads them back after a reload', async () => {
    const clock = new ManualClock(1_000_000);
    const store = new MemoryStore();
    const seen = new LastSeen(store, clock);
    await seen.load();
    expect(seen.get(LAPTOP)).toBeUndefined();
    seen.opened(LAPTOP);
    expect(seen.get(LAPTOP)).toBe(1_000_000);
    clock.advance(HEARTBEAT_MS);
    expect(seen.get(LAPTOP)).toBe(1_000_000 + HEARTBEAT_MS);
    clock.advance(10_000);
    seen.closed(LAPTOP);
    clock.advance(HEARTBEAT_MS * 3); // no heartbeat once closed
    expect(seen.get(LAPTOP)).toBe(1_000_000 + HEARTBEAT_MS + 10_000);
    await seen.settled();

    const again = new LastSeen(store, clock);
    await again.load();
    expect(again.get(LAPTOP)).toBe(1_000_000 + HEARTBEAT_MS + 10_000);
    again.forget(LAPTOP);
    await again.settled();
    expect(parseLastSeen(await store.getSetting(LAST_SEEN_SETTING)).size).toBe(0);
    seen.stop();
  });

  it('reads a damaged setting as never seen, keeping only well-formed entries', () => {
    expect(parseLastSeen('not json').size).toBe(0);
    expect(parseLastSeen('{"v":2,"seen":{}}').size).toBe(0);
    expect(parseLastSeen('{"v":1,"seen":[]}').size).toBe(0);
    const mixed = JSON.stringify({ v: 1, seen: { [LAPTOP]: 5, [PHONE]: 'soon', nonsense: 7, __proto__: 1 } });
    expect([...parseLastSeen(mixed)]).toEqual([[LAPTOP, 5]]);
  });
});
