import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../src/core/content/bytes.ts';
import { webCryptoSha256 } from '../../../src/core/content/hash.ts';
import { commitFile } from '../../../src/core/engine/commit.ts';
import type { ChunkRef } from '../../../src/core/model/fileRecord.ts';
import { decodeMessage } from '../../../src/core/protocol/codec.ts';
import type { Message } from '../../../src/core/protocol/messages.ts';
import { ChunkFetchError } from '../../../src/core/transfer/chunkRequester.ts';
import { PeerChannel } from '../../../src/core/transfer/peerChannel.ts';
import { createMemoryPair } from '../../../src/adapters/transport/MemoryTransport.ts';
import { LIMITS } from '../../../src/core/protocol/messages.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { noise, recordOf, text } from '../engine/commitFixture.ts';
import { FOLDER, GatedVolume, OTHER_FOLDER, settle, until, world } from './transferFixture.ts';

/** A small chunk of `bytes` at `offset`, as a record would name it. */
async function refOf(bytes: Uint8Array, offset: number, size: number): Promise<ChunkRef> {
  return { hash: await webCryptoSha256(bytes.subarray(offset, offset + size)), size };
}

/** As a plain Uint8Array (decoded bytes are Buffers under Node). */
const plain = (bytes: Uint8Array) => new Uint8Array(bytes);

/** The ChunkFetchError a promise rejects with. */
async function fetchError(promise: Promise<unknown>): Promise<ChunkFetchError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ChunkFetchError))
    throw new Error(`expected a ChunkFetchError, got ${String(error)}`);
  return error;
}

