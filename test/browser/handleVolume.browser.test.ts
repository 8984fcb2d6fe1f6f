/**
 * HandleVolume in Chromium over OPFS: the Volume contract, then what it does not cover —
 * partials surviving a reload (a second volume over the same directory) and the watch
 * seeing a change made through another handle.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { HandleVolume } from '../../src/adapters/volume/HandleVolume.ts';
import { VolumeUnavailableError } from '../../src/ports/Volume.ts';
import { describeVolumeContract } from '../contracts/volume.ts';
import { clearOpfs, decode, freshDirectory, KEY, opfsRoot, pause, text } from './opfsFolders.ts';

afterAll(async () => {
  await clearOpfs();
});

describeVolumeContract('HandleVolume over OPFS', async () => {
  const dir = await freshDirectory('volume');
  return {
    volume: new HandleVolume(dir),
    removeMarker: () => dir.removeEntry('.tandem'),
    letTimePass: () => pause(20),
  };
});

describe('HandleVolume beyond the contract', () => {
  it('offers watch in Chromium (FileSystemObserver)', () => {
    expect(typeof FileSystemObserver).toBe('function');
    expect(new HandleVolume({} as FileSystemDirectoryHandle).watch).toBeTypeOf('function');
  });

  it('keeps partial downloads across a reload: a new volume over the directory finds them', async () => {
    const dir = await freshDirectory('volume');
    const first = new HandleVolume(dir);
    await first.placeMarker();
    const partial = await first.openPartial('deep/dir/f.bin', KEY);
    await partial.write(0, text('kept across '));
    await partial.write(12, text('a reload'));
    expect(await partial.size()).toBe(20);
    // Reads flush what was written, as the idle timer and the size threshold do.
    expect(decode(await partial.read(0, 100))).toBe('kept across a reload');

    const second = new HandleVolume(dir);
    const listed = [];
    for await (const p of second.partials()) listed.push(p);
    expect(listed.map((p) => [p.path, p.key])).toEqual([['deep/dir/f.bin', KEY]]);
    expect(await listed[0]!.size()).toBe(20);
    const resumed = await second.openPartial('deep/dir/f.bin', KEY);
    expect(decode(await resumed.read(0, 100))).toBe('kept across a reload');
    await resumed.write(20, text('!'));
    expect(await resumed.commit('absent')).toMatchObject({ path: 'deep/dir/f.bin', size: 21 });
    const source = await second.source('deep/dir/f.bin');
    expect(decode(await source.read(0, 100))).toBe('kept across a reload!');
    const after = [];
    for await (const p of second.partials()) after.push(p);
    expect(after).toEqual([]);
  });

  it('a write that fails (out of space) loses only the unflushed bytes: the partial works again after', async () => {
    const dir = await freshDirectory('volume');
    const volume = new HandleVolume(dir);
    await volume.placeMarker();
    const partial = await volume.openPartial('f.bin', KEY);
    await partial.write(0, text('flushed '));
    expect(await partial.size()).toBe(8);
    await partial.read(0, 1); // a read flushes
    await partial.write(8, text('lost '));
    // The browser's answer when the origin's storage is full: the stream errors for good.
    const proto = FileSystemWritableFileStream.prototype;
    const write = proto.write;
    proto.write = () => Promise.reject(new DOMException('the quota is full', 'QuotaExceededError'));
    try {
      await expect(partial.write(13, text('refused'))).rejects.toThrow(/out of storage space/);
    } finally {
      proto.write = write;
    }
    expect(await partial.size()).toBe(8);
    await partial.write(8, text('and the rest'));
    expect(decode(await partial.read(0, 100))).toBe('flushed and the rest');
    const entry = await partial.commit('absent');
    expect(entry.size).toBe(20);
  });

  it('flushes an idle partial on its own, so a reload keeps bytes written a moment ago', async () => {
    const dir = await freshDirectory('volume');
    const first = new HandleVolume(dir);
    await first.placeMarker();
    const partial = await first.openPartial('f.bin', KEY);
    await partial.write(0, text('idle bytes'));
    // Each poll is a fresh page load. Bounded: the idle flush is due after about a second.
    const afterReload = async () => (await new HandleVolume(dir).openPartial('f.bin', KEY)).size();
    await expect.poll(afterReload, { timeout: 5_000 }).toBe(10);
  });

  it('calls at once share their looks at the marker, and a call after its removal still sees it gone', async () => {
    const dir = await freshDirectory('volume');
    const volume = new HandleVolume(dir);
    await volume.placeMarker();
    const partial = await volume.openPartial('f.bin', KEY);
    const proto = FileSystemDirectoryHandle.prototype;
    const getFileHandle = proto.getFileHandle;
    let looks = 0;
    proto.getFileHandle = function (this: FileSystemDirectoryHandle, name, options) {
      if (name === '.tandem') looks++;
      return getFileHandle.call(this, name, options);
    };
    try {
      await Promise.all(Array.from({ length: 16 }, (_, i) => partial.write(i * 4, text('abcd'))));
      expect(looks).toBeGreaterThan(0);
      expect(looks).toBeLessThanOrEqual(3);
      // A look under way when the marker goes does not answer a call made after.
      const during = partial.write(64, text('x'));
      await dir.removeEntry('.tandem');
      await expect(partial.write(65, text('y'))).rejects.toMatchObject({ why: 'marker-missing' });
      await during.catch(() => undefined);
    } finally {
      proto.getFileHandle = getFileHandle;
      await volume.placeMarker();
      await partial.discard(); // its open writable would block the clean-up
    }
  });

  it('reports a change made through another handle to the same directory', async () => {
    const dir = await freshDirectory('volume');
    const volume = new HandleVolume(dir);
    await volume.placeMarker();
    await volume.mkdir('sub');
    const seen: (string | undefined)[] = [];
    const stop = volume.watch!((change) => seen.push(change.path));
    try {
      await pause(100); // observe() starts asynchronously
      const other = await (
        await dir.getDirectoryHandle('sub')
      ).getFileHandle('outside.txt', { create: true });
      const writable = await other.createWritable();
      await writable.write('written by someone else');
      await writable.close();
      await expect
        .poll(() => seen.includes('sub/outside.txt') || seen.includes(undefined), { timeout: 5_000 })
        .toBe(true);
      expect(seen.some((path) => path?.endsWith('.crswap'))).toBe(false);
    } finally {
      stop();
    }
  });

  it('reads a large file by range and never returns bytes of two versions', async () => {
    const dir = await freshDirectory('volume');
    const volume = new HandleVolume(dir);
    await volume.placeMarker();
    const size = 8 * 1024 * 1024;
    async function* big() {
      for (let at = 0; at < size; at += 1024 * 1024)
        yield new Uint8Array(1024 * 1024).fill(at / (1024 * 1024));
    }
    await volume.writeAtomically('big.bin', big());
    const source = await volume.source('big.bin');
    expect(source.size).toBe(size);
    expect(Array.from(await source.read(3 * 1024 * 1024 - 2, 4))).toEqual([2, 2, 3, 3]);
  });

  it('reports a removed root as gone, not as an empty folder', async () => {
    const dir = await freshDirectory('volume');
    const volume = new HandleVolume(dir);
    await volume.placeMarker();
    await (await opfsRoot).removeEntry(dir.name, { recursive: true });
    await expect(volume.hasMarker()).rejects.toMatchObject({ code: 'unavailable', why: 'gone' });
    await expect(volume.stat('x')).rejects.toBeInstanceOf(VolumeUnavailableError);
  });

  it('hides and refuses browser swap files', async () => {
    const dir = await freshDirectory('volume');
    const volume = new HandleVolume(dir);
    await volume.placeMarker();
    await dir.getFileHandle('f.txt.crswap', { create: true });
    const listed = [];
    for await (const entry of volume.list()) listed.push(entry.path);
    expect(listed).toEqual([]);
    await expect(volume.stat('f.txt.crswap')).rejects.toMatchObject({ code: 'invalid-path' });
  });
});
