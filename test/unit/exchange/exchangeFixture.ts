/** Two devices with memory stores, joined by a memory pair, each running an IndexExchange. */
import { MemoryStore } from '../../../src/adapters/store/MemoryStore.ts';
import { createMemoryPair, type MemoryPair } from '../../../src/adapters/transport/MemoryTransport.ts';
import { IndexExchange, type SharedFolder } from '../../../src/core/exchange/index.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import { decodeMessage } from '../../../src/core/protocol/codec.ts';
import { LIMITS, type IndexBatch, type MessageKind } from '../../../src/core/protocol/messages.ts';
import { PeerChannel } from '../../../src/core/transfer/peerChannel.ts';
import type { LocalChange } from '../../../src/ports/Store.ts';
import type { Transport } from '../../../src/ports/Transport.ts';

export { FOLDER, OTHER_FOLDER, settle, until } from '../transfer/transferFixture.ts';

/** One device: its ID, its store, and a deterministic source of index IDs. */
export interface Device {
  readonly id: string;
  store: MemoryStore;
  readonly newIndexId: () => string;
}

export function device(id: string, prefix: string): Device {
  let next = 0;
  return {
    id,
    store: new MemoryStore(),
    newIndexId: () => prefix + (next++).toString(16).padStart(16 - prefix.length, '0'),
  };
}

/** What one side of a connection saw. */
export interface Side {
  readonly exchange: IndexExchange;
  readonly channel: PeerChannel;
  /** Index batches this side received, in order. */
  readonly batches: IndexBatch[];
  readonly upToDate: string[];
  readonly remote: { folder: string; records: readonly FileRecord[] }[];
  /** What this side sent, per message kind: how many messages and their bytes on the wire. */
  readonly sent: Map<MessageKind, { messages: number; bytes: number }>;
}

/** Messages and bytes of `kinds` that `side` sent. */
export function sentOf(side: Side, ...kinds: MessageKind[]): { messages: number; bytes: number } {
  const tally = { messages: 0, bytes: 0 };
  for (const kind of kinds) {
    tally.messages += side.sent.get(kind)?.messages ?? 0;
    tally.bytes += side.sent.get(kind)?.bytes ?? 0;
  }
  return tally;
}

/** The reconciliation's own messages: coded symbols, requests for more, wants. */
export const RECONCILE_KINDS: readonly MessageKind[] = ['reconcile', 'more', 'want'];

/** `transport`, tallying what is sent through it by message kind. */
function tallied(transport: Transport, sent: Side['sent']): Transport {
  return {
    get maxMessageSize() {
      return transport.maxMessageSize;
    },
    get closed() {
      return transport.closed;
    },
    send(message) {
      const { kind } = decodeMessage(message);
      const tally = sent.get(kind) ?? { messages: 0, bytes: 0 };
      sent.set(kind, { messages: tally.messages + 1, bytes: tally.bytes + message.length });
      return transport.send(message);
    },
    onMessage: (listener) => transport.onMessage(listener),
    onClose: (listener) => transport.onClose(listener),
    close: (message) => transport.close(message),
  };
}

export interface Connection {
  readonly pair: MemoryPair;
  readonly a: Side;
  readonly b: Side;
}

function side(
  self: Device,
  peer: Device,
  transport: MemoryPair['a'],
  folders: readonly SharedFolder[],
): Side {
  const sent: Side['sent'] = new Map();
  const channel = new PeerChannel(peer.id, tallied(transport, sent));
  const batches: IndexBatch[] = [];
  const upToDate: string[] = [];
  const remote: Side['remote'][number][] = [];
  channel.on('index', (batch) => batches.push(batch));
  const exchange = new IndexExchange({
    device: self.id,
    name: `device ${self.id}`,
    store: self.store,
    channel,
    folders: () => folders,
    newIndexId: self.newIndexId,
    onRemoteRecords: (folder, records) => remote.push({ folder, records }),
    onUpToDate: (folder) => upToDate.push(folder),
  });
  return { exchange, channel, batches, upToDate, remote, sent };
}

/** Connects `a` and `b`, sharing `aFolders` from a's side and `bFolders` from b's, and starts both. */
export async function connect(
  a: Device,
  b: Device,
  aFolders: readonly SharedFolder[],
  bFolders: readonly SharedFolder[] = aFolders,
): Promise<Connection> {
  const pair = createMemoryPair({ maxMessageSize: LIMITS.messageBytes });
  const sideA = side(a, b, pair.a, aFolders);
  const sideB = side(b, a, pair.b, bFolders);
  await Promise.all([sideA.exchange.start(), sideB.exchange.start()]);
  return { pair, a: sideA, b: sideB };
}

/** A local change of `path` by device `by`, at `counter`. */
export function change(path: string, by: string, counter = 1): LocalChange {
  return {
    path,
    size: path.length,
    mtime: 1_700_000_000_000 + counter,
    hash: new Uint8Array(32).fill(counter & 0xff),
    chunks: [{ hash: new Uint8Array(32).fill(counter & 0xff), size: path.length }],
    version: { [by]: counter },
    deleted: false,
    modifiedBy: by,
  };
}

/** Records `count` files `prefix0…` in `folder` on `dev`, in one transaction. */
export async function addFiles(dev: Device, folder: string, prefix: string, count: number, counter = 1) {
  const changes = Array.from({ length: count }, (_, i) => change(`${prefix}${i}`, dev.id, counter));
  return dev.store.putLocal(folder, changes);
}

/** Every record `dev` holds from `peer` in `folder`, in path order. */
export async function remoteOf(dev: Device, folder: string, peer: Device): Promise<FileRecord[]> {
  const records: FileRecord[] = [];
  for await (const record of dev.store.remoteRecords(folder, peer.id)) records.push(record);
  return records;
}

/** How many records a list of batches carried. */
export const recordCount = (batches: readonly IndexBatch[], folder?: string) =>
  batches
    .filter((b) => folder === undefined || b.folder === folder)
    .reduce((n, b) => n + b.records.length, 0);
