import { recordWireBytes } from '../../../src/core/protocol/records.ts';
import { describe, expect, it } from 'vitest';
import { createMemoryPair } from '../../../src/adapters/transport/MemoryTransport.ts';
import { MemoryStore } from '../../../src/adapters/store/MemoryStore.ts';
import { IndexExchange } from '../../../src/core/exchange/index.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import { LIMITS, type ErrorMessage } from '../../../src/core/protocol/messages.ts';
import { PeerChannel } from '../../../src/core/transfer/peerChannel.ts';
import {
  FOLDER,
  OTHER_FOLDER,
  addFiles,
  change,
  connect,
  device,
  recordCount,
  remoteOf,
  settle,
  until,
  type Connection,
} from './exchangeFixture.ts';

const shared = [{ id: FOLDER, label: 'Photos' }];
const both = [...shared, { id: OTHER_FOLDER, label: 'Notes' }];

/** Waits until both sides of `c` finished their first run of every folder in `folders`. */
async function caughtUp(c: Connection, folders: readonly string[] = [FOLDER]): Promise<void> {
  await until(() => folders.every((f) => c.a.upToDate.includes(f) && c.b.upToDate.includes(f)));
}

function disconnect(c: Connection): void {
  c.pair.link.cut('test over');
}

describe('IndexExchange', () => {
  it('on first contact, sends every local record, and the peer stores them with the right peer state', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await addFiles(a, FOLDER, 'a/', 3);
    await addFiles(b, FOLDER, 'b/', 2);
    const c = await connect(a, b, shared);
    await caughtUp(c);

    expect((await remoteOf(b, FOLDER, a)).map((r) => r.path)).toEqual(['a/0', 'a/1', 'a/2']);
    expect((await remoteOf(a, FOLDER, b)).map((r) => r.path)).toEqual(['b/0', 'b/1']);
    const aIndexId = await a.store.getIndexId(FOLDER);
    expect(aIndexId).toMatch(/^a[0-9a-f]{15}$/);
    expect(await b.store.getPeerState(FOLDER, a.id)).toEqual({ indexId: aIndexId, sequence: 3 });
    expect(await a.store.getPeerState(FOLDER, b.id)).toEqual({
      indexId: await b.store.getIndexId(FOLDER),
      sequence: 2,
    });
    expect(c.b.remote.flatMap((r) => r.records.map((x) => x.path))).toEqual(['a/0', 'a/1', 'a/2']);
    expect(c.b.batches.every((batch) => batch.records.every((r) => !('observed' in r)))).toBe(true);
  });

  it('on a reconnect, sends only the records changed since', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await addFiles(a, FOLDER, 'f', 50);
    const first = await connect(a, b, shared);
    await caughtUp(first);
    disconnect(first);

    await a.store.putLocal(FOLDER, [change('f7', a.id, 2), change('new', a.id, 2)]);
    const second = await connect(a, b, shared);
    await caughtUp(second);

    expect(recordCount(second.b.batches)).toBe(2);
    expect(second.b.batches.map((batch) => batch.last)).toEqual([true]);
    expect(recordCount(second.a.batches)).toBe(0);
    expect(await b.store.getPeerState(FOLDER, a.id)).toMatchObject({ sequence: 52 });
    const stored = await remoteOf(b, FOLDER, a);
    expect(stored).toHaveLength(51);
    expect(stored.find((r) => r.path === 'f7')?.version).toEqual({ [a.id]: 2 });
  });

  it('drops the old records of a peer whose index ID changed, and stores its new index', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await addFiles(b, FOLDER, 'old', 5);
    const first = await connect(a, b, shared);
    await caughtUp(first);
    disconnect(first);
    const oldId = await b.store.getIndexId(FOLDER);

    // B lost its index: a new store, a new index ID, sequences from 1 again.
    b.store = new MemoryStore();
    await addFiles(b, FOLDER, 'new', 3);
    const second = await connect(a, b, shared);
    await caughtUp(second);
    const newId = await b.store.getIndexId(FOLDER);
    expect(newId).not.toBe(oldId);
    // A's claim (sequence 5) was under B's old index ID, so B sends its whole new index at once.
    expect((await remoteOf(a, FOLDER, b)).map((r) => r.path)).toEqual(['new0', 'new1', 'new2']);
    expect(await a.store.getPeerState(FOLDER, b.id)).toEqual({ indexId: newId, sequence: 3 });
  });

  it('replaces what it holds when a batch comes under a new index ID it claimed nothing from', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await b.store.setIndexId(FOLDER, 'bbbbbbbbbbbbbbbb');
    await addFiles(b, FOLDER, 'new', 2);
    // A holds records under an older ID of B's, but no sequence: it asks for everything.
    await a.store.putRemote(FOLDER, b.id, [{ ...change('stale', b.id), sequence: 9 }], {
      indexId: 'cccccccccccccccc',
      sequence: 0,
    });
    const c = await connect(a, b, shared);
    await caughtUp(c);
    expect((await remoteOf(a, FOLDER, b)).map((r) => r.path)).toEqual(['new0', 'new1']);
    expect(await a.store.getPeerState(FOLDER, b.id)).toEqual({ indexId: 'bbbbbbbbbbbbbbbb', sequence: 2 });
  });

  it('streams changes made while connected after notifyLocalChanges', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await addFiles(a, FOLDER, 'f', 2);
    const c = await connect(a, b, shared);
    await caughtUp(c);
    const before = c.b.batches.length;

    await a.store.putLocal(FOLDER, [change('live', a.id, 3)]);
    await c.a.exchange.notifyLocalChanges(FOLDER);
    await until(() => c.b.upToDate.length === 2);

    const live = c.b.batches.slice(before);
    expect(live.map((x) => x.records.map((r) => r.path))).toEqual([['live']]);
    expect(live[0]?.last).toBe(true);
    expect(await b.store.getPeerState(FOLDER, a.id)).toMatchObject({ sequence: 3 });

    // Nothing new: nothing sent.
    await c.a.exchange.notifyLocalChanges(FOLDER);
    await settle();
    expect(c.b.batches.length).toBe(before + 1);
  });

  it('never sends a folder not shared with the peer, and lists the folders the peer offered', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await addFiles(a, FOLDER, 'f', 2);
    await addFiles(a, OTHER_FOLDER, 'secret', 4);
    await addFiles(b, OTHER_FOLDER, 'theirs', 1);
    const c = await connect(a, b, shared, both);
    await caughtUp(c);
    await a.store.putLocal(OTHER_FOLDER, [change('secret-live', a.id, 2)]);
    await c.a.exchange.notifyLocalChanges(OTHER_FOLDER);
    await settle();

    expect(c.b.batches.map((x) => x.folder)).toEqual([FOLDER]);
    expect(c.a.batches.map((x) => x.folder)).toEqual([FOLDER]);
    expect(await remoteOf(b, OTHER_FOLDER, a)).toEqual([]);
    expect(c.a.exchange.offered).toEqual([{ id: OTHER_FOLDER, label: 'Notes' }]);
    expect(c.b.exchange.offered).toEqual([]);
  });

  it('sends a large folder in batches within the limit, whole and in order, last only on the final batch', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    await addFiles(a, FOLDER, 'f', 2500);
    const c = await connect(a, b, shared);
    await caughtUp(c);

    const sizes = c.b.batches.map((x) => x.records.length);
    expect(sizes.every((n) => n <= LIMITS.recordsPerIndex)).toBe(true);
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(c.b.batches.map((x) => x.last)).toEqual([false, false, true]);
    const sequences = c.b.batches.flatMap((x) => x.records.map((r) => r.sequence));
    expect(sequences).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    expect(await remoteOf(b, FOLDER, a)).toHaveLength(2500);
    expect(await b.store.getPeerState(FOLDER, a.id)).toMatchObject({ sequence: 2500 });
    expect(c.b.remote).toHaveLength(3);
  });

  it('cuts batches by bytes too, and sends a record of a very large file alone, whole', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    // 40 files of 2,000 chunks (74 KB each on the wire), then one of 200,000 chunks (7.4 MB:
    // a 12 GiB file's worth, far over a batch's budget, well within the message cap).
    const withChunks = (path: string, n: number) => {
      const base = change(path, a.id);
      const chunks = Array.from({ length: n }, (_, i) => ({
        hash: new Uint8Array(32).fill(i & 0xff),
        size: 1,
      }));
      return { ...base, size: n, chunks };
    };
    await a.store.putLocal(
      FOLDER,
      Array.from({ length: 40 }, (_, i) => withChunks(`m${i}`, 2000)),
    );
    await a.store.putLocal(FOLDER, [withChunks('huge.bin', 200_000)]);
    const c = await connect(a, b, shared);
    await caughtUp(c);

    const bytes = c.b.batches.map((x) => x.records.reduce((n, r) => n + recordWireBytes(r), 0));
    expect(bytes.slice(0, -1).every((n) => n <= LIMITS.indexBatchBytes)).toBe(true);
    expect(c.b.batches.length).toBeGreaterThan(3);
    expect(c.b.batches.at(-1)!.records.map((r) => r.path)).toEqual(['huge.bin']);
    const huge = (await remoteOf(b, FOLDER, a)).find((r) => r.path === 'huge.bin');
    expect(huge?.chunks).toHaveLength(200_000);
    expect(await remoteOf(b, FOLDER, a)).toHaveLength(41);
  });

  it('sends an empty last batch when nothing is new', async () => {
    const a = device('DEVA', 'a');
    const b = device('DEVB', 'b');
    const c = await connect(a, b, shared);
    await caughtUp(c);
    expect(c.b.batches).toEqual([expect.objectContaining({ records: [], last: true })]);
    expect(c.b.remote).toEqual([]);
  });
});

