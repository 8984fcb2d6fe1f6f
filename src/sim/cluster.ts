/**
 * A cluster of simulated devices: each a real SyncEngine on memory adapters (volume per
 * folder, store, transports), all on one virtual clock, with faults on demand. Everything
 * is deterministic from the seed: message order, IDs and timing come from the seeded
 * Random and the ManualClock, and hashing runs synchronously (node:crypto), so nothing
 * depends on the host's scheduling. The surface is documented in src/sim/README.md.
 */
import { createHash } from 'node:crypto';
import { ManualClock } from '../adapters/clock/ManualClock.ts';
import { SeededRandom } from '../adapters/random/SeededRandom.ts';
import { MemoryStore, MemoryStoreBacking } from '../adapters/store/MemoryStore.ts';
import { FailingVolume, type VolumeFault } from '../adapters/volume/FailingVolume.ts';
import { MemoryVolume } from '../adapters/volume/MemoryVolume.ts';
import { digestSource } from '../core/content/chunk.ts';
import { loadXXHash128 } from '../core/content/rsync/xxhash.ts';
import type { Sha256 } from '../core/content/hash.ts';
import { SyncEngine, type FolderTiming } from '../core/engine/engine.ts';
import type { EngineEvent } from '../core/engine/events.ts';
import { deviceIdFromDigest } from '../core/model/device.ts';
import { newFolderId, newIndexId } from '../core/model/ids.ts';
import type { FileRecord } from '../core/model/fileRecord.ts';
import type { FolderId, LocalRecord } from '../ports/Store.ts';
import { NotFoundError, type Volume } from '../ports/Volume.ts';
import { Fence, fencedClock, fencedVolume } from './fence.ts';
import { SimNetwork, type TrafficStats } from './network.ts';

export interface ClusterOptions {
  /** Device names; each gets a device ID derived from its name. */
  readonly devices: readonly string[];
  readonly seed: number;
  /** Engine timing (virtual ms). Defaults suit the simulation: short delays. */
  readonly timing?: Partial<FolderTiming>;
  /** Virtual ms before a broken connection is re-made. Default 2000. */
  readonly reconnectMs?: number;
}

export interface SettleOptions {
  /** Messages and timer firings before giving up. Default 2,000,000. */
  readonly maxSteps?: number;
  /** Virtual time before giving up. Default 6 hours. */
  readonly maxVirtualMs?: number;
}

/** A store that counts reads of a folder's whole index (a planning round's cost). */
class CountingStore extends MemoryStore {
  wholeIndexReads = 0;
  override localSince(folder: FolderId, after: number, upTo?: number): AsyncGenerator<LocalRecord> {
    if (after === 0) this.wholeIndexReads++;
    return super.localSince(folder, after, upTo);
  }
}

/** Synchronous SHA-256: the simulation's hashing must not wait on a thread pool. */
export const syncSha256: Sha256 = (data) =>
  Promise.resolve(new Uint8Array(createHash('sha256').update(data).digest()));

const SIM_TIMING: Partial<FolderTiming> = { scanDelayMs: 200, retryMs: 1000, pausedCheckMs: 5000 };

interface Device {
  readonly name: string;
  readonly id: string;
  readonly backing: MemoryStoreBacking;
  /** Folder label → the folder's files on this device; they outlive crashes. */
  readonly volumes: Map<string, MemoryVolume>;
  /** Folder label → the engine's view of that volume, with faults on demand (`failVolume`). */
  readonly faulty: Map<string, FailingVolume>;
  run: { engine: SyncEngine; store: CountingStore; fence: Fence } | undefined;
  /** Events of every incarnation, for tests that look at what happened. */
  readonly events: EngineEvent[];
}

interface SharedFolder {
  readonly id: FolderId;
  readonly label: string;
  readonly devices: readonly string[];
}

export class Cluster {
  readonly seed: number;
  readonly clock = new ManualClock(Date.UTC(2026, 0, 1));
  readonly #random: SeededRandom;
  readonly #devices = new Map<string, Device>();
  readonly #folders = new Map<string, SharedFolder>();
  readonly #network: SimNetwork;
  readonly #timing: Partial<FolderTiming>;

