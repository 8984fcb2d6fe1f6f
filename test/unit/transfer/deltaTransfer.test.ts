import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import { encodeRefineMessage, RefineReceiver } from '../../../src/core/content/rsync/index.ts';
import { commitFile } from '../../../src/core/engine/commit.ts';
import { LIMITS } from '../../../src/core/protocol/messages.ts';
import { fetchChunkFromBytes } from '../../../src/core/transfer/chooseTransfer.ts';
import { DeltaFetchError } from '../../../src/core/transfer/deltaFetcher.ts';
import { PeerChannel } from '../../../src/core/transfer/peerChannel.ts';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { createMemoryPair } from '../../../src/adapters/transport/MemoryTransport.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { noise, recordOf, text, toIterable } from '../engine/commitFixture.ts';
import { applyEdits, editArb } from '../rsync/helpers.ts';
import { deltaWorld, rejection } from './deltaFixture.ts';
import { FOLDER, GatedVolume, OTHER_FOLDER, settle, until } from './transferFixture.ts';

/** The DeltaFetchError a promise rejects with. */
async function deltaError(promise: Promise<unknown>): Promise<DeltaFetchError> {
  const error = await rejection(promise);
  if (!(error instanceof DeltaFetchError))
    throw new Error(`expected a DeltaFetchError, got ${String(error)}`);
  return error;
}

/** An old and a new version: `size` bytes of noise and 100 bytes inserted off any block boundary. */
function edited(size: number, seed: number): { old: Uint8Array; next: Uint8Array } {
  const old = noise(size, seed);
  const next = applyEdits(old, [{ kind: 'insert', at: 0.37, bytes: noise(100, seed + 1) }]);
  return { old, next };
}

