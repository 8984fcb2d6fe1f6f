/**
 * HandleVolume's partials through the access-handle worker (folders in OPFS): the Volume
 * contract again, then what only this way of writing brings — bytes written in place with
 * no writable (no swap copy), a reload that kills the worker and its locks, and a failed
 * write that lets go of its handle.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { AccessHandleWorker, type AccessHandles } from '../../src/adapters/volume/AccessHandleWorker.ts';
import { HandleVolume } from '../../src/adapters/volume/HandleVolume.ts';
import { describeVolumeContract } from '../contracts/volume.ts';
import { clearOpfs, decode, freshDirectory, KEY, pause, text } from './opfsFolders.ts';

const workers: AccessHandleWorker[] = [];

function worker(): AccessHandleWorker {
  const made = new AccessHandleWorker();
  workers.push(made);
  return made;
}

afterAll(async () => {
  for (const w of workers) w.terminate();
  await clearOpfs();
});

const shared = worker();

describeVolumeContract('HandleVolume over OPFS, partials through access handles', async () => {
  const dir = await freshDirectory('handles');
  return {
    volume: new HandleVolume(dir, { accessHandles: shared }),
    removeMarker: () => dir.removeEntry('.tandem'),
    letTimePass: () => pause(20),
  };
});

/** Counts the writables opened on files named like partials while `run` runs. */
async function writablesOnPartials(run: () => Promise<void>): Promise<number> {
  const proto = FileSystemFileHandle.prototype;
  const createWritable = proto.createWritable;
  let count = 0;
  proto.createWritable = function (this: FileSystemFileHandle, options) {
    if (this.name.endsWith('.part')) count++;
    return createWritable.call(this, options);
  };
  try {
    await run();
  } finally {
    proto.createWritable = createWritable;
  }
  return count;
}

describe('HandleVolume partials through access handles', () => {
  it('writes, reads and commits a partial in place: no writable is ever opened on it', async () => {
    const volume = new HandleVolume(await freshDirectory('handles'), { accessHandles: shared });
    await volume.placeMarker();
    const block = new Uint8Array(1 << 20).fill(7);
    const opened = await writablesOnPartials(async () => {
      const partial = await volume.openPartial('big.bin', KEY);
      for (let i = 0; i < 12; i++) await partial.write(i * block.length, block);
      expect(Array.from(await partial.read(5 * block.length - 1, 2))).toEqual([7, 7]);
      await partial.commit('absent');
    });
    expect(opened).toBe(0);
    const source = await volume.source('big.bin');
    expect(source.size).toBe(12 << 20);
    expect(Array.from(await source.read((12 << 20) - 1, 1))).toEqual([7]);
  });

  it('starts its worker at the first partial that needs it, not before', async () => {
    let started = 0;
    const lazy = new AccessHandleWorker(() => {
      started++;
      return new Worker(new URL('../../workers/accessHandle.worker.ts', import.meta.url), { type: 'module' });
    });
    workers.push(lazy);
    const volume = new HandleVolume(await freshDirectory('handles'), { accessHandles: lazy });
    await volume.placeMarker();
    await volume.writeAtomically(
      'small.txt',
      (async function* () {
        yield text('no partial');
      })(),
    );
    expect(started).toBe(0);
    const partial = await volume.openPartial('f.bin', KEY);
    await partial.write(0, text('now'));
    expect(started).toBe(1);
    await partial.commit('absent');
  });

  it('keeps what it wrote across a reload that kills the worker, and the new page resumes it', async () => {
    const dir = await freshDirectory('handles');
    const before = worker();
    const first = new HandleVolume(dir, { accessHandles: before });
    await first.placeMarker();
    const partial = await first.openPartial('deep/f.bin', KEY);
    await partial.write(0, text('kept across '));
    await partial.write(12, text('a reload'));
    before.terminate(); // the page goes, and the handle's lock with it

    const second = new HandleVolume(dir, { accessHandles: worker() });
    const listed = [];
    for await (const p of second.partials()) listed.push(p);
    expect(listed.map((p) => [p.path, p.key])).toEqual([['deep/f.bin', KEY]]);
    const resumed = await second.openPartial('deep/f.bin', KEY);
    expect(decode(await resumed.read(0, 100))).toBe('kept across a reload');
    await resumed.write(20, text('!'));
    await resumed.commit('absent');
    const source = await second.source('deep/f.bin');
    expect(decode(await source.read(0, 100))).toBe('kept across a reload!');
  });

  it('lets go of an idle partial, so another handle can open it', async () => {
    const dir = await freshDirectory('handles');
    const volume = new HandleVolume(dir, { accessHandles: shared });
    await volume.placeMarker();
    const partial = await volume.openPartial('f.bin', KEY);
    await partial.write(0, text('idle bytes'));
    const other = worker();
    const partials = await dir.getDirectoryHandle('.tandem.partials');
    const file = await partials.getFileHandle(await partName(partials));
    // Bounded: the idle release is due after about a second.
    const opens = async () => {
      try {
        await other.close((await other.open(file)).id);
        return true;
      } catch {
        return false;
      }
    };
    expect(await opens()).toBe(false); // held while in use
    await expect.poll(opens, { timeout: 5_000 }).toBe(true);
    expect(decode(await partial.read(0, 100))).toBe('idle bytes');
  });

  it('a write that fails (out of space) says so; the partial works again after, through a fresh handle', async () => {
    let refuse = false;
    const failing: AccessHandles = {
      open: (file) => shared.open(file),
      write: (id, offset, bytes) =>
        refuse
          ? Promise.reject(new DOMException('the quota is full', 'QuotaExceededError'))
          : shared.write(id, offset, bytes),
      read: (id, offset, length) => shared.read(id, offset, length),
      flush: (id) => shared.flush(id),
      close: (id) => shared.close(id),
    };
    const volume = new HandleVolume(await freshDirectory('handles'), { accessHandles: failing });
    await volume.placeMarker();
    const partial = await volume.openPartial('f.bin', KEY);
    await partial.write(0, text('written '));
    refuse = true;
    await expect(partial.write(8, text('refused'))).rejects.toThrow(/out of storage space/);
    refuse = false;
    await partial.write(8, text('and the rest'));
    expect(decode(await partial.read(0, 100))).toBe('written and the rest');
    expect((await partial.commit('absent')).size).toBe(20);
  });
});

async function partName(partials: FileSystemDirectoryHandle): Promise<string> {
  for await (const name of partials.keys()) if (name.endsWith('.part')) return name;
  throw new Error('no partial file');
}