  /** Use `createCluster`. */
  constructor(options: ClusterOptions, ids: readonly string[]) {
    this.seed = options.seed;
    this.#random = new SeededRandom(options.seed);
    this.#timing = { ...SIM_TIMING, ...options.timing };
    this.#network = new SimNetwork(
      this.clock,
      this.#random,
      {
        alive: (name) => this.#device(name).run !== undefined,
        connected: (a, b, ends) => {
          const da = this.#device(a);
          const db = this.#device(b);
          da.run!.engine.connect(db.id, ends.a);
          db.run!.engine.connect(da.id, ends.b);
        },
      },
      options.reconnectMs ?? 2000,
    );
    options.devices.forEach((name, i) => {
      this.#devices.set(name, {
        name,
        id: ids[i]!,
        backing: new MemoryStoreBacking(),
        volumes: new Map(),
        faulty: new Map(),
        run: undefined,
        events: [],
      });
    });
    for (const name of options.devices) this.#start(this.#device(name));
    const names = [...options.devices];
    for (const [i, a] of names.entries()) for (const b of names.slice(i + 1)) this.#network.connect(a, b);
  }

  /** Device names, in the order given. */
  get devices(): string[] {
    return [...this.#devices.keys()];
  }

  /** Shares one folder, labelled `label`, among `devices` (each gets an empty folder). */
  async share(label: string, devices: readonly string[]): Promise<void> {
    if (this.#folders.has(label)) throw new Error(`folder "${label}" is already shared`);
    const folder: SharedFolder = { id: newFolderId(this.#random), label, devices: [...devices] };
    this.#folders.set(label, folder);
    for (const name of devices) {
      const device = this.#device(name);
      const volume = new MemoryVolume({ clock: this.clock });
      await volume.placeMarker();
      device.volumes.set(label, volume);
      device.faulty.set(label, new FailingVolume(volume));
      if (device.run) this.#addFolder(device, folder);
    }
  }

  /**
   * Makes the device's engine meet `fault` on the folder's volume (the person's own
   * reads and writes through `write`, `read`… never do); it outlives crashes.
   */
  failVolume(device: string, folder: string, fault: VolumeFault): void {
    this.#volume(device, folder);
    this.#device(device).faulty.get(folder)!.fail(fault);
  }

  /**
   * Replaces a file's bytes keeping its mtime, as an in-place write in Chromium's in-memory
   * OPFS does: only the watch can tell the engine (a same-size edit looks untouched).
   */
  overwriteKeepingMtime(device: string, folder: string, path: string, bytes: Uint8Array): void {
    this.#volume(device, folder).overwriteKeepingMtime(path, bytes);
  }

  /** Writes a file as the device's user would (parents made; replaces what is there). */
  async write(device: string, folder: string, path: string, bytes: Uint8Array): Promise<void> {
    this.#userTurn();
    await this.#volume(device, folder).writeAtomically(path, once(bytes.slice()));
  }

  /** Deletes a file as the device's user would. */
  async remove(device: string, folder: string, path: string): Promise<void> {
    this.#userTurn();
    await this.#volume(device, folder).remove(path);
  }

  /** Moves a file as the device's user would (`to` must be free). */
  async rename(device: string, folder: string, from: string, to: string): Promise<void> {
    this.#userTurn();
    await this.#volume(device, folder).rename(from, to);
  }

  /** The file's bytes on the device, or null when there is none. */
  async read(device: string, folder: string, path: string): Promise<Uint8Array | null> {
    try {
      const source = await this.#volume(device, folder).source(path);
      return await source.read(0, source.size);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  /** The folder's marker disappears on the device (unmounted, emptied by hand). */
  removeMarker(device: string, folder: string): void {
    this.#volume(device, folder).removeMarker();
  }

  /** The folder's marker comes back. */
  async restoreMarker(device: string, folder: string): Promise<void> {
    await this.#volume(device, folder).placeMarker();
  }

  connect(a: string, b: string): void {
    this.#network.connect(this.#device(a).name, this.#device(b).name);
  }

  disconnect(a: string, b: string): void {
    this.#network.disconnect(this.#device(a).name, this.#device(b).name);
  }

  /** Splits the devices into groups that cannot reach each other; `heal` joins them. */
  partition(...groups: readonly (readonly string[])[]): void {
    const groupOf = new Map<string, number>();
    groups.forEach((group, i) => group.forEach((name) => groupOf.set(name, i)));
    const names = this.devices;
    for (const [i, a] of names.entries()) {
      for (const b of names.slice(i + 1)) {
        if (groupOf.get(a) === groupOf.get(b)) this.#network.connect(a, b);
        else this.#network.disconnect(a, b);
      }
    }
  }

  /** Every device can reach every other again. */
  heal(): void {
    this.partition(this.devices);
  }

  /** Breaks the connection between `a` and `b` now (it is re-made later). */
  cut(a: string, b: string): void {
    this.#network.cut(a, b);
  }

  /** Breaks the connection between `a` and `b` after `messages` more deliveries on it. */
  cutAfter(a: string, b: string, messages: number): void {
    this.#network.cutAfter(a, b, messages);
  }

  /** Messages between `a` and `b` take `ms` of virtual time (from their next connection). */
  slow(a: string, b: string, ms: number): void {
    this.#network.setLatency(a, b, ms);
    this.#network.cut(a, b);
  }

  /** The device dies: its memory is lost; its store's backing and its folders remain. */
  async crash(device: string): Promise<void> {
    const d = this.#device(device);
    if (!d.run) return;
    const { fence, store } = d.run;
    d.run = undefined;
    fence.close();
    await store.close();
    this.#network.deviceDown(d.name);
  }

  /** The device starts again from its store and folders, and reconnects. */
  async restart(device: string): Promise<void> {
    const d = this.#device(device);
    if (d.run) return;
    this.#start(d);
    this.#network.deviceUp(d.name);
  }

  /**
   * Runs the cluster until nothing is left to do: every message delivered, every engine
   * idle, no connection about to be made. Moves virtual time only when waiting on a timer.
   * Throws, naming the seed, if that does not happen within the bounds.
   */
  async settle(options: SettleOptions = {}): Promise<void> {
    const maxSteps = options.maxSteps ?? 2_000_000;
    const deadline = this.clock.now() + (options.maxVirtualMs ?? 6 * 3600_000);
    for (let steps = 0; steps < maxSteps; steps++) {
      await drain();
      if (this.#network.step()) continue;
      if (this.#quiet) return;
      if (this.clock.now() > deadline) break;
      if (!this.clock.advanceToNext()) {
        // Work without a timer or message to wait on: let pending promises run once more.
        await drain();
        if (this.#quiet || this.#network.step()) continue;
        throw new Error(`the cluster is stuck: busy with nothing scheduled (seed ${this.seed})`);
      }
    }
    throw new Error(`the cluster did not settle (seed ${this.seed}): ${this.#busyReport()}`);
  }

  /**
   * Lets `ms` of virtual time pass, everything running as it would meanwhile (timers that
   * only look for news fire too), then settles.
   */
  async wait(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    while (this.clock.now() < end) {
      await this.settle();
      this.clock.advance(Math.min(100, end - this.clock.now()));
    }
    await this.settle();
  }

  /**
   * Lets the cluster run for at most `steps` steps (one message delivered, or the clock
   * moved to the next timer), stopping early when quiet: for faults and edits in the
   * middle of a sync.
   */
  async run(steps: number): Promise<void> {
    for (let i = 0; i < steps; i++) {
      await drain();
      if (this.#network.step()) continue;
      if (this.#quiet || !this.clock.advanceToNext()) return;
    }
    await drain();
  }

  /** Path → SHA-256 (hex) of the file's bytes, every file of the folder on the device. */
  snapshot(device: string, folder: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [path, bytes] of this.#volume(device, folder).files()) {
      out.set(path, createHash('sha256').update(bytes).digest('hex'));
    }
    return out;
  }

  /** Bytes and messages each device has sent so far. */
  stats(): Record<string, TrafficStats> {
    return Object.fromEntries(this.devices.map((name) => [name, { ...this.#network.traffic(name) }]));
  }

  /** Everything each device's engines reported (all incarnations). */
  events(device: string): readonly EngineEvent[] {
    return this.#device(device).events;
  }

  /** The device's index of a folder, path → record (tombstones included), as stored now. */
  async records(device: string, folder: string): Promise<Map<string, FileRecord>> {
    const f = this.#folders.get(folder);
    if (!f) throw new Error(`no folder "${folder}"`);
    const store = new MemoryStore(this.#device(device).backing);
    const out = new Map<string, FileRecord>();
    for await (const record of store.localRecords(f.id)) out.set(record.path, record);
    return out;
  }

  /** Paths of the partial downloads (temporary files) the device's folder holds now. */
  async partials(device: string, folder: string): Promise<string[]> {
    const out: string[] = [];
    for await (const partial of this.#volume(device, folder).partials()) out.push(partial.path);
    return out;
  }

  /** The device's ID, as its peers know it. */
  /** How many times `device`'s engine, since it last started, read a folder's whole index. */
  wholeIndexReads(device: string): number {
    return this.#device(device).run?.store.wholeIndexReads ?? 0;
  }

  deviceId(device: string): string {
    return this.#device(device).id;
  }

  /** Whether `a` and `b` are connected now. */
  isConnected(a: string, b: string): boolean {
    return this.#network.isConnected(a, b);
  }

  /** The running engine of a device (for tests that look inside), or undefined if crashed. */
  engine(device: string): SyncEngine | undefined {
    return this.#device(device).run?.engine;
  }

  get #quiet(): boolean {
    return this.#network.quiet && [...this.#devices.values()].every((d) => !d.run || d.run.engine.idle);
  }

  #busyReport(): string {
    const busy = [...this.#devices.values()].filter((d) => d.run && !d.run.engine.idle).map((d) => d.name);
    return `busy devices: ${busy.join(', ') || 'none'}; network ${this.#network.quiet ? 'quiet' : 'busy'}`;
  }

  #start(device: Device): void {
    const fence = new Fence();
    const store = new CountingStore(device.backing);
    const random = this.#random;
    const engine = new SyncEngine({
      device: device.id,
      name: device.name,
      store,
      clock: fencedClock(this.clock, fence),
      hashFile: (source) => digestSource(source, { sha256: syncSha256 }),
      newIndexId: () => newIndexId(random),
      sha256: syncSha256,
      timing: this.#timing,
    });
    engine.on((event) => device.events.push(event));
    device.run = { engine, store, fence };
    for (const folder of this.#folders.values()) {
      if (folder.devices.includes(device.name)) this.#addFolder(device, folder);
    }
  }

  #addFolder(device: Device, folder: SharedFolder): void {
    const { run } = device;
    const volume = device.faulty.get(folder.label);
    if (!run || !volume) return;
    run.engine.addFolder({
      id: folder.id,
      label: folder.label,
      volume: fencedVolume(volume, run.fence) satisfies Volume,
      devices: folder.devices.filter((name) => name !== device.name).map((name) => this.#device(name).id),
    });
  }

  /** A person's action takes a moment: the clock moves, so two edits never share an mtime. */
  #userTurn(): void {
    this.clock.advance(1000);
  }

  #device(name: string): Device {
    const device = this.#devices.get(name);
    if (!device) throw new Error(`no device "${name}" in this cluster`);
    return device;
  }

  #volume(device: string, folder: string): MemoryVolume {
    const volume = this.#device(device).volumes.get(folder);
    if (!volume) throw new Error(`folder "${folder}" is not shared with "${device}"`);
    return volume;
  }
}

/** Builds a cluster: every device running, every pair connected. */
export async function createCluster(options: ClusterOptions): Promise<Cluster> {
  const names = new Set(options.devices);
  if (names.size !== options.devices.length || names.size === 0) {
    throw new Error('devices must be distinct names, at least one');
  }
  if (!Number.isSafeInteger(options.seed)) throw new Error('the seed must be a safe integer');
  // Compiled now, in real time, so no step of the run waits on the host for it.
  await loadXXHash128();
  const ids = options.devices.map((name) =>
    deviceIdFromDigest(new Uint8Array(createHash('sha256').update(`tandem-sim:${name}`).digest())),
  );
  return new Cluster(options, ids);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Lets every pending promise run (the simulation's work is all on promises and timers). */
function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
