import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { systemClock } from '../../../src/adapters/clock/SystemClock.ts';
import { createMemoryPair } from '../../../src/adapters/transport/MemoryTransport.ts';
import { TransportClosedError, type CloseReason } from '../../../src/ports/Transport.ts';
import { describeTransportContract } from '../../contracts/transport.ts';

describeTransportContract('MemoryTransport', ({ highWaterMark }) => createMemoryPair({ highWaterMark }));
describeTransportContract('MemoryTransport with latency', ({ highWaterMark }) =>
  createMemoryPair({ highWaterMark, latency: { clock: systemClock(), ms: 1 } }),
);

const bytes = (...values: number[]) => new Uint8Array(values);
/** Lets accepted sends resolve (they settle on microtasks). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('MemoryTransport', () => {
  it('moves nothing in manual mode until the link is stepped, one message per step', async () => {
    const { a, b, link } = createMemoryPair({ delivery: 'manual' });
    const got: number[] = [];
    b.onMessage((m) => got.push(m[0]!));
    await a.send(bytes(1));
    await a.send(bytes(2));
    expect(got).toEqual([]);
    expect(link.pending('a')).toBe(2);
    expect(link.step()).toBe(true);
    expect(got).toEqual([1]);
    expect(link.flush()).toBe(1);
    expect(got).toEqual([1, 2]);
    expect(link.step()).toBe(false);
  });

  it('steps the oldest message of either side, or of the side asked for', async () => {
    const { a, b, link } = createMemoryPair({ delivery: 'manual' });
    const log: string[] = [];
    a.onMessage((m) => log.push(`a got ${m[0]}`));
    b.onMessage((m) => log.push(`b got ${m[0]}`));
    await a.send(bytes(1));
    await b.send(bytes(2));
    await a.send(bytes(3));
    link.step('a');
    link.step('a');
    link.flush();
    expect(log).toEqual(['b got 1', 'b got 3', 'a got 2']);
    await a.send(bytes(4));
    await b.send(bytes(5));
    link.step();
    expect(log.at(-1)).toBe('b got 4');
  });

  it('accepts sends while less than the high-water mark is undelivered, then one per delivery', async () => {
    const { a, b, link } = createMemoryPair({ delivery: 'manual', highWaterMark: 1000 });
    b.onMessage(() => {});
    const accepted: number[] = [];
    for (let i = 0; i < 5; i++) void a.send(new Uint8Array(400)).then(() => accepted.push(i));
    await settle();
    // 0, 400 and 800 bytes were buffered when the first three arrived: below the mark.
    expect(accepted).toEqual([0, 1, 2]);
    link.step('a');
    await settle();
    expect(accepted).toEqual([0, 1, 2, 3]);
    link.flush();
    await settle();
    expect(accepted).toEqual([0, 1, 2, 3, 4]);
  });

  it('can lose a message, freeing its room', async () => {
    const { a, b, link } = createMemoryPair({ delivery: 'manual' });
    const got: number[] = [];
    b.onMessage((m) => got.push(m[0]!));
    await a.send(bytes(1));
    await a.send(bytes(2));
    expect(link.drop('a')).toBe(true);
    link.flush();
    expect(got).toEqual([2]);
    expect(link.drop('a')).toBe(false);
  });

  it('cuts the link at any point: both sides close as lost, in-flight messages vanish', async () => {
    const { a, b, link } = createMemoryPair({ delivery: 'manual', highWaterMark: 1 });
    const got: number[] = [];
    const reasons: CloseReason[] = [];
    b.onMessage((m) => got.push(m[0]!));
    a.onClose((r) => reasons.push(r));
    b.onClose((r) => reasons.push(r));
    await a.send(bytes(1));
    const waiting = a.send(bytes(2));
    link.cut('wifi dropped');
    await expect(waiting).rejects.toBeInstanceOf(TransportClosedError);
    expect(link.pending()).toBe(0);
    expect(got).toEqual([]);
    expect(reasons).toEqual([
      { by: 'lost', message: 'wifi dropped' },
      { by: 'lost', message: 'wifi dropped' },
    ]);
  });

  it('tells the peer of a close only after the messages sent before it', async () => {
    const { a, b, link } = createMemoryPair({ delivery: 'manual' });
    const log: string[] = [];
    b.onMessage((m) => log.push(`message ${m[0]}`));
    b.onClose((r) => log.push(`closed by ${r.by}`));
    await a.send(bytes(1));
    a.close('bye');
    expect(a.closed).toEqual({ by: 'local', message: 'bye' });
    expect(b.closed).toBeUndefined();
    link.step();
    expect(log).toEqual(['message 1']);
    link.step();
    expect(log).toEqual(['message 1', 'closed by remote']);
  });

  it('delivers after the latency on a virtual clock', async () => {
    const clock = new ManualClock();
    const { a, b } = createMemoryPair({ latency: { clock, ms: 50 } });
    const got: number[] = [];
    b.onMessage((m) => got.push(m[0]!));
    await a.send(bytes(1));
    clock.advance(10);
    await a.send(bytes(2));
    clock.advance(39);
    expect(got).toEqual([]);
    clock.advance(1);
    expect(got).toEqual([1]);
    clock.advance(10);
    expect(got).toEqual([1, 2]);
  });

  it('keeps each message apart from the sender’s buffer', async () => {
    const { a, b, link } = createMemoryPair({ delivery: 'manual' });
    const got: Uint8Array[] = [];
    b.onMessage((m) => got.push(m));
    const buffer = bytes(7, 7);
    await a.send(buffer);
    buffer.fill(0);
    link.flush();
    expect(got).toEqual([bytes(7, 7)]);
  });
});

describe('ManualClock', () => {
  it('fires timers in due order, ties in the order set, only when advanced', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(20, () => fired.push('b'));
    clock.setTimer(10, () => fired.push('a'));
    clock.setTimer(20, () => fired.push('c'));
    const cancel = clock.setTimer(5, () => fired.push('cancelled'));
    cancel();
    cancel();
    expect(fired).toEqual([]);
    expect(clock.advance(15)).toBe(1);
    expect(clock.now()).toBe(15);
    clock.advance(5);
    expect(fired).toEqual(['a', 'b', 'c']);
  });

  it('fires timers set by timers when they fall due within the same advance', () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    clock.setTimer(10, () => {
      at.push(clock.now());
      clock.setTimer(10, () => at.push(clock.now()));
    });
    clock.advance(100);
    expect(at).toEqual([10, 20]);
    expect(clock.now()).toBe(100);
    expect(clock.advanceToNext()).toBe(false);
  });
});
