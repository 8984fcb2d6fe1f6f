/**
 * An app-private folder's file work over real OPFS in Chromium: import (paths kept, bad
 * and reserved names skipped, replacing only when allowed), listing, the zip of the folder
 * (unpacked here from its central directory: client-zip stores, never compresses), one
 * file, and the `.tandemignore` round trip.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  importFiles,
  isAppPrivate,
  listFiles,
  readFile,
  zipFolder,
  type ImportItem,
} from '../../src/app/folderFiles.ts';
import { readIgnoreFile, writeIgnoreFile } from '../../src/app/ignoreFile.ts';
import { unzipStored as unzip } from '../support/storedZip.ts';

let made = 0;
const base = navigator.storage.getDirectory();

async function freshDirectory(): Promise<FileSystemDirectoryHandle> {
  return (await base).getDirectoryHandle(`files-${Date.now()}-${made++}`, { create: true });
}

afterAll(async () => {
  const root = await base;
  for await (const name of root.keys()) await root.removeEntry(name, { recursive: true });
});

const item = (path: string, text: string): ImportItem => ({ path, file: new Blob([text]) });

/** Writes `text` at `path` directly, as the engine or another program would. */
async function put(dir: FileSystemDirectoryHandle, path: string, text: string): Promise<void> {
  const parts = path.split('/');
  let parent = dir;
  for (const p of parts.slice(0, -1)) parent = await parent.getDirectoryHandle(p, { create: true });
  const writable = await (await parent.getFileHandle(parts.at(-1)!, { create: true })).createWritable();
  await writable.write(text);
  await writable.close();
}

/** Every file under `dir`, Tandem's own included (path → text). */
async function everything(dir: FileSystemDirectoryHandle, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const [name, child] of dir.entries()) {
    if (child.kind === 'directory') Object.assign(out, await everything(child, `${prefix}${name}/`));
    else out[`${prefix}${name}`] = await (await child.getFile()).text();
  }
  return out;
}

const never = () => {
  throw new Error('nothing should need replacing');
};

describe('importFiles over OPFS', () => {
  it('keeps relative paths, and skips invalid names and Tandem’s own', async () => {
    const dir = await freshDirectory();
    const result = await importFiles(
      dir,
      [
        item('Trip/day 1/a.txt', 'a'),
        item('Trip/b.txt', 'b'),
        item('top.txt', 'top'),
        item('.tandem', 'not a marker'),
        item('Trip/.tandem.partials/x.part', 'x'),
        item('Trip/.TANDEM', 'y'),
        item('x.txt.crswap', 'swap'),
        item('con.txt', 'reserved on Windows'),
        item('a:b.txt', 'colon'),
        item('../escape.txt', 'out'),
        item('Trip/b.txt', 'again'),
      ],
      never,
    );
    expect(result.added).toEqual(['Trip/day 1/a.txt', 'Trip/b.txt', 'top.txt']);
    expect(result.skipped.map((s) => s.path)).toEqual([
      '.tandem',
      'Trip/.tandem.partials/x.part',
      'Trip/.TANDEM',
      'x.txt.crswap',
      'con.txt',
      'a:b.txt',
      '../escape.txt',
      'Trip/b.txt',
    ]);
    expect(result.skipped[0]!.reason).toContain('Tandem keeps for itself');
    expect(result.skipped[4]!.reason).toContain('reserved on Windows');
    expect(await everything(dir)).toEqual({ 'Trip/day 1/a.txt': 'a', 'Trip/b.txt': 'b', 'top.txt': 'top' });
  });

  it('names in NFD are written in NFC', async () => {
    const dir = await freshDirectory();
    const result = await importFiles(dir, [item('Cafe\u0301.txt', 'nfd')], never);
    expect(result.added).toEqual(['Caf\u00e9.txt']);
    expect(Object.keys(await everything(dir))).toEqual(['Caf\u00e9.txt']);
  });

  it('replaces files already there only when allowed, asking once with all of them', async () => {
    const dir = await freshDirectory();
    await put(dir, 'a.txt', 'old a');
    await put(dir, 'sub/b.txt', 'old b');
    await put(dir, 'folder/inside.txt', 'kept');
    const items = [
      item('a.txt', 'new a'),
      item('sub/b.txt', 'new b'),
      item('c.txt', 'new c'),
      item('folder', 'x'),
    ];
    const asked: string[][] = [];
    const kept = await importFiles(dir, items, (paths) => {
      asked.push([...paths]);
      return false;
    });
    expect(asked).toEqual([['a.txt', 'sub/b.txt']]);
    expect(kept).toMatchObject({ added: ['c.txt'], replaced: [], kept: ['a.txt', 'sub/b.txt'] });
    expect(kept.skipped).toEqual([{ path: 'folder', reason: 'a folder of that name is already there' }]);
    expect(await everything(dir)).toMatchObject({ 'a.txt': 'old a', 'sub/b.txt': 'old b', 'c.txt': 'new c' });

    const replaced = await importFiles(dir, items.slice(0, 2), async () => true);
    expect(replaced).toMatchObject({ added: [], replaced: ['a.txt', 'sub/b.txt'], kept: [] });
    expect(await everything(dir)).toEqual({
      'a.txt': 'new a',
      'sub/b.txt': 'new b',
      'c.txt': 'new c',
      'folder/inside.txt': 'kept',
    });
  });

  it('skips a path whose folder would go where a file is', async () => {
    const dir = await freshDirectory();
    await put(dir, 'notes', 'a file');
    const result = await importFiles(dir, [item('notes/a.txt', 'a')], never);
    expect(result.skipped).toEqual([
      { path: 'notes/a.txt', reason: 'a file stands where its folder would go' },
    ]);
  });
});