describe('delta transfer', () => {
  it('rebuilds the new version exactly from random edits, sending far fewer bytes than the file for small ones', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.array(editArb, { minLength: 1, maxLength: 3 }),
        async (size, seed, edits) => {
          const w = deltaWorld();
          const old = noise(size, seed);
          const next = applyEdits(old, edits);
          const record = await w.put('docs/file.bin', next);
          const result = await w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old) });
          expect(result.bytes).toEqual(next);
          expect(result.peer).toBe('DEVB');
          const edited = edits.reduce((n, e) => n + ('bytes' in e ? e.bytes.length : 0), 0);
          if (next.length >= 32 * 1024 && edits.length === 1 && edited <= 3000) {
            expect(result.bytesSent + result.bytesReceived).toBeLessThan(next.length / 4);
          }
          expect(w.server.openSessions(w.serverChannel)).toBe(0);
          expect(w.clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('sends a few hundred bytes for 100 bytes inserted into 1 MiB, and commitFile writes the result', async () => {
    const w = deltaWorld();
    const { old, next } = edited(1 << 20, 3);
    const record = await w.put('a.bin', next);
    const local = new MemoryVolume({ clock: w.clock, marker: true });
    await local.writeAtomically('a.bin', toIterable([old]));
    const base = await local.source('a.bin');
    const result = await w.fetcher.fetch({ folder: FOLDER, record, base, maxDelta: 64 * 1024 });
    expect(result.bytesReceived).toBeLessThan(1000);
    expect(result.bytesSent).toBeLessThan(2000);
    expect(result.rounds).toBeGreaterThanOrEqual(2);
    const entry = (await local.stat('a.bin'))!;
    const committed = await commitFile(
      { volume: local, fetchChunk: fetchChunkFromBytes(record, result.bytes) },
      { record, expect: { size: entry.size, mtime: entry.mtime } },
    );
    expect(committed.status).toBe('committed');
    const written = await local.source('a.bin');
    expect(await written.read(0, written.size)).toEqual(next);
  });

  it('handles empty files on either side', async () => {
    for (const [old, next] of [
      [new Uint8Array(0), text('now there is something')],
      [text('something'), new Uint8Array(0)],
      [new Uint8Array(0), new Uint8Array(0)],
    ] as const) {
      const w = deltaWorld();
      const record = await w.put('e.txt', next);
      const result = await w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old) });
      expect(result.bytes).toEqual(next);
    }
  });

  it('the server refuses a file that changed since the index with not-found, and sends none of it', async () => {
    const w = deltaWorld();
    const { old, next } = edited(100_000, 5);
    const record = await w.put('a.bin', next);
    await w.put('a.bin', noise(100_000, 6)); // changed again on the server
    const error = await deltaError(w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old) }));
    expect(error.failure).toBe('not-found');
    expect(error.detail).toMatch(/changed/);
    expect(error.peer).toBe('DEVB');
    expect(w.fromServer.filter((m) => m.kind === 'refine')).toEqual([]);
    expect(w.server.openSessions(w.serverChannel)).toBe(0);
    expect(w.channel.closed).toBeUndefined();
  });

  it('the server answers not-found for a missing file and unknown-folder for a folder it does not serve', async () => {
    const w = deltaWorld();
    const { record } = await recordOf('nope.bin', text('x'));
    const missing = await deltaError(
      w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(text('y')) }),
    );
    expect(missing.failure).toBe('not-found');
    const other = await deltaError(
      w.fetcher.fetch({ folder: OTHER_FOLDER, record, base: bytesSource(text('y')) }),
    );
    expect(other.failure).toBe('unknown-folder');
  });

  it('a delta larger than maxDelta is refused with too-large, and the connection stays open', async () => {
    const w = deltaWorld();
    const old = noise(50_000, 1);
    const next = noise(50_000, 2); // nothing in common: the delta is the whole file
    const record = await w.put('a.bin', next);
    const error = await deltaError(
      w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old), maxDelta: 40_000 }),
    );
    expect(error.failure).toBe('too-large');
    expect(w.fromServer.filter((m) => m.kind === 'refine' && m.payload.length > 1000)).toEqual([]);
    const ok = await w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old), maxDelta: 60_000 });
    expect(ok.bytes).toEqual(next);
  });

  it('files over the size limit are refused before anything is sent, by either side', async () => {
    const w = deltaWorld({ server: { maxFileBytes: 10_000 } });
    const { old, next } = edited(20_000, 8);
    const record = await w.put('a.bin', next);
    expect(
      (await deltaError(w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old) }))).failure,
    ).toBe('too-large');
    const small = deltaWorld({ fetcher: { maxFileBytes: 10_000 } });
    const error = await deltaError(small.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old) }));
    expect(error.failure).toBe('too-large');
    expect(small.fromFetcher).toEqual([]);
  });

  it('a malformed payload from the fetching side closes the connection with malformed', async () => {
    const w = deltaWorld();
    const { old, next } = edited(30_000, 4);
    await w.put('a.bin', next);
    const { record } = await recordOf('a.bin', next);
    const coarse = await new RefineReceiver(bytesSource(old)).start();
    const corrupt = coarse.slice(0, coarse.length - 3);
    await w.channel.send({
      kind: 'refine',
      id: 1,
      reply: false,
      folder: FOLDER,
      path: 'a.bin',
      hash: record.hash,
      payload: corrupt,
    });
    await until(() => w.channel.closed !== undefined);
    expect(w.fromServer).toEqual([{ kind: 'error', id: 0, code: 'malformed', message: expect.any(String) }]);
    expect(w.channel.closed?.message).toMatch(/^malformed: /);
    expect(w.server.openSessions(w.serverChannel)).toBe(0);
  });

  it('a session that does not open with sums, or opens twice, breaks the protocol', async () => {
    const { record } = await recordOf('a.bin', text('abc'));
    const opening = {
      kind: 'refine',
      id: 7,
      reply: false,
      folder: FOLDER,
      path: 'a.bin',
      hash: record.hash,
    } as const;
    const w = deltaWorld();
    const want = encodeRefineMessage({ kind: 'want', holeBytes: 10, indices: [0] });
    await w.channel.send({ ...opening, payload: want });
    await until(() => w.channel.closed !== undefined);
    expect(w.serverChannel.closed?.message).toMatch(/^malformed: .*opens with sums/);

    const volume = new MemoryVolume({ clock: new ManualClock(), marker: true });
    await volume.writeAtomically('a.bin', toIterable([text('abc')]));
    const v = deltaWorld({ source: new GatedVolume(volume) }); // the first session waits on its read
    const coarse = await new RefineReceiver(bytesSource(text('abc'))).start();
    await v.channel.send({ ...opening, payload: coarse });
    await v.channel.send({ ...opening, payload: coarse });
    await until(() => v.channel.closed !== undefined);
    expect(v.serverChannel.closed?.message).toMatch(/opened while open/);
  });

  it('a continuation for a session that is not open is answered not-found', async () => {
    const w = deltaWorld();
    const subsigs = encodeRefineMessage({
      kind: 'subsigs',
      blockSize: 64,
      strongLength: 2,
      weak: new Int32Array(1),
      strong: new Uint8Array(2),
    });
    await w.channel.send({
      kind: 'refine',
      id: 9,
      reply: false,
      folder: FOLDER,
      path: 'a.bin',
      payload: subsigs,
    });
    await until(() => w.fromServer.length > 0);
    expect(w.fromServer).toEqual([{ kind: 'error', id: 9, code: 'not-found', message: expect.any(String) }]);
    expect(w.channel.closed).toBeUndefined();
  });

  it('a malformed answer from the server rejects the fetch with malformed and closes the connection', async () => {
    const w = deltaWorld();
    const pair = createMemoryPair({ maxMessageSize: LIMITS.messageBytes });
    w.fetcher.addPeer(new PeerChannel('LIAR', pair.a));
    const liar = new PeerChannel('DEVA', pair.b);
    liar.on('refine', (m) => {
      void liar.send({
        ...m,
        hash: undefined,
        maxDelta: undefined,
        reply: true,
        payload: new Uint8Array([1, 2, 3]),
      });
    });
    const { old, next } = edited(30_000, 2);
    const { record } = await recordOf('a.bin', next);
    const error = await deltaError(
      w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old), peer: 'LIAR' }),
    );
    expect(error.failure).toBe('malformed');
    await until(() => pair.b.closed !== undefined);
    expect(pair.a.closed?.message).toMatch(/^malformed: /);
    expect(w.fetcher.load('LIAR')).toBeUndefined();
  });

  it('a delta that does not rebuild the record is refused with mismatch', async () => {
    const w = deltaWorld();
    const { old, next } = edited(30_000, 2);
    const record = await w.put('a.bin', next);
    const { record: claimed } = await recordOf('a.bin', noise(30_100, 99));
    // The server serves `next`, but the record claims other chunks under next's file hash.
    const lying = { ...claimed, hash: record.hash };
    const error = await deltaError(
      w.fetcher.fetch({ folder: FOLDER, record: lying, base: bytesSource(old) }),
    );
    expect(error.failure).toBe('mismatch');
  });

  it('the connection closing mid-session rejects the fetch with closed', async () => {
    const w = deltaWorld({ delivery: 'manual' });
    const { old, next } = edited(100_000, 12);
    const record = await w.put('a.bin', next);
    const fetch = deltaError(w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old) }));
    await until(() => w.pair.link.pending('a') > 0);
    w.pair.link.step('a'); // the sums reach the server
    await until(() => w.pair.link.pending('b') > 0); // its WANT is on the way
    w.pair.link.cut('cable pulled');
    const error = await fetch;
    expect(error.failure).toBe('closed');
    expect(error.detail).toMatch(/cable pulled/);
    expect(w.server.openSessions(w.serverChannel)).toBe(0);
    expect(w.clock.pendingTimers).toBe(0);
    expect(w.fetcher.load('DEVB')).toBeUndefined();
  });

  it('an unanswered message times out on the ManualClock, a late answer is ignored, and the idle server session ends', async () => {
    const w = deltaWorld({
      delivery: 'manual',
      fetcher: { timeoutMs: 5_000 },
      server: { idleTimeoutMs: 20_000 },
    });
    const { old, next } = edited(100_000, 13);
    const record = await w.put('a.bin', next);
    const fetch = deltaError(w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old) }));
    await until(() => w.pair.link.pending('a') > 0);
    w.pair.link.step('a'); // the sums reach the server
    await until(() => w.pair.link.pending('b') > 0); // its WANT waits on the wire
    expect(w.server.openSessions(w.serverChannel)).toBe(1);
    w.clock.advance(4_999);
    await settle();
    expect(w.fetcher.load('DEVB')).toEqual({ open: 1, queued: 0 });
    w.clock.advance(1);
    const error = await fetch;
    expect(error.failure).toBe('timeout');
    expect(w.fetcher.load('DEVB')).toEqual({ open: 0, queued: 0 });
    w.pair.link.step('b'); // the late WANT
    await settle();
    expect(w.channel.closed).toBeUndefined();
    expect(w.pair.link.pending()).toBe(0);
    w.clock.advance(15_000);
    expect(w.server.openSessions(w.serverChannel)).toBe(0);
    expect(w.clock.pendingTimers).toBe(0);
  });

  it('the server answers busy beyond its cap of sessions per peer', async () => {
    const clock = new ManualClock();
    const volume = new MemoryVolume({ clock, marker: true });
    const gate = new GatedVolume(volume);
    const w = deltaWorld({
      source: gate,
      server: { maxSessionsPerPeer: 2 },
      fetcher: { maxSessionsPerPeer: 4 },
    });
    const { old, next } = edited(20_000, 21);
    await volume.writeAtomically('a.bin', toIterable([next]));
    const { record } = await recordOf('a.bin', next);
    const outcomes = [0, 1, 2, 3].map((i) =>
      w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old) }).then(
        (r) => (r.bytes.length === next.length ? `ok${i}` : 'wrong'),
        (e: DeltaFetchError) => e.failure,
      ),
    );
    await until(() => gate.reading === 2 && w.fromServer.length === 2);
    gate.release();
    expect(await Promise.all(outcomes)).toEqual(['ok0', 'ok1', 'busy', 'busy']);
  });

  it('the fetcher keeps at most its cap of sessions open per peer; the rest wait and then complete', async () => {
    const clock = new ManualClock();
    const volume = new MemoryVolume({ clock, marker: true });
    const gate = new GatedVolume(volume);
    const w = deltaWorld({ source: gate, fetcher: { maxSessionsPerPeer: 2 } });
    const { old, next } = edited(20_000, 22);
    await volume.writeAtomically('a.bin', toIterable([next]));
    const { record } = await recordOf('a.bin', next);
    let done = 0;
    const fetches = [0, 1, 2, 3, 4].map(() =>
      w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old) }).finally(() => done++),
    );
    await until(() => gate.reading === 2);
    expect(w.fetcher.load('DEVB')).toEqual({ open: 2, queued: 3 });
    while (done < 5) {
      await settle();
      gate.release();
    }
    for (const result of await Promise.all(fetches)) expect(result.bytes).toEqual(next);
    expect(gate.maxReading).toBe(2);
    expect(w.fetcher.load('DEVB')).toEqual({ open: 0, queued: 0 });
  });

  it('with no connected peer the fetch rejects with no-peer', async () => {
    const w = deltaWorld({ fetcher: { peersFor: () => ['DEVX'] } });
    const { record } = await recordOf('a.bin', text('abc'));
    const error = await deltaError(
      w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(text('ab')) }),
    );
    expect(error.failure).toBe('no-peer');
    expect(error.message).toMatch(/its chunks will be fetched instead/);
  });

  it('fetchChunkFromBytes slices at chunk offsets, and a refused slice goes to the fallback', async () => {
    const content = noise(300_000, 31);
    const { record } = await recordOf('f.bin', content);
    expect(record.chunks.length).toBeGreaterThan(2);
    const wrong = content.slice();
    wrong[10] = wrong[10]! ^ 1; // chunk 0 is corrupt in the "delta" result
    const calls: [number, number][] = [];
    const fallback = async (_chunk: unknown, index: number, attempt: number) => {
      calls.push([index, attempt]);
      let offset = 0;
      for (let i = 0; i < index; i++) offset += record.chunks[i]!.size;
      return content.subarray(offset, offset + record.chunks[index]!.size);
    };
    const local = new MemoryVolume({ clock: deltaWorld().clock, marker: true });
    const result = await commitFile(
      { volume: local, fetchChunk: fetchChunkFromBytes(record, wrong, fallback) },
      { record, expect: 'absent' },
    );
    expect(result.status).toBe('committed');
    expect(calls).toEqual([[0, 0]]);
    const bare = fetchChunkFromBytes(record, content);
    await expect(bare(record.chunks[0]!, 0, 1)).rejects.toThrow(/no fallback/);
    await expect(bare(record.chunks[0]!, 99, 0)).rejects.toThrow(RangeError);
  });
});
