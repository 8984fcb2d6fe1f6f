/**
 * The folders as the UI sees them: add one (a folder the person picks, or an app-private
 * OPFS folder where the browser cannot pick), share it with paired devices, accept or
 * decline what a peer offers, remove one (syncing stops, files stay), and each folder's
 * state from the engine's events (foldersView.ts). Bindings are saved in the store and
 * started again on the next visit; a real folder whose permission the browser asks again
 * for waits for one click ("Allow access").
 *
 * Invariants:
 * 1. The marker is placed only when the person adds or accepts a folder, never on restore:
 *    a folder whose marker vanished stays paused (DESIGN.md, "Rules of the house").
 * 2. A folder is started in the engine only after its binding is saved, so what runs is
 *    what the next visit restores; a failed start removes the binding it just saved.
 */
import type { EngineEvent } from '../core/engine/events.ts';
import type { Explanation } from '../core/engine/explain.ts';
import type { FolderConfig } from '../core/engine/folderSync.ts';
import type { DeviceId, FolderBinding, FolderId, Store } from '../ports/Store.ts';
import type { Unsubscribe } from '../ports/Transport.ts';
import type { Volume } from '../ports/Volume.ts';
import {
  applyFolderEvent,
  eventFolder,
  opfsFolderName,
  validateLabel,
  type FolderView,
} from './foldersView.ts';

/** What the service needs of the sync engine. */
export interface FolderEngine {
  addFolder(config: FolderConfig): void;
  removeFolder(id: FolderId): Promise<void>;
  shareFolder(id: FolderId, devices: readonly DeviceId[]): Promise<void>;
  offers(): {
    readonly peer: DeviceId;
    readonly folders: readonly { readonly id: FolderId; readonly label: string }[];
  }[];
  folders(): { readonly config: FolderConfig; readonly state: FolderView['state'] }[];
  rescan(id: FolderId): void;
  explain(folder: FolderId, path: string): Promise<Explanation>;
  on(listener: (event: EngineEvent) => void): Unsubscribe;
}

/** Where folders come from on this device. */
export interface FolderPlaces {
  /** The person picks a directory, read-write (`showDirectoryPicker`); absent where the browser cannot. */
  readonly pick?: () => Promise<FileSystemDirectoryHandle>;
  /** The origin's private file system root (`navigator.storage.getDirectory()`). */
  readonly opfsRoot: () => Promise<FileSystemDirectoryHandle>;
}

export interface FolderServiceOptions {
  readonly store: Pick<Store, 'folderBindings' | 'putFolderBinding' | 'deleteFolderBinding'>;
  readonly places: FolderPlaces;
  readonly openVolume: (directory: FileSystemDirectoryHandle) => Volume;
  readonly newFolderId: () => FolderId;
  /** ms since the epoch, to stamp activity. */
  readonly now: () => number;
}

/** A folder a connected peer shares and this device does not have yet. */
export interface FolderOffer {
  readonly peer: DeviceId;
  readonly id: FolderId;
  readonly label: string;
}

const READ_WRITE = { mode: 'readwrite' } as const;

export class FolderService {
  readonly #o: FolderServiceOptions;
  readonly #bindings = new Map<FolderId, FolderBinding>();
  readonly #views = new Map<FolderId, FolderView>();
  readonly #declined = new Set<FolderId>();
  readonly #listeners = new Set<() => void>();
  #engine: FolderEngine | undefined;
  #problem: string | undefined;

  constructor(options: FolderServiceOptions) {
    this.#o = options;
  }

  /** True once the engine runs (the device has a name). */
  get ready(): boolean {
    return this.#engine !== undefined;
  }

  /** Why saved folders could not be loaded, if they could not. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** Whether adding asks the person for a folder; else it makes an app-private one. */
  get canPick(): boolean {
    return this.#o.places.pick !== undefined;
  }

