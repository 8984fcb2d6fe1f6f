import { describe, expect, it } from 'vitest';
import { createMemoryPair } from '../../../src/adapters/transport/MemoryTransport.ts';
import { webCryptoSha256 } from '../../../src/core/content/hash.ts';
import { IndexExchange } from '../../../src/core/exchange/index.ts';
import { recordKeys } from '../../../src/core/exchange/recordKey.ts';
import { FIRST_SYMBOLS } from '../../../src/core/exchange/reconcileSession.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import { LIMITS, type Message } from '../../../src/core/protocol/messages.ts';
import { encodeSymbols, RatelessEncoder } from '../../../src/core/reconcile/index.ts';
import { PeerChannel } from '../../../src/core/transfer/peerChannel.ts';
import { FOLDER, change, device, remoteOf, until } from './exchangeFixture.ts';

const shared = [{ id: FOLDER, label: 'Photos' }];
const PEER_INDEX = 'bbbbbbbbbbbbbbbb';

/** A record of the raw peer's index. */
const record = (path: string, sequence: number, by = 'DEVC'): FileRecord => ({
  ...change(path, by),
  sequence,
});

/** Three files device A holds, recorded as the raw peer would hold the same ones. */
const aFiles = ['f0', 'f1', 'f2'];

/**
 * Device A's exchange, holding `aFiles`, facing a raw channel the test speaks through as
 * `rawDevice`: DEVB sorts after DEVA (A decodes, the raw peer streams), DEV2 before it.
 */
async function rawPeer(rawDevice: 'DEVB' | 'DEV2') {
  const a = device('DEVA', 'a');
  await a.store.putLocal(
    FOLDER,
    aFiles.map((p) => change(p, 'DEVC')),
  );
  const pair = createMemoryPair({ maxMessageSize: LIMITS.messageBytes });
  const upToDate: string[] = [];
  const exchange = new IndexExchange({
    device: a.id,
    name: 'A',
    store: a.store,
    channel: new PeerChannel(rawDevice, pair.a),
    folders: () => shared,
    newIndexId: a.newIndexId,
    onUpToDate: (folder) => upToDate.push(folder),
  });
  const raw = new PeerChannel('DEVA', pair.b);
  const got: Message[] = [];
  for (const kind of ['error', 'reconcile', 'more', 'want', 'index'] as const)
    raw.on(kind, (m) => got.push(m));
  await exchange.start();
  const closed = async (code = 'malformed') => {
    await until(() => pair.a.closed !== undefined && got.some((m) => m.kind === 'error'));
    const error = got.find((m) => m.kind === 'error');
    expect(error).toMatchObject({ code });
    return error as Extract<Message, { kind: 'error' }>;
  };
  const nothingStored = async () => {
    expect(await a.store.getPeerState(FOLDER, rawDevice)).toBeUndefined();
    expect(await remoteOf(a, FOLDER, device(rawDevice, 'x'))).toEqual([]);
  };
  const hello = (maxSequence: number) =>
    raw.send({
      kind: 'hello',
      protocol: 1,
      device: rawDevice,
      name: 'raw',
      folders: [
        {
          id: FOLDER,
          label: 'Photos',
          indexId: PEER_INDEX,
          maxSequence,
          receivedSequence: 0,
          receivedIndexId: '',
        },
      ],
    });
  const of = <K extends Message['kind']>(kind: K) =>
    got.filter((m): m is Extract<Message, { kind: K }> => m.kind === kind);
  return { a, pair, raw, got, upToDate, closed, nothingStored, hello, of };
}

/** An encoder over the keys of `records`, as a streaming peer holds it. */
async function encoderOf(records: readonly FileRecord[]): Promise<RatelessEncoder> {
  return new RatelessEncoder(await recordKeys(records, webCryptoSha256));
}

