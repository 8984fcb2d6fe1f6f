/** Requesters and servers joined by memory pairs, over memory volumes, on a manual clock. */
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { createMemoryPair, type MemoryPair } from '../../../src/adapters/transport/MemoryTransport.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { LIMITS } from '../../../src/core/protocol/messages.ts';
import { ChunkRequester, type ChunkRequesterOptions } from '../../../src/core/transfer/chunkRequester.ts';
import { ChunkServer, type ChunkServerOptions } from '../../../src/core/transfer/chunkServer.ts';
import { PeerChannel } from '../../../src/core/transfer/peerChannel.ts';
import type { FileSource, Volume } from '../../../src/ports/Volume.ts';
import { toIterable } from '../engine/commitFixture.ts';

export const FOLDER = '0123456789abcdef0123456789abcdef';
export const OTHER_FOLDER = 'fedcba9876543210fedcba9876543210';

/** Lets queued microtasks and promise chains run (memory links deliver on microtasks). */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Settles until `done()` holds, or fails after `rounds`. */
export async function until(done: () => boolean, rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (done()) return;
    await settle();
  }
  throw new Error('condition never held');
}

export interface ServingPeer {
  readonly id: string;
  readonly volume: MemoryVolume;
  readonly server: ChunkServer;
  readonly pair: MemoryPair;
  /** The requester's channel to this peer. */
  readonly channel: PeerChannel;
  /** This peer's channel back to the requesting device. */
  readonly serverChannel: PeerChannel;
}

export interface World {
  readonly clock: ManualClock;
  readonly requester: ChunkRequester;
  /** Adds a peer serving FOLDER from its own volume (or `volume`), connected to the requester. */
  addServer(
    id: string,
    options?: {
      volume?: MemoryVolume;
      source?: Pick<Volume, 'source'>;
      delivery?: 'auto' | 'manual';
      server?: Partial<ChunkServerOptions>;
    },
  ): ServingPeer;
  /** Writes `bytes` at `path` on `volume`. */
  write(volume: MemoryVolume, path: string, bytes: Uint8Array): Promise<void>;
}

export function world(options: Partial<ChunkRequesterOptions> = {}): World {
  const clock = new ManualClock();
  const requester = new ChunkRequester({ clock, ...options });
  return {
    clock,
    requester,
    addServer(id, o = {}) {
      const volume = o.volume ?? new MemoryVolume({ clock, marker: true });
      const source = o.source ?? volume;
      const server = new ChunkServer({
        volumeFor: (folder) => (folder === FOLDER ? source : undefined),
        ...o.server,
      });
      const pair = createMemoryPair({ maxMessageSize: LIMITS.messageBytes, delivery: o.delivery ?? 'auto' });
      const channel = new PeerChannel(id, pair.a);
      const serverChannel = new PeerChannel('DEVA', pair.b);
      server.serve(serverChannel);
      requester.addPeer(channel);
      return { id, volume, server, pair, channel, serverChannel };
    },
    async write(volume, path, bytes) {
      await volume.writeAtomically(path, toIterable([bytes]));
    },
  };
}

/**
 * A volume whose reads wait until the test releases them, and which counts the reads
 * under way: what the server has outstanding.
 */
export class GatedVolume implements Pick<Volume, 'source'> {
  reading = 0;
  maxReading = 0;
  reads = 0;
  readonly #held: (() => void)[] = [];
  constructor(readonly inner: Pick<Volume, 'source'>) {}

  async source(path: string): Promise<FileSource> {
    const source = await this.inner.source(path);
    return {
      size: source.size,
      mtime: source.mtime,
      read: async (offset, length) => {
        this.reads++;
        this.reading++;
        this.maxReading = Math.max(this.maxReading, this.reading);
        await new Promise<void>((resolve) => this.#held.push(resolve));
        this.reading--;
        return source.read(offset, length);
      },
    };
  }

  /** Lets every held read finish; returns how many. */
  release(): number {
    const held = this.#held.splice(0);
    held.forEach((resolve) => resolve());
    return held.length;
  }
}
