import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { CaseFoldVolume } from '../../../src/adapters/volume/CaseFoldVolume.ts';
import { FailingVolume } from '../../../src/adapters/volume/FailingVolume.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { ChangedMeanwhileError } from '../../../src/ports/Volume.ts';
import { describeVolumeContract, type VolumeFixture } from '../../contracts/volume.ts';

function memoryFixture(wrap: (volume: MemoryVolume) => VolumeFixture['volume'] = (v) => v): VolumeFixture {
  const clock = new ManualClock();
  const memory = new MemoryVolume({ clock });
  return {
    volume: wrap(memory),
    removeMarker: () => memory.removeMarker(),
    letTimePass: () => void clock.advance(1000),
  };
}

describeVolumeContract('MemoryVolume', () => memoryFixture());
describeVolumeContract('FailingVolume without faults', () => memoryFixture((v) => new FailingVolume(v)));
describeVolumeContract('CaseFoldVolume', () => memoryFixture((v) => new CaseFoldVolume(v)));

describe('MemoryVolume', () => {
  const text = (s: string) => new TextEncoder().encode(s);
  async function* chunksOf(...parts: string[]): AsyncGenerator<Uint8Array> {
    for (const part of parts) yield text(part);
  }

  it('stamps writes with the clock, so writes at one virtual instant share an mtime', async () => {
    const clock = new ManualClock(1_000_000);
    const volume = new MemoryVolume({ clock, marker: true });
    expect(await volume.writeAtomically('a', chunksOf('x'))).toMatchObject({ mtime: 1_000_000 });
    expect(await volume.writeAtomically('a', chunksOf('y'))).toMatchObject({ mtime: 1_000_000 });
    clock.advance(1500);
    expect(await volume.writeAtomically('a', chunksOf('z'))).toMatchObject({ mtime: 1_001_500 });
  });

  it('rejects reads of an opened file once it is replaced, as a browser File does', async () => {
    const volume = new MemoryVolume({ clock: new ManualClock(), marker: true });
    await volume.writeAtomically('f', chunksOf('old'));
    const source = await volume.source('f');
    await volume.remove('f');
    await expect(source.read(0, 3)).rejects.toBeInstanceOf(ChangedMeanwhileError);
  });

  it('keeps the bytes it was given apart from the caller’s buffers', async () => {
    const volume = new MemoryVolume({ clock: new ManualClock(), marker: true });
    const buffer = text('abc');
    async function* once() {
      yield buffer;
    }
    await volume.writeAtomically('f', once());
    buffer.fill(0);
    const source = await volume.source('f');
    expect(await source.read(0, 3)).toEqual(text('abc'));
  });

  it('tells watchers of every change, parents included', async () => {
    const volume = new MemoryVolume({ clock: new ManualClock(), marker: true });
    const seen: (string | undefined)[] = [];
    volume.watch((change) => seen.push(change.path));
    await volume.writeAtomically('d/f', chunksOf('x'));
    await volume.rename('d/f', 'g');
    await volume.remove('d');
    expect(seen).toEqual(['d', 'd/f', 'd/f', 'g', 'd']);
  });

  it('keeps partial downloads in the volume object, out of the watch, until one is committed', async () => {
    const volume = new MemoryVolume({ clock: new ManualClock(), marker: true });
    const seen: (string | undefined)[] = [];
    volume.watch((change) => seen.push(change.path));
    const partial = await volume.openPartial('d/f.bin', 'ab'.repeat(32));
    await partial.write(0, text('bytes the caller reuses'));
    expect(seen).toEqual([]);
    // A "restart": whoever holds the same volume object finds the partial again.
    const [found] = await (async () => {
      const all = [];
      for await (const p of volume.partials()) all.push(p);
      return all;
    })();
    expect(new TextDecoder().decode(await found!.read(0, 5))).toBe('bytes');
    await found!.commit('absent');
    expect(seen).toEqual(['d', 'd/f.bin']);
  });

  it('keeps a partial’s bytes apart from what its reads return, overlapping writes in order', async () => {
    const volume = new MemoryVolume({ clock: new ManualClock(), marker: true });
    const partial = await volume.openPartial('f', 'ab'.repeat(32));
    await partial.write(1, text('xc'));
    await partial.write(0, text('ab'));
    const read = await partial.read(0, 3);
    expect(read).toEqual(text('abc'));
    read.fill(0);
    await partial.commit();
    const source = await volume.source('f');
    expect(await source.read(0, 3)).toEqual(text('abc'));
  });
});
