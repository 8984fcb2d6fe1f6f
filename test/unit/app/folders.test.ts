import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { FolderService, type FolderEngine } from '../../../src/app/folders.ts';
import type { EngineEvent, FolderState } from '../../../src/core/engine/events.ts';
import type { Explanation } from '../../../src/core/engine/explain.ts';
import type { FolderConfig } from '../../../src/core/engine/folderSync.ts';
import type { DeviceId, FolderBinding, FolderId } from '../../../src/ports/Store.ts';

/** A directory handle with only what the service uses; `permission` is what the browser answers. */
class FakeDir {
  readonly children = new Map<string, FakeDir>();
  permission: PermissionState = 'granted';
  answer: PermissionState = 'granted';
  constructor(readonly name: string) {}
  async queryPermission(): Promise<PermissionState> {
    return this.permission;
  }
  async requestPermission(): Promise<PermissionState> {
    this.permission = this.answer;
    return this.answer;
  }
  async isSameEntry(other: unknown): Promise<boolean> {
    return other === this;
  }
  async *keys(): AsyncGenerator<string> {
    yield* this.children.keys();
  }
  async getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<FakeDir> {
    let child = this.children.get(name);
    if (!child && !options?.create)
      throw Object.assign(new Error(`${name} not found`), { name: 'NotFoundError' });
    if (!child) this.children.set(name, (child = new FakeDir(name)));
    return child;
  }
}

const asHandle = (dir: FakeDir) => dir as unknown as FileSystemDirectoryHandle;

class FakeEngine implements FolderEngine {
  readonly running = new Map<FolderId, FolderConfig>();
  readonly listeners = new Set<(event: EngineEvent) => void>();
  offered: { peer: DeviceId; folders: { id: FolderId; label: string }[] }[] = [];
  readonly rescans: FolderId[] = [];
  addFolder(config: FolderConfig): void {
    if (this.running.has(config.id)) throw new Error('already shared');
    this.running.set(config.id, config);
  }
  async removeFolder(id: FolderId): Promise<void> {
    this.running.delete(id);
  }
  async shareFolder(id: FolderId, devices: readonly DeviceId[]): Promise<void> {
    const config = this.running.get(id);
    if (!config) throw new Error('not shared');
    this.running.set(id, { ...config, devices });
  }
  rescan(id: FolderId): void {
    this.rescans.push(id);
  }
  async explain(folder: FolderId, path: string): Promise<Explanation> {
    if (!this.running.has(folder)) throw new Error('not shared');
    return { kind: 'unknown', path, similar: [] };
  }
  offers() {
    return this.offered;
  }
  folders() {
    return [...this.running.values()].map((config) => ({
      config,
      state: { kind: 'scanning' } as FolderState,
    }));
  }
  on(listener: (event: EngineEvent) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: EngineEvent): void {
    for (const l of this.listeners) l(event);
  }
}

function setup(options: { pick?: FakeDir[]; bindings?: FolderBinding[] } = {}) {
  const saved = new Map<FolderId, FolderBinding>((options.bindings ?? []).map((b) => [b.id, b]));
  const opfs = new FakeDir('');
  const volumes = new Map<FakeDir, MemoryVolume>();
  const clock = new ManualClock();
  const picks = options.pick ? [...options.pick] : undefined;
  let ids = 0;
  const service = new FolderService({
    store: {
      folderBindings: async () => [...saved.values()],
      putFolderBinding: async (b) => void saved.set(b.id, b),
      deleteFolderBinding: async (id) => void saved.delete(id),
    },
    places: {
      pick: picks
        ? async () => {
            const next = picks.shift();
            if (!next) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
            return asHandle(next);
          }
        : undefined,
      opfsRoot: async () => asHandle(opfs),
    },
    openVolume: (dir) => {
      const fake = dir as unknown as FakeDir;
      const volume = volumes.get(fake) ?? new MemoryVolume({ clock });
      volumes.set(fake, volume);
      return volume;
    },
    newFolderId: () => `${++ids}`.padStart(32, '0'),
    now: () => 1_700_000_000_000,
  });
  return { service, engine: new FakeEngine(), saved, opfs, volumes };
}

