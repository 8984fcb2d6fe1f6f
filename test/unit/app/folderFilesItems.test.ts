/** What a drop or a file input turns into, and how an import is told to people. */
import { describe, expect, it } from 'vitest';
import { describeImport, isOwnName, itemsFromEntries, itemsFromFiles } from '../../../src/app/folderFiles.ts';

/** A dropped entry tree as `webkitGetAsEntry` hands it out; directories answer in batches of 2. */
function fileEntry(fullPath: string, text: string): FileSystemEntry {
  const name = fullPath.slice(fullPath.lastIndexOf('/') + 1);
  const file = new File([text], name);
  return {
    isFile: true,
    isDirectory: false,
    name,
    fullPath,
    file: (ok: (f: File) => void) => ok(file),
  } as unknown as FileSystemEntry;
}

function dirEntry(fullPath: string, children: FileSystemEntry[]): FileSystemEntry {
  return {
    isFile: false,
    isDirectory: true,
    name: fullPath.slice(fullPath.lastIndexOf('/') + 1),
    fullPath,
    createReader: () => {
      const left = [...children];
      return { readEntries: (ok: (batch: FileSystemEntry[]) => void) => ok(left.splice(0, 2)) };
    },
  } as unknown as FileSystemEntry;
}

describe('itemsFromEntries', () => {
  it('walks dropped folders batch by batch, keeping each file’s path below the drop', async () => {
    const trip = dirEntry('/Trip', [
      fileEntry('/Trip/a.txt', 'a'),
      fileEntry('/Trip/b.txt', 'b'),
      fileEntry('/Trip/c.txt', 'c'),
      dirEntry('/Trip/day 1', [fileEntry('/Trip/day 1/d.txt', 'd')]),
      dirEntry('/Trip/empty', []),
    ]);
    const items = await itemsFromEntries([trip, fileEntry('/loose.txt', 'loose')]);
    expect(items.map((i) => i.path).sort()).toEqual([
      'Trip/a.txt',
      'Trip/b.txt',
      'Trip/c.txt',
      'Trip/day 1/d.txt',
      'loose.txt',
    ]);
    const d = items.find((i) => i.path === 'Trip/day 1/d.txt')!;
    expect(await d.file.text()).toBe('d');
  });

  it('rejects with the entry’s own error', async () => {
    const broken = {
      isFile: true,
      isDirectory: false,
      name: 'x',
      fullPath: '/x',
      file: (_ok: unknown, fail: (e: Error) => void) => fail(new Error('NotReadableError')),
    } as unknown as FileSystemEntry;
    await expect(itemsFromEntries([broken])).rejects.toThrow('NotReadableError');
  });
});

describe('itemsFromFiles', () => {
  it('uses the relative path of a picked folder, else the name', () => {
    const inFolder = new File(['x'], 'x.txt');
    Object.defineProperty(inFolder, 'webkitRelativePath', { value: 'Trip/sub/x.txt' });
    const plain = new File(['y'], 'y.txt');
    expect(itemsFromFiles([inFolder, plain]).map((i) => i.path)).toEqual(['Trip/sub/x.txt', 'y.txt']);
  });
});

describe('isOwnName', () => {
  it('covers the marker, Tandem’s temporary names and Chromium’s swap files, in any case', () => {
    for (const name of [
      '.tandem',
      '.TANDEM',
      '.tandem.partials',
      '.tandem.abc.tmp',
      'a.txt.crswap',
      'B.CRSWAP',
    ])
      expect(isOwnName(name), name).toBe(true);
    for (const name of ['.tandemignore', 'tandem', 'a.tandem', '.tandemx'])
      expect(isOwnName(name), name).toBe(false);
  });
});

describe('describeImport', () => {
  it('says what was imported, replaced, kept and skipped', () => {
    expect(describeImport({ added: ['a'], replaced: [], kept: [], skipped: [] })).toBe('Imported 1 file.');
    expect(
      describeImport({
        added: ['a', 'b'],
        replaced: ['c'],
        kept: ['d'],
        skipped: [{ path: 'e:f', reason: 'bad' }],
      }),
    ).toBe('Imported 3 files (1 replaced); kept 1 file already there; skipped 1 file (e:f: bad).');
    const many = Array.from({ length: 5 }, (_, i) => ({ path: `p${i}`, reason: 'r' }));
    expect(describeImport({ added: [], replaced: [], kept: [], skipped: many })).toContain('and 2 more');
  });
});
