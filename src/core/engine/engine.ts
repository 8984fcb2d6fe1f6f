/**
 * The sync engine of one device (DESIGN.md, "Sync"): its shared folders, each a
 * `FolderSync` loop (scan → plan → transfer → commit), and its peer connections, each a
 * `PeerChannel` running the index exchange, a chunk server and the chunk requester.
 *
 * The engine makes no connections: the net layer (or the simulation) hands it a Transport
 * per authenticated peer with `connect`, and reconnects when one closes. Facts come in as
 * events — a peer's records stored, a peer connected, the volume changed — and only mark
 * folders for work; each folder's loop decides what to do (STYLE practice 7).
 *
 * Invariants:
 *
 * 1. At most one connection per peer: a new one replaces the old.
 * 2. A peer is served and asked only about folders shared with it, both ways: the hello
 *    lists the folders shared with that peer, the chunk server answers only for those, and
 *    chunks of a folder are requested only from peers it is shared with.
 * 3. A connection whose peer claims another device ID in its hello is closed.
 * 4. The set of folders shared with a peer is read at hello: a change to it closes that
 *    peer's connection, and the next one says hello with the new set.
 * 5. No time, randomness or I/O but through the injected ports (Clock, Store, Volume,
 *    Transport, `hashFile`, `newIndexId`), so a simulation replays from a seed.
 */
import type { Sha256 } from '../content/hash.ts';
import { shortDeviceId } from '../model/device.ts';
import type { DeviceShortId } from '../model/fileRecord.ts';
import { IndexExchange, type SharedFolder } from '../exchange/indexExchange.ts';
import { ChunkRequester } from '../transfer/chunkRequester.ts';
import { ChunkServer } from '../transfer/chunkServer.ts';
import { DeltaFetcher } from '../transfer/deltaFetcher.ts';
import { DeltaServer } from '../transfer/deltaServer.ts';
import { PeerChannel } from '../transfer/peerChannel.ts';
import type { Clock } from '../../ports/Clock.ts';
import type { DeviceId, FolderId, IndexId, Store } from '../../ports/Store.ts';
import type { Transport, Unsubscribe } from '../../ports/Transport.ts';
import type { EngineEvent, FolderState } from './events.ts';
import { gatherExplanation, PathNotes, type Explanation } from './explain.ts';
import { FolderSync, type FolderConfig, type FolderTiming } from './folderSync.ts';
import type { HashFile } from './scan.ts';

export type { FolderConfig, FolderTiming } from './folderSync.ts';

export interface EngineOptions {
  /** This device's full ID (base32), as hello gives it. */
  readonly device: DeviceId;
  /** The name peers show for this device. */
  readonly name: string;
  readonly store: Store;
  readonly clock: Clock;
  /** Chunks and hashes a file (the worker pool in the browser). */
  readonly hashFile: HashFile;
  /** A fresh index ID, 16 lowercase hex digits. */
  readonly newIndexId: () => IndexId;
  /** For verifying chunks. Default: WebCrypto. */
  readonly sha256?: Sha256;
  readonly timing?: Partial<FolderTiming>;
  /** How long a chunk request may go unanswered. Default 30 s. */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_TIMING: FolderTiming = {
  scanDelayMs: 1000,
  planDelayMs: 250,
  rescanIntervalMs: 60_000,
  pausedCheckMs: 10_000,
  retryMs: 2000,
  maxRetries: 6,
  // Small files are bound by per-file latency (IndexedDB, OPFS, a request round trip), not
  // by either thread: 2,000 files synced at 43 files/s with 4 at once, 60 with 16, 66 with
  // 32 (then a main-thread task passed 100 ms). Bench figures, one run each, same machine.
  concurrency: 16,
};

interface Connection {
  readonly channel: PeerChannel;
  readonly exchange: IndexExchange;
  readonly stop: Unsubscribe;
  /** Notify runs under way, by `peer folder`; `again` asks for one more after. */
  readonly notifying: Map<string, { again: boolean }>;
}

export class SyncEngine {
  readonly device: DeviceId;
  readonly shortId: DeviceShortId;
  readonly #o: EngineOptions;
  readonly #timing: FolderTiming;
  readonly #folders = new Map<FolderId, { readonly config: FolderConfig; readonly sync: FolderSync }>();
  readonly #connections = new Map<DeviceId, Connection>();
  /** What each connected peer's hello offered that we did not share with it then. */
  readonly #offers = new Map<DeviceId, SharedFolder[]>();
  readonly #listeners = new Set<(event: EngineEvent) => void>();
  readonly #requester: ChunkRequester;
  readonly #server: ChunkServer;
  readonly #deltas: DeltaFetcher;
  readonly #deltaServer: DeltaServer;
  /** What events said of each path lately, for `explain`. */
  readonly #notes = new PathNotes();
  #closed = false;