  /** Every folder, in the order they were added or restored. */
  folders(): FolderView[] {
    return [...this.#views.values()];
  }

  /** What connected peers offer, without those declined on this visit. */
  offers(): FolderOffer[] {
    const offered = this.#engine?.offers() ?? [];
    return offered.flatMap(({ peer, folders }) =>
      folders
        .filter((f) => !this.#declined.has(f.id) && !this.#views.has(f.id))
        .map((f) => ({ peer, id: f.id, label: f.label })),
    );
  }

  onChange(listener: () => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Hands over the engine once it runs, and starts the saved folders. Once only. */
  async attach(engine: FolderEngine): Promise<void> {
    if (this.#engine) throw new Error('the folder service already has an engine');
    this.#engine = engine;
    engine.on((event) => this.#heard(event));
    try {
      for (const binding of await this.#o.store.folderBindings()) await this.#restore(binding);
    } catch (error) {
      this.#problem = `saved folders could not be loaded: ${(error as Error).message}`;
    }
    this.#changed();
  }

  /**
   * Shares a new folder: the one the person picks (its name is the label unless one is
   * given), or an app-private folder named after `label`. Rejects with the picker's
   * AbortError when the person cancels. Resolves with its ID.
   */
  async add(label?: string): Promise<FolderId> {
    const engine = this.#ready();
    const typed = label === undefined || label.trim() === '' ? undefined : validateLabel(label);
    const place = await this.#newPlace(typed);
    return this.#start(engine, { id: this.#o.newFolderId(), label: place.label, devices: [] }, place);
  }

  /**
   * Shares a directory the person handed over another way (dropped on the page), as `add`
   * shares a picked one: read-write access is asked for first, and the same folder twice
   * is refused. Resolves with its ID.
   */
  async addDirectory(directory: FileSystemDirectoryHandle, label?: string): Promise<FolderId> {
    const engine = this.#ready();
    const typed = label === undefined || label.trim() === '' ? undefined : validateLabel(label);
    if ((await directory.requestPermission(READ_WRITE)) !== 'granted')
      throw new Error(`access to ${directory.name} was not allowed, so it is not shared`);
    const place = await this.#handlePlace(directory, typed);
    return this.#start(engine, { id: this.#o.newFolderId(), label: place.label, devices: [] }, place);
  }

  /** Accepts what `peer` offers, into a folder the person picks (or an app-private one). */
  async accept(offer: FolderOffer): Promise<void> {
    const engine = this.#ready();
    const current = this.offers().find((o) => o.id === offer.id && o.peer === offer.peer);
    if (!current) throw new Error('that folder is no longer offered');
    const place = await this.#newPlace(current.label);
    await this.#start(engine, { id: current.id, label: current.label, devices: [current.peer] }, place);
  }

  /** Hides an offer until the next visit. */
  decline(id: FolderId): void {
    this.#declined.add(id);
    this.#changed();
  }

  /** Asks the browser again for read-write access to a folder that needs it, then starts it. */
  async allowAccess(id: FolderId): Promise<void> {
    const engine = this.#ready();
    const binding = this.#binding(id);
    if (binding.location.kind !== 'handle') return;
    const state = await binding.location.handle.requestPermission(READ_WRITE);
    if (state !== 'granted') {
      this.#update(id, { access: { kind: 'needs-permission' } });
      throw new Error(`access to ${binding.label} was not allowed`);
    }
    this.#run(engine, binding, binding.location.handle);
  }

  /** Shares a folder with exactly `devices` (paired devices' IDs). */
  async share(id: FolderId, devices: readonly DeviceId[]): Promise<void> {
    const engine = this.#ready();
    const binding = this.#binding(id);
    if (!devices.every((d) => typeof d === 'string' && d !== '')) throw new Error('not a device ID');
    const chosen = [...new Set(devices)];
    const updated: FolderBinding = { ...binding, devices: chosen };
    await this.#o.store.putFolderBinding(updated);
    this.#bindings.set(id, updated);
    if (this.#view(id).access.kind === 'running') await engine.shareFolder(id, chosen);
    this.#update(id, { devices: chosen });
  }

  /**
   * The directory a running folder lives in, for the page's own file work (import, download,
   * conflicts, `.tandemignore`); the engine notices what changes there by watching or scanning.
   */
  async directory(id: FolderId): Promise<FileSystemDirectoryHandle> {
    const binding = this.#binding(id);
    if (this.#view(id).access.kind !== 'running')
      throw new Error(`${binding.label} is not open on this visit`);
    if (binding.location.kind === 'handle') return binding.location.handle;
    const root = await this.#o.places.opfsRoot();
    return root.getDirectoryHandle(binding.location.name);
  }

  /** Looks at a folder again now, after the page itself changed files in it. */
  rescan(id: FolderId): void {
    this.#binding(id);
    this.#ready().rescan(id);
  }

  /** Why a file of a running folder is or is not in sync: facts the UI words (core/engine/explain.ts). */
  async explain(id: FolderId, path: string): Promise<Explanation> {
    const binding = this.#binding(id);
    if (this.#view(id).access.kind !== 'running')
      throw new Error(`${binding.label} is not open on this visit`);
    return this.#ready().explain(id, path);
  }

  /** Stops syncing a folder and forgets it here; its files stay where they are. */
  async remove(id: FolderId): Promise<void> {
    const engine = this.#ready();
    this.#binding(id);
    await engine.removeFolder(id);
    await this.#o.store.deleteFolderBinding(id);
    this.#bindings.delete(id);
    this.#views.delete(id);
    this.#changed();
  }

  async #newPlace(
    label: string | undefined,
  ): Promise<{ label: string; directory: FileSystemDirectoryHandle; location: FolderBinding['location'] }> {
    const { pick, opfsRoot } = this.#o.places;
    if (pick) return this.#handlePlace(await pick(), label);
    if (label === undefined) throw new Error('give the folder a name');
    const root = await opfsRoot();
    const taken = new Set<string>();
    for await (const name of root.keys()) taken.add(name);
    const name = opfsFolderName(label, taken);
    const directory = await root.getDirectoryHandle(name, { create: true });
    return { label, directory, location: { kind: 'opfs', name } };
  }

  /** A directory of the person's own as a new folder's place, unless it is shared already. */
  async #handlePlace(
    directory: FileSystemDirectoryHandle,
    label: string | undefined,
  ): Promise<{ label: string; directory: FileSystemDirectoryHandle; location: FolderBinding['location'] }> {
    for (const other of this.#bindings.values())
      if (other.location.kind === 'handle' && (await other.location.handle.isSameEntry(directory)))
        throw new Error(`that folder is already shared as ${other.label}`);
    return {
      label: label ?? validateLabel(directory.name),
      directory,
      location: { kind: 'handle', handle: directory },
    };
  }

  async #start(
    engine: FolderEngine,
    base: Omit<FolderBinding, 'location'>,
    place: { directory: FileSystemDirectoryHandle; location: FolderBinding['location'] },
  ): Promise<FolderId> {
    if (this.#bindings.has(base.id)) throw new Error(`folder ${base.label} is already here`);
    const volume = this.#o.openVolume(place.directory);
    await volume.placeMarker();
    const binding: FolderBinding = { ...base, location: place.location };
    await this.#o.store.putFolderBinding(binding);
    try {
      this.#bindings.set(binding.id, binding);
      this.#run(engine, binding, place.directory, volume);
    } catch (error) {
      this.#bindings.delete(binding.id);
      this.#views.delete(binding.id);
      await this.#o.store.deleteFolderBinding(binding.id).catch(() => undefined);
      throw error;
    }
    return binding.id;
  }

  async #restore(binding: FolderBinding): Promise<void> {
    const engine = this.#ready();
    this.#bindings.set(binding.id, binding);
    this.#views.set(binding.id, this.#newView(binding, { kind: 'needs-permission' }));
    try {
      if (binding.location.kind === 'opfs') {
        const root = await this.#o.places.opfsRoot();
        this.#run(engine, binding, await root.getDirectoryHandle(binding.location.name));
        return;
      }
      const state = await binding.location.handle.queryPermission(READ_WRITE);
      if (state === 'granted') this.#run(engine, binding, binding.location.handle);
      else if (state === 'denied')
        this.#update(binding.id, { access: { kind: 'unavailable', message: 'access was denied' } });
    } catch (error) {
      const message =
        (error as Error).name === 'NotFoundError'
          ? 'its folder is gone'
          : `it could not be opened: ${(error as Error).message}`;
      this.#update(binding.id, { access: { kind: 'unavailable', message } });
    }
  }

  #run(
    engine: FolderEngine,
    binding: FolderBinding,
    directory: FileSystemDirectoryHandle,
    volume?: Volume,
  ): void {
    engine.addFolder({
      id: binding.id,
      label: binding.label,
      devices: binding.devices,
      volume: volume ?? this.#o.openVolume(directory),
    });
    const state = engine.folders().find((f) => f.config.id === binding.id)?.state ?? { kind: 'scanning' };
    const view = this.#views.get(binding.id) ?? this.#newView(binding, { kind: 'running' });
    this.#views.set(binding.id, { ...view, access: { kind: 'running' }, state });
    this.#changed();
  }

  #newView(binding: FolderBinding, access: FolderView['access']): FolderView {
    const where =
      binding.location.kind === 'opfs'
        ? `In this browser (${binding.location.name})`
        : `Folder “${binding.location.handle.name}” on this device`;
    return {
      id: binding.id,
      label: binding.label,
      where,
      devices: binding.devices,
      access,
      state: { kind: 'idle' },
      activity: [],
      issues: [],
    };
  }

  #heard(event: EngineEvent): void {
    if (event.type === 'folders-offered') return this.#changed();
    const id = eventFolder(event);
    const view = id === undefined ? undefined : this.#views.get(id);
    if (!view) return;
    const next = applyFolderEvent(view, event, this.#o.now());
    if (next === view) return;
    this.#views.set(view.id, next);
    this.#changed();
  }

  #update(id: FolderId, change: Partial<FolderView>): void {
    const view = this.#views.get(id);
    if (!view) return;
    this.#views.set(id, { ...view, ...change });
    this.#changed();
  }

  #view(id: FolderId): FolderView {
    const view = this.#views.get(id);
    if (!view) throw new Error(`no folder ${id} here`);
    return view;
  }

  #binding(id: FolderId): FolderBinding {
    const binding = this.#bindings.get(id);
    if (!binding) throw new Error(`no folder ${id} here`);
    return binding;
  }

  #ready(): FolderEngine {
    if (this.#engine) return this.#engine;
    throw new Error('name this device first');
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