describe('IndexExchange refusing a peer', () => {
  /** Device A's exchange facing a raw channel the test speaks through. */
  async function rawPeer() {
    const a = device('DEVA', 'a');
    await addFiles(a, FOLDER, 'f', 2);
    const pair = createMemoryPair({ maxMessageSize: LIMITS.messageBytes });
    const exchange = new IndexExchange({
      device: a.id,
      name: 'A',
      store: a.store,
      channel: new PeerChannel('DEVB', pair.a),
      folders: () => shared,
      newIndexId: a.newIndexId,
    });
    const raw = new PeerChannel('DEVA', pair.b);
    const errors: ErrorMessage[] = [];
    raw.on('error', (e) => errors.push(e));
    await exchange.start();
    return { a, pair, raw, errors };
  }

  const hello = (protocol: number, maxSequence = 10) =>
    ({
      kind: 'hello',
      protocol,
      device: 'DEVB',
      name: 'B',
      folders: [
        {
          id: FOLDER,
          label: 'Photos',
          indexId: 'bbbbbbbbbbbbbbbb',
          maxSequence,
          receivedSequence: 0,
          receivedIndexId: '',
        },
      ],
    }) as const;

  const record = (path: string, sequence: number): FileRecord => ({ ...change(path, 'DEVB'), sequence });

  it('answers a peer announcing another protocol version with error version and a close', async () => {
    const { pair, raw, errors } = await rawPeer();
    await raw.send(hello(2));
    await until(() => pair.a.closed !== undefined && errors.length > 0);
    expect(errors[0]).toMatchObject({ code: 'version', message: expect.stringContaining('protocol 2') });
    expect(pair.a.closed).toBeDefined();
  });

  it('closes the connection as malformed on a batch whose sequences go backwards, storing nothing of it', async () => {
    const { a, pair, raw, errors } = await rawPeer();
    await raw.send(hello(1));
    await raw.send({
      kind: 'index',
      folder: FOLDER,
      indexId: 'bbbbbbbbbbbbbbbb',
      records: [record('x', 5), record('y', 3)],
      last: true,
    });
    await until(() => pair.a.closed !== undefined && errors.length > 0);
    expect(errors[0]).toMatchObject({
      code: 'malformed',
      message: expect.stringContaining('does not increase'),
    });
    expect(await a.store.getPeerState(FOLDER, 'DEVB')).toBeUndefined();
    expect(await remoteOf(a, FOLDER, device('DEVB', 'b'))).toEqual([]);
  });

  it('closes the connection as malformed on a first run past the announced maxSequence', async () => {
    const { a, pair, raw, errors } = await rawPeer();
    await raw.send(hello(1, 4));
    await raw.send({
      kind: 'index',
      folder: FOLDER,
      indexId: 'bbbbbbbbbbbbbbbb',
      records: [record('x', 3), record('y', 5)],
      last: true,
    });
    await until(() => pair.a.closed !== undefined && errors.length > 0);
    expect(errors[0]).toMatchObject({
      code: 'malformed',
      message: expect.stringContaining('past the announced'),
    });
    expect(await a.store.getPeerState(FOLDER, 'DEVB')).toBeUndefined();
  });

  it('closes the connection on a batch under an index ID other than the hello announced', async () => {
    const { pair, raw, errors } = await rawPeer();
    await raw.send(hello(1));
    await raw.send({ kind: 'index', folder: FOLDER, indexId: 'cccccccccccccccc', records: [], last: true });
    await until(() => pair.a.closed !== undefined && errors.length > 0);
    expect(errors[0]).toMatchObject({
      code: 'malformed',
      message: expect.stringContaining('not the one hello announced'),
    });
  });
});