describe('listing, reading and zipping a folder', () => {
  async function folderWithOwnFiles(): Promise<FileSystemDirectoryHandle> {
    const dir = await freshDirectory();
    await put(dir, '.tandem', '');
    await put(dir, '.tandem.partials/abc.path', 'x');
    await put(dir, 'sub/.tandem.1234.tmp', 'temp');
    await put(dir, 'b.txt.crswap', 'swap');
    await put(dir, 'b.txt', 'bee');
    await put(dir, '.tandemignore', '*.log\n');
    await put(dir, 'sub/deeper/ü.txt', 'umlaut');
    await put(dir, 'a.bin', '\u0000\u0001\u0002');
    return dir;
  }
  const theirs = ['.tandemignore', 'a.bin', 'b.txt', 'sub/deeper/ü.txt'];

  it('lists the folder’s files in path order, without Tandem’s own', async () => {
    const dir = await folderWithOwnFiles();
    const files = await listFiles(dir);
    expect(files.map((f) => f.path)).toEqual(theirs);
    expect(files.find((f) => f.path === 'b.txt')?.size).toBe(3);
    expect((await listFiles(dir, 2)).map((f) => f.path)).toEqual(theirs.slice(0, 2));
  });

  it('the zip holds exactly the folder’s files, byte for byte', async () => {
    const dir = await folderWithOwnFiles();
    const zip = new Uint8Array(await new Response(zipFolder(dir)).arrayBuffer());
    const entries = unzip(zip);
    expect([...entries.keys()]).toEqual(theirs);
    const decoded = Object.fromEntries(
      [...entries].map(([name, bytes]) => [name, new TextDecoder().decode(bytes)]),
    );
    expect(decoded).toEqual({
      '.tandemignore': '*.log\n',
      'a.bin': '\u0000\u0001\u0002',
      'b.txt': 'bee',
      'sub/deeper/ü.txt': 'umlaut',
    });
  });

  it('the zip of an empty folder is an empty zip', async () => {
    const dir = await freshDirectory();
    await put(dir, '.tandem', '');
    const zip = new Uint8Array(await new Response(zipFolder(dir)).arrayBuffer());
    expect(unzip(zip).size).toBe(0);
  });

  it('reads one file, and refuses Tandem’s own and invalid paths', async () => {
    const dir = await folderWithOwnFiles();
    expect(await (await readFile(dir, 'sub/deeper/ü.txt')).text()).toBe('umlaut');
    await expect(readFile(dir, '.tandem')).rejects.toThrow('Tandem keeps');
    await expect(readFile(dir, '../b.txt')).rejects.toThrow('segment');
    await expect(readFile(dir, 'missing.txt')).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('tells an app-private folder by its place in OPFS', async () => {
    expect(await isAppPrivate(await freshDirectory())).toBe(true);
  });
});

describe('.tandemignore round trip', () => {
  it('reads nothing as empty, writes, reads back, and refuses a file changed meanwhile', async () => {
    const dir = await freshDirectory();
    const first = await readIgnoreFile(dir);
    expect(first).toEqual({ text: '', stamp: 'absent' });
    const written = await writeIgnoreFile(dir, '*.log\nbuild/\n', first.stamp);
    expect(written.stamp).toMatchObject({ size: 13 });
    expect(await readIgnoreFile(dir)).toEqual(written);

    // Another device's rules arrive (the engine writes the file) while the editor is open.
    await new Promise((resolve) => setTimeout(resolve, 5)); // a new mtime
    await put(dir, '.tandemignore', '*.tmp\n');
    await expect(writeIgnoreFile(dir, 'mine\n', written.stamp)).rejects.toThrow(
      'changed since it was opened',
    );
    expect((await readIgnoreFile(dir)).text).toBe('*.tmp\n');
    // Creating it refuses too when one appeared meanwhile.
    await expect(writeIgnoreFile(dir, 'mine\n', 'absent')).rejects.toThrow('changed since');
  });

  it('refuses to write bad lines', async () => {
    const dir = await freshDirectory();
    await expect(writeIgnoreFile(dir, 'ok\n[abc\n', 'absent')).rejects.toThrow('line 2');
    expect((await readIgnoreFile(dir)).stamp).toBe('absent');
  });
});
