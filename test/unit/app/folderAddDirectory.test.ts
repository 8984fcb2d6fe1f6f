/** FolderService.addDirectory: a dropped directory is shared as a picked one is. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { FolderService, type FolderEngine } from '../../../src/app/folders.ts';
import type { FolderConfig } from '../../../src/core/engine/folderSync.ts';
import type { FolderBinding, FolderId } from '../../../src/ports/Store.ts';

/** A directory handle with what the service uses; `answer` is what the browser's prompt says. */
class FakeDir {
  answer: PermissionState = 'granted';
  requests = 0;
  constructor(readonly name: string) {}
  async requestPermission(): Promise<PermissionState> {
    this.requests++;
    return this.answer;
  }
  async isSameEntry(other: unknown): Promise<boolean> {
    return other === this;
  }
}

const asHandle = (dir: FakeDir) => dir as unknown as FileSystemDirectoryHandle;

function setup(picks: FakeDir[] = []) {
  const saved = new Map<FolderId, FolderBinding>();
  const volumes = new Map<FakeDir, MemoryVolume>();
  const running = new Map<FolderId, FolderConfig>();
  const clock = new ManualClock();
  let ids = 0;
  const engine: FolderEngine = {
    addFolder: (config) => void running.set(config.id, config),
    removeFolder: async (id) => void running.delete(id),
    shareFolder: async () => undefined,
    offers: () => [],
    folders: () => [...running.values()].map((config) => ({ config, state: { kind: 'scanning' } })),
    rescan: () => undefined,
    explain: async (_folder, path) => ({ kind: 'unknown', path, similar: [] }),
    on: () => () => undefined,
  };
  const service = new FolderService({
    store: {
      folderBindings: async () => [...saved.values()],
      putFolderBinding: async (b) => void saved.set(b.id, b),
      deleteFolderBinding: async (id) => void saved.delete(id),
    },
    places: {
      pick: async () => {
        const next = picks.shift();
        if (!next) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
        return asHandle(next);
      },
      opfsRoot: async () => {
        throw new Error('not used');
      },
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
  return { service, engine, saved, volumes, running };
}

describe('FolderService.addDirectory', () => {
  it('asks for read-write access, then shares the directory as a picked one: marker, binding, engine', async () => {
    const { service, engine, saved, volumes, running } = setup();
    await service.attach(engine);
    const music = new FakeDir('Music');
    const id = await service.addDirectory(asHandle(music));
    expect(music.requests).toBe(1);
    expect(saved.get(id)).toMatchObject({ label: 'Music', devices: [], location: { kind: 'handle' } });
    expect(await volumes.get(music)!.hasMarker()).toBe(true);
    expect(running.get(id)?.label).toBe('Music');
    expect(service.folders()).toMatchObject([{ id, where: 'Folder “Music” on this device' }]);
  });

  it('takes a label when given one', async () => {
    const { service, engine, saved } = setup();
    await service.attach(engine);
    const id = await service.addDirectory(asHandle(new FakeDir('DCIM')), '  Camera ');
    expect(saved.get(id)?.label).toBe('Camera');
  });

  it('refuses a directory already shared, whether it was picked or dropped before', async () => {
    const docs = new FakeDir('Documents');
    const { service, engine, running } = setup([docs]);
    await service.attach(engine);
    await service.add();
    await expect(service.addDirectory(asHandle(docs))).rejects.toThrow('already shared as Documents');
    const photos = new FakeDir('Photos');
    await service.addDirectory(asHandle(photos), 'Holiday');
    await expect(service.addDirectory(asHandle(photos))).rejects.toThrow('already shared as Holiday');
    expect(running.size).toBe(2);
  });

  it('changes nothing when access is refused', async () => {
    const { service, engine, saved, volumes } = setup();
    await service.attach(engine);
    const refused = Object.assign(new FakeDir('Secret'), { answer: 'denied' as PermissionState });
    await expect(service.addDirectory(asHandle(refused))).rejects.toThrow('access to Secret was not allowed');
    expect(saved.size).toBe(0);
    expect(volumes.size).toBe(0);
    expect(service.folders()).toEqual([]);
  });

  it('refuses before the device has a name, and a label with control characters', async () => {
    const { service, engine } = setup();
    await expect(service.addDirectory(asHandle(new FakeDir('A')))).rejects.toThrow('name this device first');
    await service.attach(engine);
    await expect(service.addDirectory(asHandle(new FakeDir('A')), 'a\u0007b')).rejects.toThrow(
      'control characters',
    );
  });
});