describe('IndexExchange refusing reconciliation input', () => {
  it('refuses reconcile messages for a folder exchanged by delta, storing nothing', async () => {
    const p = await rawPeer('DEVB');
    await p.hello(0); // an empty peer: a plain run, no reconciliation
    await p.raw.send({ kind: 'reconcile', folder: FOLDER, symbols: encodeSymbols([], 0) });
    const error = await p.closed();
    expect(error.message).toContain('not reconciling');
    await p.nothingStored();
  });

  it('refuses reconcile messages before hello', async () => {
    const p = await rawPeer('DEVB');
    await p.raw.send({ kind: 'more', folder: FOLDER, upTo: 64 });
    expect((await p.closed()).message).toContain('not reconciling');
    await p.nothingStored();
  });

  it('refuses symbols that are not a batch of coded symbols', async () => {
    const p = await rawPeer('DEVB');
    await p.hello(10);
    await p.raw.send({ kind: 'reconcile', folder: FOLDER, symbols: new Uint8Array([1, 0, 5, 9, 9]) });
    expect((await p.closed()).message).toContain('invalid coded-symbol batch');
    await p.nothingStored();
  });

  it('refuses symbols out of order, past what was asked, or counting more records than announced', async () => {
    const records = [record('f0', 1), record('x', 2)];
    const cases: [string, (e: RatelessEncoder) => Uint8Array][] = [
      ['where 0 was due', (e) => encodeSymbols(e.nextSymbols(40).slice(5, 10), 5)],
      ['more coded symbols than were asked for', (e) => encodeSymbols(e.nextSymbols(FIRST_SYMBOLS + 1), 0)],
    ];
    for (const [message, symbols] of cases) {
      const p = await rawPeer('DEVB');
      await p.hello(10);
      await p.raw.send({ kind: 'reconcile', folder: FOLDER, symbols: symbols(await encoderOf(records)) });
      expect((await p.closed()).message).toContain(message);
      await p.nothingStored();
    }
    const p = await rawPeer('DEVB');
    await p.hello(1); // two records, but a maxSequence of 1
    const symbols = encodeSymbols((await encoderOf(records)).nextSymbols(8), 0);
    await p.raw.send({ kind: 'reconcile', folder: FOLDER, symbols });
    expect((await p.closed()).message).toContain('past the announced sequence');
  });

  it('refuses a want or a request for symbols sent to the decoding side', async () => {
    for (const message of [
      { kind: 'want', folder: FOLDER, keys: new Uint8Array(16), last: true, all: false },
      { kind: 'more', folder: FOLDER, upTo: 64 },
    ] as const) {
      const p = await rawPeer('DEVB');
      await p.hello(10);
      await p.raw.send(message);
      expect((await p.closed()).message).toContain('decoding side');
      await p.nothingStored();
    }
  });

  it('refuses an index run before the reconciliation finished, storing nothing', async () => {
    const p = await rawPeer('DEVB');
    await p.hello(10);
    await p.raw.send({
      kind: 'index',
      folder: FOLDER,
      indexId: PEER_INDEX,
      records: [record('x', 1)],
      last: true,
    });
    expect((await p.closed()).message).toContain('before the reconciliation finished');
    await p.nothingStored();
  });

  it('refuses a record it did not want, storing nothing, after a reconciliation that went well', async () => {
    const p = await rawPeer('DEVB');
    const ours = [record('f0', 1), record('f1', 2), record('wanted', 3)];
    await p.hello(3);
    const encoder = await encoderOf(ours);
    await p.raw.send({
      kind: 'reconcile',
      folder: FOLDER,
      symbols: encodeSymbols(encoder.nextSymbols(32), 0),
    });
    await until(() => p.of('want').length > 0 && p.of('index').length > 0);
    const [want] = p.of('want');
    expect(want).toMatchObject({ last: true, all: false });
    expect(want!.keys).toEqual((await recordKeys([ours[2]!], webCryptoSha256))[0]);
    // A pushes the one file we lack, f2.
    expect(p.of('index').flatMap((b) => b.records.map((r) => r.path))).toEqual(['f2']);

    await p.raw.send({
      kind: 'index',
      folder: FOLDER,
      indexId: PEER_INDEX,
      records: [record('f1', 2)],
      last: true,
    });
    expect((await p.closed()).message).toContain('f1: a record that was not wanted');
    await p.nothingStored();
  });

  it('falls back to full runs both ways when the symbols never decode', async () => {
    const p = await rawPeer('DEVB');
    await p.hello(5);
    let position = 0;
    const garbage = (upTo: number) => {
      const symbols = Array.from({ length: upTo - position }, (_, i) => ({
        sum: new Uint8Array(16).fill((position + i) % 251),
        checksum: new Uint8Array(8).fill(7),
        count: position + i === 0 ? 5 : 2,
      }));
      const bytes = encodeSymbols(symbols, position);
      position = upTo;
      return p.raw.send({ kind: 'reconcile', folder: FOLDER, symbols: bytes });
    };
    p.raw.on('more', (m) => void garbage(m.upTo));
    await garbage(FIRST_SYMBOLS);
    await until(() => p.of('want').length > 0, 2000);
    expect(p.of('want')[0]).toMatchObject({ all: true, last: true, keys: new Uint8Array(0) });
    // Past 3 × (3 + 5) + 1,024 symbols, A gives up and sends everything.
    expect(position).toBe(3 * (3 + 5) + 1024);
    await until(() => p.of('index').some((b) => b.last));
    expect(p.of('index').flatMap((b) => b.records.map((r) => r.path))).toEqual(aFiles);

    // The peer's full run is taken whole, as in delta mode.
    const theirs = [record('f0', 1), record('g', 2), record('h', 5)];
    await p.raw.send({ kind: 'index', folder: FOLDER, indexId: PEER_INDEX, records: theirs, last: true });
    await until(() => p.upToDate.length > 0);
    expect((await remoteOf(p.a, FOLDER, device('DEVB', 'x'))).map((r) => r.path)).toEqual(['f0', 'g', 'h']);
    expect(await p.a.store.getPeerState(FOLDER, 'DEVB')).toEqual({ indexId: PEER_INDEX, sequence: 5 });
    expect(p.pair.a.closed).toBeUndefined();
  });
});