  constructor(options: EngineOptions) {
    this.#o = options;
    this.device = options.device;
    this.shortId = shortDeviceId(options.device);
    this.#timing = { ...DEFAULT_TIMING, ...options.timing };
    this.#requester = new ChunkRequester({
      clock: options.clock,
      timeoutMs: options.requestTimeoutMs,
      peersFor: (folder) => this.#folders.get(folder)?.config.devices ?? [],
    });
    const volumeFor = (folder: FolderId, peer: DeviceId) => {
      const entry = this.#folders.get(folder);
      if (!entry?.config.devices.includes(peer) || entry.sync.state.kind === 'paused') return undefined;
      return entry.config.volume;
    };
    const indexed = async (folder: FolderId, path: string) => {
      const record = await options.store.getLocal(folder, path);
      return record?.observed && !record.deleted
        ? { observed: record.observed, chunks: record.chunks }
        : undefined;
    };
    this.#server = new ChunkServer({ sha256: options.sha256, volumeFor, indexed });
    this.#deltaServer = new DeltaServer({ clock: options.clock, sha256: options.sha256, volumeFor });
    this.#deltas = new DeltaFetcher({
      clock: options.clock,
      sha256: options.sha256,
      timeoutMs: options.requestTimeoutMs,
      peersFor: (folder) => this.#folders.get(folder)?.config.devices ?? [],
    });
  }

  /** Subscribes to the engine's events. */
  on(listener: (event: EngineEvent) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** True when no folder has work under way or due (checks for news aside). */
  get idle(): boolean {
    return [...this.#folders.values()].every(({ sync }) => !sync.busy);
  }

  /** The folders shared, and how each stands. */
  folders(): { readonly config: FolderConfig; readonly state: FolderState }[] {
    return [...this.#folders.values()].map(({ config, sync }) => ({ config, state: sync.state }));
  }

  /** The peers connected now. */
  peers(): DeviceId[] {
    return [...this.#connections.keys()];
  }

  /** Starts syncing a folder (its marker must be in place: `Volume.placeMarker`). */
  addFolder(config: FolderConfig): void {
    if (this.#closed) throw new Error('the engine is closed');
    if (this.#folders.has(config.id)) throw new Error(`folder ${config.id} is already shared`);
    const sync = new FolderSync({
      config,
      store: this.#o.store,
      clock: this.#o.clock,
      device: this.shortId,
      hashFile: this.#o.hashFile,
      sha256: this.#o.sha256,
      timing: this.#timing,
      fetcherFor: (folder, record, served) => this.#requester.fetcherFor(folder, record, served),
      fetchDelta: async (folder, record, base, maxDelta, served) => {
        const result = await this.#deltas.fetch({ folder, record, base, maxDelta });
        served?.(result.peer, result.bytesReceived);
        return result.bytes;
      },
      emit: (event) => this.#emit(event),
      notifyPeers: (folder) => this.#notifyPeers(folder),
    });
    this.#folders.set(config.id, { config, sync });
    sync.start();
    // An offer this accepts is no longer pending.
    for (const [peer, offered] of this.#offers)
      if (offered.some((f) => f.id === config.id)) this.#emitOffers(peer);
    this.#rehello(config.devices, `folder ${config.label} is now shared`);
  }

  /** Stops syncing a folder; its files and index stay as they are. */
  async removeFolder(id: FolderId): Promise<void> {
    const entry = this.#folders.get(id);
    if (!entry) return;
    this.#folders.delete(id);
    this.#rehello(entry.config.devices, `folder ${entry.config.label} is no longer shared`);
    await entry.sync.stop();
  }

  /** Why `path` of a shared folder is or is not in sync: facts for the UI to word (explain.ts). */
  async explain(folder: FolderId, path: string): Promise<Explanation> {
    const entry = this.#folders.get(folder);
    if (!entry) throw new Error(`folder ${folder} is not shared`);
    const { config, sync } = entry;
    const connected = new Set(this.#connections.keys());
    const deps = { store: this.#o.store, volume: config.volume, folder, connected, notes: this.#notes };
    return gatherExplanation({ ...deps, devices: config.devices, state: sync.state }, path);
  }

  /** Scans a folder now (the UI's "rescan", or a change the app learnt of). */
  rescan(id: FolderId): void {
    this.#folders.get(id)?.sync.requestScan(0);
  }

  /**
   * Takes a connection to `peer` (already authenticated by the net layer) and syncs over
   * it until it closes. Replaces any connection to the same peer (invariant 1).
   */
  connect(peer: DeviceId, transport: Transport): void {
    if (this.#closed) {
      transport.close('the device is shutting down');
      return;
    }
    this.#connections.get(peer)?.channel.close('replaced by a new connection');
    const channel = new PeerChannel(peer, transport);
    const caughtUp = new Set<FolderId>();
    const planShared = () =>
      this.#sharedWith(peer).forEach((f) => this.#folders.get(f.id)?.sync.requestPlan());
    const exchange = new IndexExchange({
      device: this.device,
      name: this.#o.name,
      store: this.#o.store,
      channel,
      folders: () => this.#sharedWith(peer),
      newIndexId: this.#o.newIndexId,
      sha256: this.#o.sha256,
      onRemoteRecords: (folder, records) => void this.#folders.get(folder)?.sync.remoteArrived(records),
      onOffered: (folders) => {
        this.#offers.set(peer, [...folders]);
        this.#emitOffers(peer);
      },
      // The first time, the peer's whole index is here: plan at once. Later `last` batches
      // end live updates, whose records asked for a plan already where they were news.
      onUpToDate: (folder) => {
        if (caughtUp.has(folder)) return;
        caughtUp.add(folder);
        this.#folders.get(folder)?.sync.requestPlan(true);
      },
    });
    const stops = [
      this.#requester.addPeer(channel),
      this.#server.serve(channel),
      this.#deltas.addPeer(channel),
      this.#deltaServer.serve(channel),
      channel.on('hello', (hello) => {
        if (hello.device !== peer) channel.fail('malformed', `hello from ${hello.device}, expected ${peer}`);
      }),
      channel.on('error', (error) => {
        if (error.id === 0)
          this.#emit({ type: 'error', message: `peer ${peer}: ${error.code}: ${error.message}` });
      }),
    ];
    const connection: Connection = {
      channel,
      exchange,
      stop: () => stops.forEach((stop) => stop()),
      notifying: new Map(),
    };
    this.#connections.set(peer, connection);
    channel.onClose((reason) => {
      connection.stop();
      if (this.#connections.get(peer) !== connection) return;
      this.#connections.delete(peer);
      this.#emit({ type: 'peer', peer, connected: false, reason: reason.message });
      if (this.#offers.delete(peer)) this.#emit({ type: 'folders-offered', peer, folders: [] });
    });
    if (channel.closed) return;
    this.#emit({ type: 'peer', peer, connected: true });
    exchange.start().catch(() => undefined); // a failed hello closes the channel
    planShared(); // fetches that waited for a peer may go ahead now
  }

  /** Folders connected peers offer that this device does not share yet, per peer. */
  offers(): { readonly peer: DeviceId; readonly folders: readonly SharedFolder[] }[] {
    return [...this.#offers.keys()].map((peer) => ({ peer, folders: this.#pending(peer) }));
  }

  /**
   * Shares a folder with another set of devices: the folder's loop restarts with them,
   * its files and index as they are, and the devices it gained or lost hear a new hello.
   */
  async shareFolder(id: FolderId, devices: readonly DeviceId[]): Promise<void> {
    const entry = this.#folders.get(id);
    if (!entry) throw new Error(`folder ${id} is not shared`);
    await this.removeFolder(id);
    this.addFolder({ ...entry.config, devices: [...devices] });
  }

  #pending(peer: DeviceId): SharedFolder[] {
    return (this.#offers.get(peer) ?? []).filter((f) => !this.#folders.has(f.id));
  }

  #emitOffers(peer: DeviceId): void {
    this.#emit({ type: 'folders-offered', peer, folders: this.#pending(peer) });
  }

  /** Closes the connection to `peer`, if any. */
  disconnect(peer: DeviceId, reason = 'disconnected'): void {
    this.#connections.get(peer)?.channel.close(reason);
  }

  /** Closes every connection and stops every folder. The engine is dead after. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const { channel } of this.#connections.values()) channel.close('the device is shutting down');
    await Promise.all([...this.#folders.values()].map(({ sync }) => sync.stop()));
  }

  #sharedWith(peer: DeviceId): { id: FolderId; label: string }[] {
    return [...this.#folders.values()]
      .filter(({ config }) => config.devices.includes(peer))
      .map(({ config }) => ({ id: config.id, label: config.label }));
  }

  /**
   * Sends each connected peer of `folder` what it was not sent yet. One run per peer and
   * folder at a time: calls during a run make one more run after it, not one each.
   */
  #notifyPeers(folder: FolderId): void {
    const devices = this.#folders.get(folder)?.config.devices ?? [];
    for (const [peer, connection] of this.#connections) {
      if (!devices.includes(peer)) continue;
      const key = `${peer} ${folder}`;
      const state = connection.notifying.get(key);
      if (state) {
        state.again = true;
        continue;
      }
      const run = { again: false };
      connection.notifying.set(key, run);
      const send = (): Promise<void> =>
        connection.exchange
          .notifyLocalChanges(folder)
          .catch(() => undefined)
          .then(() => {
            if (!run.again) return void connection.notifying.delete(key);
            run.again = false;
            return send();
          });
      void send();
    }
  }

  /** Invariant 4: peers of a changed folder say hello again. */
  #rehello(devices: readonly DeviceId[], reason: string): void {
    for (const peer of devices) this.#connections.get(peer)?.channel.close(reason);
  }

  #emit(event: EngineEvent): void {
    this.#notes.note(event);
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not stop the engine.
      }
    }
  }
}
