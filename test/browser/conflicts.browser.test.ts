/**
 * Conflicts over a real OPFS directory (src/app/conflicts.ts): the listing pairs each copy
 * with its original, and each choice makes exactly its file changes and nothing else.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { keepCopy, keepOriginal, listConflicts, readFileAt } from '../../src/app/conflicts.ts';

const COPY = 'one.sync-conflict-20240305-070809-PHONE.txt';
const NESTED_COPY = 'sub/deep/two.sync-conflict-20240305-070810-LAPTOP-2.md';
const base = navigator.storage.getDirectory();
let made = 0;

afterAll(async () => {
  const root = await base;
  for await (const name of root.keys()) await root.removeEntry(name, { recursive: true });
});

async function write(root: FileSystemDirectoryHandle, path: string, text: string): Promise<void> {
  const parts = path.split('/');
  const name = parts.pop()!;
  let dir = root;
  for (const part of parts) dir = await dir.getDirectoryHandle(part, { create: true });
  const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
  await writable.write(text);
  await writable.close();
}

/** Path → text of every file under `dir`. */
async function files(dir: FileSystemDirectoryHandle, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const [name, handle] of dir.entries()) {
    if (handle.kind === 'directory')
      Object.assign(out, await files(handle as FileSystemDirectoryHandle, `${prefix}${name}/`));
    else out[prefix + name] = await (await (handle as FileSystemFileHandle).getFile()).text();
  }
  return out;
}

function without(files: Record<string, string>, path: string): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([p]) => p !== path));
}

/** A folder with two conflicts, an orphan copy, the app's own files and plain files. */
async function folder(): Promise<FileSystemDirectoryHandle> {
  const root = await (await base).getDirectoryHandle(`conflicts-${made++}`, { create: true });
  await write(root, 'one.txt', 'laptop version');
  await write(root, COPY, 'phone version, longer');
  await write(root, 'sub/deep/two.md', 'two');
  await write(root, NESTED_COPY, 'two elsewhere');
  await write(root, 'gone.sync-conflict-20240305-070811-X.bin', 'orphan');
  await write(root, 'plain.txt', 'no conflict');
  await write(root, '.tandem', 'marker');
  await write(root, '.tandem.partials/abc.sync-conflict-20240305-070809-X.part', 'not the person’s');
  return root;
}

describe('listConflicts', () => {
  it('pairs each copy with its original, sizes and times included, skipping the app’s own files', async () => {
    const root = await folder();
    const listed = await listConflicts(root);
    expect(listed.map((c) => [c.original, c.copy.path, c.current?.path])).toEqual([
      ['gone.bin', 'gone.sync-conflict-20240305-070811-X.bin', undefined],
      ['one.txt', COPY, 'one.txt'],
      ['sub/deep/two.md', NESTED_COPY, 'sub/deep/two.md'],
    ]);
    const one = listed[1]!;
    const file = await readFileAt(root, 'one.txt');
    expect(one.current).toEqual({ path: 'one.txt', size: 14, modified: file.lastModified });
    expect(one.copy.size).toBe('phone version, longer'.length);
  });
});

describe('keeping one version', () => {
  it('keep the original: only the copy goes', async () => {
    const root = await folder();
    const before = await files(root);
    const one = (await listConflicts(root)).find((c) => c.original === 'one.txt')!;
    await keepOriginal(root, one);
    expect(await files(root)).toEqual(without(before, COPY));
  });

  it('keep the copy: the original holds its bytes and the copy goes', async () => {
    const root = await folder();
    const before = await files(root);
    const two = (await listConflicts(root)).find((c) => c.original === 'sub/deep/two.md')!;
    await keepCopy(root, two);
    expect(await files(root)).toEqual({
      ...without(before, NESTED_COPY),
      'sub/deep/two.md': 'two elsewhere',
    });
  });

  it('keep the copy of a file that is gone: it takes the name; keeping the missing original is refused', async () => {
    const root = await folder();
    const orphan = (await listConflicts(root)).find((c) => c.original === 'gone.bin')!;
    await expect(keepOriginal(root, orphan)).rejects.toThrow(/gone/);
    await keepCopy(root, orphan);
    const after = await files(root);
    expect(after['gone.bin']).toBe('orphan');
    expect(Object.keys(after).filter((p) => p.startsWith('gone.'))).toEqual(['gone.bin']);
  });

  it('refuses to discard a version that changed since it was listed, and changes nothing', async () => {
    const root = await folder();
    const one = (await listConflicts(root)).find((c) => c.original === 'one.txt')!;
    await write(root, COPY, 'edited again on this device');
    const before = await files(root);
    await expect(keepOriginal(root, one)).rejects.toThrow(/changed since/);
    await write(root, 'one.txt', 'laptop version, edited');
    const edited = await files(root);
    const fresh = (await listConflicts(root)).find((c) => c.original === 'one.txt')!;
    await write(root, 'one.txt', 'and again');
    await expect(keepCopy(root, fresh)).rejects.toThrow(/changed since/);
    expect(before[COPY]).toBe('edited again on this device');
    expect(await files(root)).toEqual({ ...edited, 'one.txt': 'and again' });
  });
});
