/** A DeltaFetcher and a DeltaServer joined by a memory pair, over a memory volume, on a manual clock. */
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { createMemoryPair, type MemoryPair } from '../../../src/adapters/transport/MemoryTransport.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import { decodeMessage } from '../../../src/core/protocol/codec.ts';
import { LIMITS, type Message } from '../../../src/core/protocol/messages.ts';
import { DeltaFetcher, type DeltaFetcherOptions } from '../../../src/core/transfer/deltaFetcher.ts';
import { DeltaServer, type DeltaServerOptions } from '../../../src/core/transfer/deltaServer.ts';
import { PeerChannel } from '../../../src/core/transfer/peerChannel.ts';
import type { Volume } from '../../../src/ports/Volume.ts';
import { recordOf, toIterable } from '../engine/commitFixture.ts';
import { FOLDER } from './transferFixture.ts';

export interface DeltaWorld {
  readonly clock: ManualClock;
  readonly fetcher: DeltaFetcher;
  readonly server: DeltaServer;
  /** What the server serves FOLDER from. */
  readonly volume: MemoryVolume;
  readonly pair: MemoryPair;
  /** The fetching device's channel to the server ("DEVB"). */
  readonly channel: PeerChannel;
  /** The server's channel back to the fetching device ("DEVA"). */
  readonly serverChannel: PeerChannel;
  /** Every message the server sent, decoded, in order. */
  readonly fromServer: Message[];
  /** Every message the fetcher sent, decoded, in order. */
  readonly fromFetcher: Message[];
  /** Writes `bytes` at `path` on the server's volume; returns the record a scan would make. */
  put(path: string, bytes: Uint8Array): Promise<FileRecord>;
}

export interface DeltaWorldOptions {
  readonly fetcher?: Partial<DeltaFetcherOptions>;
  readonly server?: Partial<DeltaServerOptions>;
  /** The server reads through this instead of its volume (a GatedVolume, say). */
  readonly source?: Pick<Volume, 'source'>;
  readonly delivery?: 'auto' | 'manual';
}

export function deltaWorld(options: DeltaWorldOptions = {}): DeltaWorld {
  const clock = new ManualClock();
  const volume = new MemoryVolume({ clock, marker: true });
  const source = options.source ?? volume;
  const server = new DeltaServer({
    clock,
    volumeFor: (folder) => (folder === FOLDER ? source : undefined),
    ...options.server,
  });
  const fetcher = new DeltaFetcher({ clock, ...options.fetcher });
  const pair = createMemoryPair({
    maxMessageSize: LIMITS.messageBytes,
    delivery: options.delivery ?? 'auto',
  });
  const fromServer: Message[] = [];
  const fromFetcher: Message[] = [];
  const channel = new PeerChannel('DEVB', pair.a);
  const serverChannel = new PeerChannel('DEVA', pair.b);
  pair.a.onMessage((bytes) => fromServer.push(decodeMessage(bytes)));
  pair.b.onMessage((bytes) => fromFetcher.push(decodeMessage(bytes)));
  server.serve(serverChannel);
  fetcher.addPeer(channel);
  return {
    clock,
    fetcher,
    server,
    volume,
    pair,
    channel,
    serverChannel,
    fromServer,
    fromFetcher,
    async put(path, bytes) {
      await volume.writeAtomically(path, toIterable([bytes]));
      return (await recordOf(path, bytes)).record;
    },
  };
}

/** What a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}