describe('chunk transfer', () => {
  it('a requester fetches a chunk from a server byte for byte', async () => {
    const w = world();
    const peer = w.addServer('DEVB');
    const content = noise(300_000, 7);
    await w.write(peer.volume, 'dir/big.bin', content);
    const { record } = await recordOf('dir/big.bin', content);
    expect(record.chunks.length).toBeGreaterThan(1);
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (const chunk of record.chunks) {
      parts.push(await w.requester.fetchChunk(FOLDER, record.path, chunk, offset));
      offset += chunk.size;
    }
    expect(concatBytes(parts)).toEqual(content);
    expect(w.requester.load('DEVB')).toEqual({
      inFlight: 0,
      queued: 0,
      served: record.chunks.length,
      wrongSize: 0,
    });
  });

  it('many requests in flight complete, and never more than the cap per peer are outstanding', async () => {
    const w = world({ maxInFlightPerPeer: 3 });
    const volume = new MemoryVolume({ clock: w.clock, marker: true });
    const content = noise(64 * 100, 3);
    await w.write(volume, 'f.bin', content);
    const gates = [new GatedVolume(volume), new GatedVolume(volume)];
    w.addServer('DEVB', { volume, source: gates[0] });
    w.addServer('DEVC', { volume, source: gates[1] });
    // Back to front, so the server reads each chunk on its own (in order, it reads blocks).
    const all = Array.from({ length: 100 }, (_, k) => 99 - k).map((i) =>
      refOf(content, i * 64, 64).then((ref) => w.requester.fetchChunk(FOLDER, 'f.bin', ref, i * 64)),
    );
    let done = false;
    const result = Promise.all(all).finally(() => (done = true));
    while (!done) {
      await settle();
      gates.forEach((g) => g.release());
    }
    const chunks = await result;
    expect(concatBytes(chunks.reverse())).toEqual(content);
    for (const gate of gates) {
      expect(gate.maxReading).toBe(3);
      expect(gate.reads).toBeGreaterThan(20);
    }
  });

  it('a peer answering not-found makes the requester try the other peer', async () => {
    const w = world();
    const empty = w.addServer('DEVB');
    const full = w.addServer('DEVC');
    const content = text('hello, tandem');
    await w.write(full.volume, 'a.txt', content);
    const ref = await refOf(content, 0, content.length);
    expect(plain(await w.requester.fetchChunk(FOLDER, 'a.txt', ref, 0))).toEqual(content);
    expect(w.requester.load(empty.id)?.served).toBe(0);
    expect(w.requester.load(full.id)?.served).toBe(1);
  });

  it('a dropped answer times out when the ManualClock advances and the retry goes to another peer', async () => {
    const w = world({ timeoutMs: 5_000 });
    const slow = w.addServer('DEVB', { delivery: 'manual' });
    const other = w.addServer('DEVC');
    const content = text('some chunk bytes');
    await w.write(slow.volume, 'a.txt', content);
    await w.write(other.volume, 'a.txt', content);
    const ref = await refOf(content, 0, content.length);
    const fetch = w.requester.fetchChunk(FOLDER, 'a.txt', ref, 0);
    expect(slow.pair.link.step('a')).toBe(true); // the request reaches DEVB
    await until(() => slow.pair.link.pending('b') > 0);
    expect(slow.pair.link.drop('b')).toBe(true); // its answer is lost
    expect(w.requester.load('DEVB')?.inFlight).toBe(1);
    w.clock.advance(4_999);
    expect(w.requester.load('DEVB')?.inFlight).toBe(1);
    w.clock.advance(1);
    expect(plain(await fetch)).toEqual(content);
    expect(w.requester.load('DEVB')).toMatchObject({ inFlight: 0, served: 0 });
    expect(w.requester.load('DEVC')).toMatchObject({ served: 1 });
    expect(w.clock.pendingTimers).toBe(0);
  });

  it("a cut link rejects that peer's pending requests promptly", async () => {
    const w = world();
    const peer = w.addServer('DEVB', { delivery: 'manual' });
    const content = noise(300, 9);
    const refs = await Promise.all([0, 100, 200].map((o) => refOf(content, o, 100)));
    const fetches = refs.map((ref, i) => fetchError(w.requester.fetchChunk(FOLDER, 'x.bin', ref, i * 100)));
    expect(w.requester.load('DEVB')?.inFlight).toBe(3);
    peer.pair.link.cut('cable pulled');
    for (const error of await Promise.all(fetches)) {
      expect(error.attempts).toEqual([
        { peer: 'DEVB', failure: 'closed', message: expect.stringContaining('cable pulled') },
      ]);
    }
    expect(w.requester.load('DEVB')).toBeUndefined();
    expect(w.clock.pendingTimers).toBe(0);
  });

  it('a malformed message closes the connection with an error message, and the receiving side keeps working for other peers', async () => {
    const w = world();
    const bad = w.addServer('DEVB');
    const good = w.addServer('DEVC');
    const content = text('still here');
    await w.write(good.volume, 'a.txt', content);
    const heard: Message[] = [];
    bad.pair.b.onMessage((bytes) => heard.push(decodeMessage(bytes)));
    await bad.pair.b.send(new Uint8Array([0xc1, 0xff, 0x00, 0x13]));
    await until(() => bad.pair.b.closed !== undefined);
    expect(heard).toEqual([{ kind: 'error', id: 0, code: 'malformed', message: expect.any(String) }]);
    expect(bad.pair.b.closed?.by).toBe('remote');
    expect(bad.pair.a.closed?.message).toMatch(/^malformed: /);
    expect(w.requester.load('DEVB')).toBeUndefined();
    const ref = await refOf(content, 0, content.length);
    expect(plain(await w.requester.fetchChunk(FOLDER, 'a.txt', ref, 0))).toEqual(content);
  });

  it('the server refuses a request for a file that changed (hash mismatch) with not-found', async () => {
    const w = world();
    const peer = w.addServer('DEVB');
    const before = text('version one of the file');
    const ref = await refOf(before, 0, before.length);
    await w.write(peer.volume, 'a.txt', text('version two of the file'));
    const error = await fetchError(w.requester.fetchChunk(FOLDER, 'a.txt', ref, 0));
    expect(error.attempts).toEqual([
      { peer: 'DEVB', failure: 'not-found', message: expect.stringContaining('changed') },
    ]);
  });

  it('the server takes the hash from the index while the file is at the stat the scan saw and it matches, and hashes otherwise', async () => {
    const w = world();
    let hashed = 0;
    const sha256 = (data: Uint8Array) => {
      hashed++;
      return webCryptoSha256(data);
    };
    const content = text('0123456789abcdef');
    const [first, second] = [await refOf(content, 0, 8), await refOf(content, 8, 8)];
    let observed = { size: 16, mtime: -1 };
    const peer = w.addServer('DEVB', {
      server: { sha256, indexed: async () => ({ observed, chunks: [first, second] }) },
    });
    await w.write(peer.volume, 'a.txt', content);
    observed = { size: 16, mtime: (await peer.volume.stat('a.txt'))!.mtime };
    expect(plain(await w.requester.fetchChunk(FOLDER, 'a.txt', second, 8))).toEqual(content.subarray(8));
    expect(hashed).toBe(0);
    // Asked for a chunk the index does not have there: the bytes decide (the index may be
    // behind a write that kept the stat), and they refuse it, read again from the file
    // opened anew (the one kept open may be an older version), so hashed twice.
    const error = await fetchError(w.requester.fetchChunk(FOLDER, 'a.txt', second, 0));
    expect([error.attempts[0]?.failure, hashed]).toEqual(['not-found', 2]);
    // The file changed on disk since the scan. A chunk of the new version is refused by the
    // version kept open (hashed), then found in the file opened anew (hashed); from then on
    // every chunk is hashed, the stat no longer being the scan's.
    w.clock.advance(1000);
    const edited = text('01234567ABCDEFGH');
    await w.write(peer.volume, 'a.txt', edited);
    const third = await refOf(edited, 8, 8);
    expect(plain(await w.requester.fetchChunk(FOLDER, 'a.txt', third, 8))).toEqual(edited.subarray(8));
    expect(hashed).toBe(4);
    expect(plain(await w.requester.fetchChunk(FOLDER, 'a.txt', first, 0))).toEqual(content.subarray(0, 8));
    expect(hashed).toBe(5);
  });

  it('the server answers not-found for a missing file and for a file now too short', async () => {
    const w = world();
    const peer = w.addServer('DEVB');
    const content = text('0123456789');
    const ref = await refOf(content, 0, 10);
    const missing = await fetchError(w.requester.fetchChunk(FOLDER, 'nope.txt', ref, 0));
    expect(missing.attempts[0]?.failure).toBe('not-found');
    await w.write(peer.volume, 'short.txt', content.subarray(0, 5));
    const short = await fetchError(w.requester.fetchChunk(FOLDER, 'short.txt', ref, 0));
    expect(short.attempts[0]?.failure).toBe('not-found');
  });

  it('the server answers unknown-folder for a folder it does not serve', async () => {
    const w = world();
    const peer = w.addServer('DEVB');
    const content = text('abc');
    await w.write(peer.volume, 'a.txt', content);
    const error = await fetchError(
      w.requester.fetchChunk(OTHER_FOLDER, 'a.txt', await refOf(content, 0, 3), 0),
    );
    expect(error.attempts).toEqual([
      { peer: 'DEVB', failure: 'unknown-folder', message: expect.any(String) },
    ]);
  });

  it('the server answers busy beyond its cap of reads per peer', async () => {
    const w = world({ maxInFlightPerPeer: 4 });
    const volume = new MemoryVolume({ clock: w.clock, marker: true });
    const content = noise(40, 5);
    await w.write(volume, 'f.bin', content);
    const gate = new GatedVolume(volume);
    w.addServer('DEVB', { volume, source: gate, server: { maxReadsPerPeer: 2 } });
    // Back to front, so each request is a read of its own (fileReads.ts).
    const offsets = [30, 20, 10, 0];
    const refs = await Promise.all(offsets.map((o) => refOf(content, o, 10)));
    const fetches = refs.map((ref, i) =>
      w.requester.fetchChunk(FOLDER, 'f.bin', ref, offsets[i]!).then(
        () => 'ok',
        (e: ChunkFetchError) => e.attempts[0]?.failure,
      ),
    );
    await until(() => gate.reading === 2 && w.requester.load('DEVB')?.inFlight === 2);
    gate.release();
    expect(await Promise.all(fetches)).toEqual(['ok', 'ok', 'busy', 'busy']);
  });

  it('an answer of the wrong length is refused and counted against its peer', async () => {
    const w = world();
    const pair = createMemoryPair({ maxMessageSize: LIMITS.messageBytes });
    w.requester.addPeer(new PeerChannel('LIAR', pair.a));
    const liar = new PeerChannel('DEVA', pair.b);
    liar.on('request', (r) => void liar.send({ kind: 'chunk', id: r.id, data: new Uint8Array(r.size - 1) }));
    const content = text('twelve bytes');
    const error = await fetchError(w.requester.fetchChunk(FOLDER, 'a.txt', await refOf(content, 0, 12), 0));
    expect(error.attempts).toEqual([
      { peer: 'LIAR', failure: 'wrong-size', message: 'answered 11 bytes for a 12-byte chunk' },
    ]);
    expect(w.requester.load('LIAR')).toMatchObject({ wrongSize: 1, served: 0 });
  });

  it('only the peers that announced a chunk are asked', async () => {
    const w = world({ peersFor: () => ['DEVC'] });
    w.addServer('DEVB');
    const c = w.addServer('DEVC');
    const content = text('announced');
    await w.write(c.volume, 'a.txt', content);
    await w.requester.fetchChunk(FOLDER, 'a.txt', await refOf(content, 0, content.length), 0);
    expect(w.requester.load('DEVB')?.served).toBe(0);
    const none = world();
    const error = await fetchError(none.requester.fetchChunk(FOLDER, 'a.txt', await refOf(content, 0, 3), 0));
    expect(error.attempts).toEqual([]);
    await settle();
  });

  it("when commitFile refuses a peer's bytes, its retry goes to another peer", async () => {
    const w = world();
    const pair = createMemoryPair({ maxMessageSize: LIMITS.messageBytes });
    w.requester.addPeer(new PeerChannel('LIAR', pair.a));
    const liar = new PeerChannel('DEVA', pair.b);
    liar.on('request', (r) => void liar.send({ kind: 'chunk', id: r.id, data: new Uint8Array(r.size) }));
    const good = w.addServer('DEVC');
    const content = noise(5_000, 4);
    await w.write(good.volume, 'a.bin', content);
    const { record } = await recordOf('a.bin', content);
    const local = new MemoryVolume({ clock: w.clock, marker: true });
    const result = await commitFile(
      { volume: local, fetchChunk: w.requester.fetcherFor(FOLDER, record) },
      { record, expect: 'absent' },
    );
    expect(result.status).toBe('committed');
    expect(w.requester.load('LIAR')?.served).toBe(1);
    expect(w.requester.load('DEVC')?.served).toBe(1);
  });

  it('end to end: commitFile assembles a file on one volume from a ChunkServer over another, byte for byte', async () => {
    const w = world();
    const b = w.addServer('DEVB');
    const c = w.addServer('DEVC', { volume: b.volume });
    const content = noise(700_000, 11);
    await w.write(b.volume, 'deep/dir/movie.bin', content);
    const { record } = await recordOf('deep/dir/movie.bin', content);
    expect(record.chunks.length).toBeGreaterThan(2);
    const local = new MemoryVolume({ clock: w.clock, marker: true });
    const result = await commitFile(
      { volume: local, fetchChunk: w.requester.fetcherFor(FOLDER, record) },
      { record, expect: 'absent' },
    );
    expect(result.status).toBe('committed');
    const source = await local.source(record.path);
    expect(await source.read(0, source.size)).toEqual(content);
    const served = (w.requester.load(b.id)?.served ?? 0) + (w.requester.load(c.id)?.served ?? 0);
    expect(served).toBe(record.chunks.length);
  });
});
