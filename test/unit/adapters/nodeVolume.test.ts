import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeVolume } from '../../../src/adapters/volume/NodeVolume.ts';
import {
  ChangedMeanwhileError,
  InvalidPathError,
  VolumeUnavailableError,
  type Volume,
  type VolumeEntry,
} from '../../../src/ports/Volume.ts';
import { describeVolumeContract } from '../../contracts/volume.ts';

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-nodevolume-'));
  made.push(dir);
  return dir;
}

/** A fresh shared folder `root` inside a scratch directory that also has room outside it. */
async function folder(): Promise<{ volume: NodeVolume; root: string; outside: string }> {
  const base = await scratch();
  const root = join(base, 'shared');
  const outside = join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
  const volume = new NodeVolume(root);
  await volume.placeMarker();
  return { volume, root, outside };
}

// Coarser than any mtime tick of the file systems tests run on (tmpfs, ext4, APFS).
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeVolumeContract('NodeVolume', async () => {
  const root = await scratch();
  return {
    volume: new NodeVolume(root),
    removeMarker: () => unlink(join(root, '.tandem')),
    letTimePass: () => pause(20),
  };
});

const text = (s: string) => new TextEncoder().encode(s);
async function* chunksOf(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield text(part);
}
async function entries(volume: Volume): Promise<VolumeEntry[]> {
  const all: VolumeEntry[] = [];
  for await (const entry of volume.list()) all.push(entry);
  return all;
}
async function tempFilesUnder(dir: string): Promise<string[]> {
  const all = await readdir(dir, { recursive: true });
  return all.filter((name) => name.split(/[\\/]/).some((segment) => segment.startsWith('.tandem.')));
}

