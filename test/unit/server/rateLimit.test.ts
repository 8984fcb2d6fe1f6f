import { describe, expect, it } from 'vitest';
import { ConnectionRateLimit, TokenBucket } from '../../../src/server/rateLimit.ts';

function clock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

describe('TokenBucket', () => {
  it('allows the burst at once, then the rate', () => {
    const time = clock();
    const bucket = new TokenBucket(20, 50, time.now);
    let allowed = 0;
    for (let index = 0; index < 100; index++) if (bucket.take()) allowed++;
    expect(allowed).toBe(50);
    time.advance(100); // 2 tokens at 20/s
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('never holds more than the burst, however long it rests', () => {
    const time = clock();
    const bucket = new TokenBucket(10, 5, time.now);
    time.advance(60_000);
    expect(bucket.take(5)).toBe(true);
    expect(bucket.take(1)).toBe(false);
  });

  it('takes nothing when refusing a cost larger than what is left', () => {
    const time = clock();
    const bucket = new TokenBucket(1, 10, time.now);
    expect(bucket.take(7)).toBe(true);
    expect(bucket.take(4)).toBe(false);
    expect(bucket.take(3)).toBe(true);
  });

  it('mints nothing when the clock steps back', () => {
    const time = clock(10_000);
    const bucket = new TokenBucket(1000, 1, time.now);
    expect(bucket.take()).toBe(true);
    time.advance(-5_000);
    expect(bucket.take()).toBe(false);
    time.advance(1); // still before the last reading: no tokens yet
    expect(bucket.take()).toBe(false);
  });

  it('refuses a rate or burst that is not positive', () => {
    expect(() => new TokenBucket(0, 1, () => 0)).toThrow(RangeError);
    expect(() => new TokenBucket(1, Number.NaN, () => 0)).toThrow(RangeError);
  });
});

describe('ConnectionRateLimit', () => {
  const limits = { messagesPerSecond: 10, messageBurst: 3, bytesPerSecond: 100, byteBurst: 250 };

  it('refuses on messages even when bytes are plenty', () => {
    const limit = new ConnectionRateLimit(limits, clock().now);
    expect([limit.allow(1), limit.allow(1), limit.allow(1), limit.allow(1)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('refuses on bytes even when messages are plenty', () => {
    const limit = new ConnectionRateLimit(limits, clock().now);
    expect([limit.allow(200), limit.allow(100)]).toEqual([true, false]);
  });
});