describe('FolderService', () => {
  it('refuses to add a folder before the engine runs', async () => {
    const { service } = setup();
    expect(service.ready).toBe(false);
    await expect(service.add('Photos')).rejects.toThrow('name this device first');
  });

  it('adds an app-private folder named after the label where nothing can be picked: marker, binding, engine', async () => {
    const { service, engine, saved, opfs, volumes } = setup();
    await service.attach(engine);
    opfs.children.set('Photos', new FakeDir('Photos')); // a folder of that name exists already
    const id = await service.add('  Photos ');
    const binding = saved.get(id);
    expect(binding).toMatchObject({
      label: 'Photos',
      devices: [],
      location: { kind: 'opfs', name: 'Photos (2)' },
    });
    expect(await volumes.get(opfs.children.get('Photos (2)')!)!.hasMarker()).toBe(true);
    expect(engine.running.get(id)?.label).toBe('Photos');
    expect(service.folders()).toMatchObject([
      { id, where: 'In this browser (Photos (2))', access: { kind: 'running' } },
    ]);
  });

  it('needs a label for an app-private folder, and refuses control characters', async () => {
    const { service, engine, saved } = setup();
    await service.attach(engine);
    await expect(service.add('')).rejects.toThrow('give the folder a name');
    await expect(service.add('a\u0007b')).rejects.toThrow('control characters');
    expect(saved.size).toBe(0);
    expect(engine.running.size).toBe(0);
  });

  it('adds a picked folder under its own name, and refuses the same folder twice', async () => {
    const docs = new FakeDir('Documents');
    const { service, engine, saved } = setup({ pick: [docs, docs] });
    await service.attach(engine);
    const id = await service.add();
    expect(saved.get(id)).toMatchObject({ label: 'Documents', location: { kind: 'handle' } });
    await expect(service.add()).rejects.toThrow('already shared as Documents');
    expect(engine.running.size).toBe(1);
  });

  it('a cancelled picker changes nothing', async () => {
    const { service, engine, saved } = setup({ pick: [] });
    await service.attach(engine);
    await expect(service.add()).rejects.toMatchObject({ name: 'AbortError' });
    expect(saved.size).toBe(0);
    expect(service.folders()).toEqual([]);
  });

  it('restores saved folders: granted ones start, a prompt waits for Allow access, a missing OPFS folder is unavailable', async () => {
    const granted = new FakeDir('Music');
    const prompt = Object.assign(new FakeDir('Work'), { permission: 'prompt' as PermissionState });
    const bindings: FolderBinding[] = [
      {
        id: 'a'.repeat(32),
        label: 'Music',
        devices: [],
        location: { kind: 'handle', handle: asHandle(granted) },
      },
      {
        id: 'b'.repeat(32),
        label: 'Work',
        devices: ['peer'],
        location: { kind: 'handle', handle: asHandle(prompt) },
      },
      { id: 'c'.repeat(32), label: 'Gone', devices: [], location: { kind: 'opfs', name: 'Gone' } },
    ];
    const { service, engine, volumes } = setup({ bindings });
    await service.attach(engine);
    expect(service.folders().map((f) => f.access.kind)).toEqual([
      'running',
      'needs-permission',
      'unavailable',
    ]);
    expect([...engine.running.keys()]).toEqual(['a'.repeat(32)]);
    // Restoring never places a marker (a folder whose marker vanished must stay paused).
    expect(await volumes.get(granted)!.hasMarker()).toBe(false);

    prompt.answer = 'denied';
    await expect(service.allowAccess('b'.repeat(32))).rejects.toThrow('not allowed');
    expect(engine.running.has('b'.repeat(32))).toBe(false);
    prompt.answer = 'granted';
    await service.allowAccess('b'.repeat(32));
    expect(engine.running.get('b'.repeat(32))?.devices).toEqual(['peer']);
    expect(service.folders()[1]!.access.kind).toBe('running');
  });

  it('shares with the chosen devices, in the engine and the saved binding', async () => {
    const { service, engine, saved } = setup();
    await service.attach(engine);
    const id = await service.add('Notes');
    await service.share(id, ['d1', 'd2', 'd1']);
    expect(engine.running.get(id)?.devices).toEqual(['d1', 'd2']);
    expect(saved.get(id)?.devices).toEqual(['d1', 'd2']);
    await expect(service.share(id, [''])).rejects.toThrow('not a device ID');
  });

  it('accepts an offer with its ID and label, shared with the peer; declining hides it', async () => {
    const { service, engine, saved } = setup();
    await service.attach(engine);
    const id = 'f'.repeat(32);
    engine.offered = [
      {
        peer: 'laptop',
        folders: [
          { id, label: 'Holiday' },
          { id: 'e'.repeat(32), label: 'Spam' },
        ],
      },
    ];
    expect(service.offers().map((o) => o.label)).toEqual(['Holiday', 'Spam']);
    service.decline('e'.repeat(32));
    const [offer] = service.offers();
    await service.accept(offer!);
    expect(engine.running.get(id)).toMatchObject({ label: 'Holiday', devices: ['laptop'] });
    expect(saved.get(id)?.location).toEqual({ kind: 'opfs', name: 'Holiday' });
    expect(service.offers()).toEqual([]);
    await expect(service.accept(offer!)).rejects.toThrow('no longer offered');
  });

  it('removes a folder: the engine stops it and the binding goes, the marker stays', async () => {
    const { service, engine, saved, opfs, volumes } = setup();
    await service.attach(engine);
    const id = await service.add('Temp');
    await service.remove(id);
    expect(engine.running.size).toBe(0);
    expect(saved.size).toBe(0);
    expect(service.folders()).toEqual([]);
    expect(await volumes.get(opfs.children.get('Temp')!)!.hasMarker()).toBe(true);
  });

  it("hands out a running folder's directory and asks the engine to rescan it; a folder awaiting access has none", async () => {
    const waiting = new FakeDir('Waiting');
    waiting.permission = 'prompt';
    const { service, engine, opfs } = setup({
      bindings: [
        {
          id: 'w'.repeat(32),
          label: 'Waiting',
          devices: [],
          location: { kind: 'handle', handle: asHandle(waiting) },
        },
      ],
    });
    await service.attach(engine);
    const id = await service.add('Notes');
    expect(await service.directory(id)).toBe(opfs.children.get('Notes'));
    service.rescan(id);
    expect(engine.rescans).toEqual([id]);
    await expect(service.directory('w'.repeat(32))).rejects.toThrow('Waiting is not open on this visit');
    expect(() => service.rescan('x'.repeat(32))).toThrow('no folder');
  });

  it('asks the engine why a file of a running folder is not in sync; not for a folder awaiting access', async () => {
    const waiting = new FakeDir('Waiting');
    waiting.permission = 'prompt';
    const handle = asHandle(waiting);
    const { service, engine } = setup({
      bindings: [{ id: 'w'.repeat(32), label: 'Waiting', devices: [], location: { kind: 'handle', handle } }],
    });
    await service.attach(engine);
    const id = await service.add('Notes');
    expect(await service.explain(id, 'a.txt')).toEqual({ kind: 'unknown', path: 'a.txt', similar: [] });
    await expect(service.explain('w'.repeat(32), 'a.txt')).rejects.toThrow(
      'Waiting is not open on this visit',
    );
    await expect(service.explain('x'.repeat(32), 'a.txt')).rejects.toThrow('no folder');
  });

  it("follows the engine's events for its folders and ignores others", async () => {
    const { service, engine } = setup();
    await service.attach(engine);
    const id = await service.add('Live');
    let changes = 0;
    service.onChange(() => changes++);
    engine.emit({ type: 'folder', folder: id, state: { kind: 'syncing', files: 2, bytes: 10 } });
    engine.emit({ type: 'synced', folder: id, path: 'a.txt', action: 'write' });
    engine.emit({ type: 'synced', folder: 'other', path: 'b.txt', action: 'write' });
    expect(changes).toBe(2);
    expect(service.folders()[0]).toMatchObject({
      state: { kind: 'syncing' },
      activity: [{ path: 'a.txt', what: 'written' }],
    });
  });
});
