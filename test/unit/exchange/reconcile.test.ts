import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/adapters/store/MemoryStore.ts';
import {
  RECONCILE_KINDS,
  FOLDER,
  addFiles,
  change,
  connect,
  device,
  recordCount,
  remoteOf,
  sentOf,
  until,
  type Connection,
  type Device,
} from './exchangeFixture.ts';

const shared = [{ id: FOLDER, label: 'Photos' }];

/** Waits until both sides are up to date with `FOLDER` `times` times. */
async function upToDate(c: Connection, times = 1): Promise<void> {
  const count = (list: string[]) => list.filter((f) => f === FOLDER).length;
  await until(() => count(c.a.upToDate) >= times && count(c.b.upToDate) >= times, 1000);
}

/** `n` files `common0…` made by a third device, identical wherever they are recorded. */
async function commonFiles(dev: Device, n: number): Promise<void> {
  await dev.store.putLocal(
    FOLDER,
    Array.from({ length: n }, (_, i) => change(`common${i}`, 'DEVC', 1)),
  );
}

const paths = (records: readonly { path: string }[]) => records.map((r) => r.path).sort();

describe('IndexExchange reconciling', () => {
  it('on first contact with overlapping indexes, each side ends with exactly the peer records that differ, and the peer state its hello announced', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await commonFiles(a, 200);
    await commonFiles(b, 200);
    await a.store.putLocal(FOLDER, [change('common7', 'DEVA', 2), change('only-a', 'DEVA')]);
    await b.store.putLocal(FOLDER, [change('only-b/1', 'DEVB'), change('only-b/2', 'DEVB')]);
    const c = await connect(a, b, shared);
    await upToDate(c);

    expect(paths(await remoteOf(b, FOLDER, a))).toEqual(['common7', 'only-a']);
    expect((await remoteOf(b, FOLDER, a)).find((r) => r.path === 'common7')?.version).toEqual({ DEVA: 2 });
    expect(paths(await remoteOf(a, FOLDER, b))).toEqual(['common7', 'only-b/1', 'only-b/2']);
    expect(await b.store.getPeerState(FOLDER, a.id)).toEqual({
      indexId: await a.store.getIndexId(FOLDER),
      sequence: 202,
    });
    expect(await a.store.getPeerState(FOLDER, b.id)).toEqual({
      indexId: await b.store.getIndexId(FOLDER),
      sequence: 202,
    });
    // DEVA sorts first, so it decodes: it asks and wants; DEVB streams symbols.
    expect(sentOf(c.b, 'reconcile').messages).toBeGreaterThan(0);
    expect(sentOf(c.a, 'want').messages).toBe(1);
    expect(sentOf(c.a, 'reconcile').messages + sentOf(c.b, 'more', 'want').messages).toBe(0);
    // No full index: only the differing records travel.
    expect(recordCount(c.b.batches)).toBe(2);
    expect(recordCount(c.a.batches)).toBe(3);
    expect(c.a.upToDate).toEqual([FOLDER]);
    expect(c.b.upToDate).toEqual([FOLDER]);
  });

  it('on equal indexes, stores nothing and settles on symbol 0, with the peer state announced', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await commonFiles(a, 50);
    await commonFiles(b, 50);
    const c = await connect(a, b, shared);
    await upToDate(c);
    expect(await remoteOf(a, FOLDER, b)).toEqual([]);
    expect(await remoteOf(b, FOLDER, a)).toEqual([]);
    expect(await a.store.getPeerState(FOLDER, b.id)).toMatchObject({ sequence: 50 });
    expect(sentOf(c.a, 'more').messages).toBe(0);
    expect(c.a.batches.map((x) => [x.records.length, x.last])).toEqual([[0, true]]);
  });

  it('a reconnect afterwards is a delta run, with no reconcile messages', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await commonFiles(a, 30);
    await commonFiles(b, 30);
    await b.store.putLocal(FOLDER, [change('only-b', 'DEVB')]);
    const first = await connect(a, b, shared);
    await upToDate(first);
    expect(sentOf(first.b, 'reconcile').messages).toBeGreaterThan(0);
    first.pair.link.cut('test over');

    await a.store.putLocal(FOLDER, [change('common3', 'DEVA', 2), change('new-a', 'DEVA')]);
    const second = await connect(a, b, shared);
    await upToDate(second);
    for (const side of [second.a, second.b]) expect(sentOf(side, ...RECONCILE_KINDS).messages).toBe(0);
    expect(second.b.batches.map((x) => x.records.map((r) => r.path))).toEqual([['common3', 'new-a']]);
    expect(second.a.batches.map((x) => x.records.length)).toEqual([0]);
    expect(paths(await remoteOf(b, FOLDER, a))).toEqual(['common3', 'new-a']);
    expect(await b.store.getPeerState(FOLDER, a.id)).toMatchObject({ sequence: 32 });
  });

  it('an index reset reconciles: the old records of the peer go, its differing new ones come', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await commonFiles(a, 40);
    await addFiles(b, FOLDER, 'old', 5);
    const first = await connect(a, b, shared);
    await upToDate(first);
    first.pair.link.cut('test over');
    expect(paths(await remoteOf(a, FOLDER, b))).toHaveLength(5);

    // B lost its index, then rescanned the same files as A has, plus one of its own.
    b.store = new MemoryStore();
    await commonFiles(b, 40);
    await b.store.putLocal(FOLDER, [change('rescanned', 'DEVB')]);
    const second = await connect(a, b, shared);
    await upToDate(second);
    const newId = await b.store.getIndexId(FOLDER);
    expect(sentOf(second.b, 'reconcile').messages).toBeGreaterThan(0);
    expect(paths(await remoteOf(a, FOLDER, b))).toEqual(['rescanned']);
    expect(await a.store.getPeerState(FOLDER, b.id)).toEqual({ indexId: newId, sequence: 41 });
    expect(paths(await remoteOf(b, FOLDER, a))).toEqual([]);
    expect(await b.store.getPeerState(FOLDER, a.id)).toMatchObject({ sequence: 40 });
  });

  it('still sends records changed while reconciling, by the live run after it', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await commonFiles(a, 20);
    await commonFiles(b, 20);
    const c = await connect(a, b, shared);
    // After both hellos: past the maxSequence each announced.
    await a.store.putLocal(FOLDER, [change('common5', 'DEVA', 2), change('late-a', 'DEVA')]);
    await b.store.putLocal(FOLDER, [change('late-b', 'DEVB')]);
    await c.a.exchange.notifyLocalChanges(FOLDER);
    await c.b.exchange.notifyLocalChanges(FOLDER);
    await upToDate(c);
    await until(() => c.b.batches.some((x) => x.records.some((r) => r.path === 'late-a')));
    await until(() => c.a.batches.some((x) => x.records.some((r) => r.path === 'late-b')));

    const fromA = await remoteOf(b, FOLDER, a);
    expect(fromA.find((r) => r.path === 'common5')?.version).toEqual({ DEVA: 2 });
    expect(paths(fromA)).toContain('late-a');
    expect(await b.store.getPeerState(FOLDER, a.id)).toMatchObject({ sequence: 22 });
    expect(paths(await remoteOf(a, FOLDER, b))).toContain('late-b');
    expect(await a.store.getPeerState(FOLDER, b.id)).toMatchObject({ sequence: 21 });
  });

  it('exchanges a large difference over many requests for symbols, and wants in several messages', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await commonFiles(a, 100);
    await commonFiles(b, 100);
    await addFiles(b, FOLDER, 'b/', 9000);
    await addFiles(a, FOLDER, 'a/', 300);
    const c = await connect(a, b, shared);
    await upToDate(c);
    expect(await remoteOf(a, FOLDER, b)).toHaveLength(9000);
    expect(paths(await remoteOf(b, FOLDER, a))).toHaveLength(300);
    expect(sentOf(c.a, 'want').messages).toBe(2);
    expect(sentOf(c.a, 'more').messages).toBeGreaterThan(10);
    expect(await a.store.getPeerState(FOLDER, b.id)).toMatchObject({ sequence: 9100 });
  });
});