describe('NodeVolume', () => {
  describe('links', () => {
    it('never lists a link to outside the root, nor anything behind it', async () => {
      const { volume, root, outside } = await folder();
      await writeFile(join(outside, 'secret.txt'), 'secret');
      await volume.writeAtomically('inside.txt', chunksOf('mine'));
      await symlink(outside, join(root, 'dirlink'));
      await symlink(join(outside, 'secret.txt'), join(root, 'filelink'));
      await symlink('/nonexistent/target', join(root, 'dangling'));
      expect((await entries(volume)).map((e) => e.path)).toEqual(['inside.txt']);
    });

    it('refuses to read, write, make, move or remove through a link', async () => {
      const { volume, root, outside } = await folder();
      await writeFile(join(outside, 'secret.txt'), 'secret');
      await symlink(outside, join(root, 'dirlink'));
      await symlink(join(outside, 'secret.txt'), join(root, 'filelink'));
      await volume.writeAtomically('a.txt', chunksOf('a'));
      const refusals = [
        () => volume.stat('dirlink/secret.txt'),
        () => volume.stat('filelink'),
        () => volume.source('dirlink/secret.txt'),
        () => volume.source('filelink'),
        () => volume.writeAtomically('dirlink/new.txt', chunksOf('x')),
        () => volume.writeAtomically('filelink', chunksOf('x')),
        () => volume.mkdir('dirlink/sub'),
        () => volume.rename('a.txt', 'dirlink/a.txt'),
        () => volume.rename('filelink', 'moved.txt'),
        () => volume.remove('filelink'),
        () => volume.remove('dirlink/secret.txt'),
      ];
      for (const refusal of refusals) await expect(refusal()).rejects.toBeInstanceOf(InvalidPathError);
      expect((await readdir(outside)).sort()).toEqual(['secret.txt']);
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
      expect(await readFile(join(root, 'a.txt'), 'utf8')).toBe('a');
    });

    it('accepts a root that is itself a link, as the user chose it', async () => {
      const { root } = await folder();
      const alias = join(await scratch(), 'alias');
      await symlink(root, alias);
      const volume = new NodeVolume(alias);
      expect(await volume.hasMarker()).toBe(true);
      await volume.writeAtomically('f.txt', chunksOf('via alias'));
      expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe('via alias');
    });
  });

  describe('reserved names', () => {
    it('never lists temp files left anywhere, nor names that case-fold to the marker', async () => {
      const { volume, root } = await folder();
      await volume.writeAtomically('dir/f.txt', chunksOf('x'));
      await writeFile(join(root, 'dir', '.tandem.0123.tmp'), 'stale');
      await writeFile(join(root, '.TANDEM'), 'x');
      expect((await entries(volume)).map((e) => e.path).sort()).toEqual(['dir', 'dir/f.txt']);
      await expect(volume.stat('.TANDEM')).rejects.toBeInstanceOf(InvalidPathError);
    });
  });

  describe('reading', () => {
    it('rejects reads once the file was changed in place after opening', async () => {
      const { volume, root } = await folder();
      await volume.writeAtomically('f.txt', chunksOf('old content'));
      const source = await volume.source('f.txt');
      expect(new TextDecoder().decode(await source.read(0, 3))).toBe('old');
      await writeFile(join(root, 'f.txt'), 'a longer new content');
      await expect(source.read(0, source.size)).rejects.toBeInstanceOf(ChangedMeanwhileError);
    });

    it('notices a same-size edit by its mtime, and a replaced file by its inode', async () => {
      const { volume, root } = await folder();
      await volume.writeAtomically('same.txt', chunksOf('aaaa'));
      const same = await volume.source('same.txt');
      await writeFile(join(root, 'same.txt'), 'bbbb');
      const later = new Date(same.mtime + 5000);
      await utimes(join(root, 'same.txt'), later, later);
      await expect(same.read(0, 4)).rejects.toBeInstanceOf(ChangedMeanwhileError);

      await volume.writeAtomically('swapped.txt', chunksOf('v1'));
      const swapped = await volume.source('swapped.txt');
      await writeFile(join(root, 'other.txt'), 'v2');
      await volume.remove('swapped.txt');
      await volume.rename('other.txt', 'swapped.txt');
      await expect(swapped.read(0, 2)).rejects.toBeInstanceOf(ChangedMeanwhileError);
    });

    it('rejects reads of a removed file', async () => {
      const { volume, root } = await folder();
      await volume.writeAtomically('f.txt', chunksOf('x'));
      const source = await volume.source('f.txt');
      await unlink(join(root, 'f.txt'));
      await expect(source.read(0, 1)).rejects.toBeInstanceOf(ChangedMeanwhileError);
    });
  });

  describe('atomic writes', () => {
    it('a write killed midway leaves the old content and no temp file on disk', async () => {
      const { volume, root } = await folder();
      await volume.writeAtomically('dir/f.txt', chunksOf('the original'));
      async function* dies() {
        yield text('half of');
        yield text(' the new');
        throw new Error('killed');
      }
      await expect(volume.writeAtomically('dir/f.txt', dies())).rejects.toThrow('killed');
      await expect(volume.writeAtomically('new/deep/g.txt', dies())).rejects.toThrow('killed');
      expect(await readFile(join(root, 'dir', 'f.txt'), 'utf8')).toBe('the original');
      expect(await tempFilesUnder(root)).toEqual([]);
      // The parents it made for the failed write are gone again.
      expect((await readdir(root)).sort()).toEqual(['.tandem', 'dir']);
    });

    it('leaves no temp file when the expectation fails at the end', async () => {
      const { volume, root } = await folder();
      const first = await volume.writeAtomically('f.txt', chunksOf('v1'));
      await writeFile(join(root, 'f.txt'), 'edited by the user');
      await expect(
        volume.writeAtomically('f.txt', chunksOf('remote'), { size: first.size, mtime: first.mtime }),
      ).rejects.toBeInstanceOf(ChangedMeanwhileError);
      expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe('edited by the user');
      expect(await tempFilesUnder(root)).toEqual([]);
    });

    it('keeps the permissions of the file it replaces', async () => {
      const { volume, root } = await folder();
      await volume.writeAtomically('run.sh', chunksOf('#!/bin/sh\n'));
      await chmod(join(root, 'run.sh'), 0o755);
      await volume.writeAtomically('run.sh', chunksOf('#!/bin/sh\necho hi\n'));
      expect((await stat(join(root, 'run.sh'))).mode & 0o777).toBe(0o755);
    });

    it('returns the entry stat sees, with whole-millisecond mtimes', async () => {
      const { volume } = await folder();
      const written = await volume.writeAtomically('f.txt', chunksOf('abc'));
      expect(Number.isInteger(written.mtime)).toBe(true);
      expect(await volume.stat('f.txt')).toEqual(written);
    });
  });

  describe('partial downloads', () => {
    const KEY = 'c3'.repeat(32);
    const partialsIn = async (volume: NodeVolume) => {
      const all: [string, string, string][] = [];
      for await (const p of volume.partials())
        all.push([p.path, p.key, new TextDecoder().decode(await p.read(0, 1 << 20))]);
      return all.sort();
    };

    it('survive a new NodeVolume on the same folder, as after a restart', async () => {
      const { volume, root } = await folder();
      const partial = await volume.openPartial('docs/big.bin', KEY);
      await partial.write(0, text('written before the restart'));
      await (await volume.openPartial('other.bin', 'd4'.repeat(32))).write(0, text('o'));

      const restarted = new NodeVolume(root);
      expect(await partialsIn(restarted)).toEqual([
        ['docs/big.bin', KEY, 'written before the restart'],
        ['other.bin', 'd4'.repeat(32), 'o'],
      ]);
      const resumed = await restarted.openPartial('docs/big.bin', KEY);
      await resumed.write(26, text(', and after'));
      await resumed.commit('absent');
      expect(await readFile(join(root, 'docs', 'big.bin'), 'utf8')).toBe(
        'written before the restart, and after',
      );
      expect((await partialsIn(restarted)).map(([path]) => path)).toEqual(['other.bin']);
    });

    it('live in one reserved directory at the root, never listed, and leave nothing behind', async () => {
      const { volume, root } = await folder();
      const partial = await volume.openPartial('a/b/c.txt', KEY);
      await partial.write(0, text('abc'));
      expect((await readdir(root)).sort()).toEqual(['.tandem', '.tandem.partials']);
      expect(await entries(volume)).toEqual([]);
      await partial.commit();
      expect(await readdir(join(root, '.tandem.partials'))).toEqual([]);
      const dropped = await volume.openPartial('d.txt', KEY);
      await dropped.discard();
      expect(await readdir(join(root, '.tandem.partials'))).toEqual([]);
    });

    it('a partial whose path file was torn by a crash is removed by the listing, with stray files', async () => {
      const { volume, root } = await folder();
      await (await volume.openPartial('good.bin', KEY)).write(0, text('good'));
      await (await volume.openPartial('torn.bin', KEY)).write(0, text('lost'));
      const dir = join(root, '.tandem.partials');
      let torn = 0;
      for (const name of await readdir(dir)) {
        if (name.endsWith('.path') && (await readFile(join(dir, name), 'utf8')) === 'torn.bin') {
          await writeFile(join(dir, name), 'torn.b'); // the crash cut the write short
          torn++;
        }
      }
      expect(torn).toBe(1);
      await writeFile(join(dir, 'stray.tmp'), 'x');
      expect(await partialsIn(volume)).toEqual([['good.bin', KEY, 'good']]);
      expect((await readdir(dir)).length).toBe(2);
    });

    it('commit keeps the permissions of the file it replaces', async () => {
      const { volume, root } = await folder();
      await volume.writeAtomically('run.sh', chunksOf('#!/bin/sh\n'));
      await chmod(join(root, 'run.sh'), 0o755);
      const partial = await volume.openPartial('run.sh', KEY);
      await partial.write(0, text('#!/bin/sh\necho hi\n'));
      await partial.commit();
      expect((await stat(join(root, 'run.sh'))).mode & 0o777).toBe(0o755);
    });

    it('refuses a partials directory that is a link, and never writes through it', async () => {
      const { volume, root, outside } = await folder();
      await symlink(outside, join(root, '.tandem.partials'));
      await expect(volume.openPartial('f.bin', KEY)).rejects.toBeInstanceOf(InvalidPathError);
      await expect(partialsIn(volume)).rejects.toBeInstanceOf(InvalidPathError);
      expect(await readdir(outside)).toEqual([]);
    });
  });

  describe('unavailable', () => {
    it('rejects with "gone" once the root is deleted from under it', async () => {
      const { volume, root } = await folder();
      await volume.writeAtomically('f.txt', chunksOf('x'));
      await rm(root, { recursive: true });
      const gone = { code: 'unavailable', why: 'gone' };
      await expect(volume.hasMarker()).rejects.toMatchObject(gone);
      await expect(volume.placeMarker()).rejects.toMatchObject(gone);
      await expect(entries(volume)).rejects.toMatchObject(gone);
      await expect(volume.stat('f.txt')).rejects.toMatchObject(gone);
      await expect(volume.writeAtomically('f.txt', chunksOf('y'))).rejects.toMatchObject(gone);
      await expect(volume.hasMarker()).rejects.toBeInstanceOf(VolumeUnavailableError);
    });

    it('rejects with "gone" for a root whose parent does not exist', async () => {
      const volume = new NodeVolume(join(await scratch(), 'no', 'such', 'folder'));
      await expect(volume.hasMarker()).rejects.toMatchObject({ code: 'unavailable', why: 'gone' });
      await expect(volume.placeMarker()).rejects.toMatchObject({ code: 'unavailable', why: 'gone' });
    });

    it('pauses every operation, reads of open files included, once the marker is deleted', async () => {
      const { volume, root } = await folder();
      await volume.writeAtomically('f.txt', chunksOf('data'));
      const source = await volume.source('f.txt');
      await unlink(join(root, '.tandem'));
      const paused = { code: 'unavailable', why: 'marker-missing' };
      await expect(source.read(0, 4)).rejects.toMatchObject(paused);
      await expect(volume.remove('f.txt', 'absent')).rejects.toMatchObject(paused);
      await expect(entries(volume)).rejects.toMatchObject(paused);
      expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe('data');
      await volume.placeMarker();
      expect(new TextDecoder().decode(await source.read(0, 4))).toBe('data');
    });

    // Permission loss (chmod 000 on the root) is not tested: these tests run as root here,
    // and root reads through any mode bits. The mapping EACCES/EPERM → 'permission' is in
    // NodeVolume.errors.ts.
  });

  describe('watch', () => {
    it('reports changes made behind its back, in new subdirectories too', async () => {
      const { volume, root } = await folder();
      const seen: (string | undefined)[] = [];
      const stop = volume.watch((change) => seen.push(change.path));
      try {
        await mkdir(join(root, 'sub'));
        await expect.poll(() => seen.includes('sub')).toBe(true);
        await writeFile(join(root, 'sub', 'f.txt'), 'x');
        await expect.poll(() => seen.includes('sub/f.txt')).toBe(true);
        await unlink(join(root, '.tandem'));
        await expect.poll(() => seen.includes(undefined)).toBe(true);
      } finally {
        stop();
      }
    });

    it('does not report its own temp files', async () => {
      const { volume } = await folder();
      const seen: (string | undefined)[] = [];
      const stop = volume.watch((change) => seen.push(change.path));
      try {
        await volume.writeAtomically('f.txt', chunksOf('x'));
        await expect.poll(() => seen.includes('f.txt')).toBe(true);
        expect(seen.filter((path) => path?.includes('.tandem'))).toEqual([]);
      } finally {
        stop();
      }
    });
  });
});