describe('IndexExchange refusing reconciliation input as the streaming side', () => {
  it('sends symbols at once, then refuses a request for symbols that does not ask for more', async () => {
    const p = await rawPeer('DEV2');
    await p.hello(10);
    await until(() => p.of('reconcile').length > 0);
    await p.raw.send({ kind: 'more', folder: FOLDER, upTo: FIRST_SYMBOLS });
    expect((await p.closed()).message).toContain('not more');
    await p.nothingStored();
  });

  it('refuses a request for symbols past its bound', async () => {
    const p = await rawPeer('DEV2');
    await p.hello(10);
    await p.raw.send({ kind: 'more', folder: FOLDER, upTo: 3 * (3 + 10) + 1024 + 1 });
    expect((await p.closed()).message).toContain('past 1063');
  });

  it('refuses coded symbols sent to it', async () => {
    const p = await rawPeer('DEV2');
    await p.hello(10);
    const symbols = encodeSymbols((await encoderOf([record('x', 1)])).nextSymbols(4), 0);
    await p.raw.send({ kind: 'reconcile', folder: FOLDER, symbols });
    expect((await p.closed()).message).toContain('streaming side');
  });

  it('refuses a want of more keys than it has records', async () => {
    const p = await rawPeer('DEV2');
    await p.hello(10);
    await p.raw.send({ kind: 'want', folder: FOLDER, keys: new Uint8Array(16 * 4), last: false, all: false });
    expect((await p.closed()).message).toContain('more keys than we have records');
  });

  it('answers a want of unknown keys with an empty run', async () => {
    const p = await rawPeer('DEV2');
    await p.hello(10);
    await p.raw.send({
      kind: 'want',
      folder: FOLDER,
      keys: new Uint8Array(16).fill(3),
      last: true,
      all: false,
    });
    await until(() => p.of('index').length > 0);
    expect(p.of('index')).toEqual([expect.objectContaining({ records: [], last: true })]);
  });

  it('refuses an index run before the last want, and a record it holds itself after it', async () => {
    const early = await rawPeer('DEV2');
    await early.hello(10);
    await early.raw.send({ kind: 'want', folder: FOLDER, keys: new Uint8Array(0), last: false, all: false });
    await early.raw.send({
      kind: 'index',
      folder: FOLDER,
      indexId: PEER_INDEX,
      records: [record('x', 1)],
      last: true,
    });
    expect((await early.closed()).message).toContain('before the reconciliation finished');
    await early.nothingStored();

    const p = await rawPeer('DEV2');
    await p.hello(10);
    await p.raw.send({ kind: 'want', folder: FOLDER, keys: new Uint8Array(0), last: true, all: false });
    const records = [record('new', 1), record('f1', 2)];
    await p.raw.send({ kind: 'index', folder: FOLDER, indexId: PEER_INDEX, records, last: true });
    expect((await p.closed()).message).toContain('f1: a record we hold ourselves');
    await p.nothingStored();
  });
});
