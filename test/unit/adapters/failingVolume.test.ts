import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { FailingVolume } from '../../../src/adapters/volume/FailingVolume.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { VolumeUnavailableError, type VolumeEntry } from '../../../src/ports/Volume.ts';

const text = (s: string) => new TextEncoder().encode(s);
async function* chunksOf(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield text(part);
}

function failing() {
  const inner = new MemoryVolume({ clock: new ManualClock(), marker: true });
  return { inner, volume: new FailingVolume(inner) };
}

describe('FailingVolume', () => {
  it('fails the chosen operation once, then passes calls through again', async () => {
    const { volume } = failing();
    volume.fail({ operation: 'stat' });
    await expect(volume.stat('a')).rejects.toBeInstanceOf(VolumeUnavailableError);
    expect(await volume.stat('a')).toBeUndefined();
  });

  it('fails only calls on the chosen path, as many times as asked, with the error given', async () => {
    const { volume } = failing();
    const denied = new DOMException('permission revoked', 'NotAllowedError');
    volume.fail({ operation: 'writeAtomically', path: 'locked.txt', error: denied, times: 2 });
    await volume.writeAtomically('other.txt', chunksOf('fine'));
    await expect(volume.writeAtomically('locked.txt', chunksOf('x'))).rejects.toBe(denied);
    await expect(volume.writeAtomically('locked.txt', chunksOf('x'))).rejects.toBe(denied);
    await volume.writeAtomically('locked.txt', chunksOf('x'));
  });

  it('breaks a chunk stream midway so the wrapped volume must clean up', async () => {
    const { inner, volume } = failing();
    await volume.writeAtomically('f.txt', chunksOf('original'));
    volume.fail({ operation: 'writeAtomically', afterChunks: 1 });
    await expect(volume.writeAtomically('f.txt', chunksOf('new', ' data'))).rejects.toBeInstanceOf(
      VolumeUnavailableError,
    );
    const source = await inner.source('f.txt');
    expect(new TextDecoder().decode(await source.read(0, source.size))).toBe('original');
  });

  it('fails reads of an opened file, and listings', async () => {
    const { volume } = failing();
    await volume.writeAtomically('f.txt', chunksOf('abc'));
    const source = await volume.source('f.txt');
    volume.fail({ operation: 'read', times: Infinity });
    volume.fail({ operation: 'list' });
    await expect(source.read(0, 3)).rejects.toBeInstanceOf(VolumeUnavailableError);
    await expect(source.read(0, 3)).rejects.toBeInstanceOf(VolumeUnavailableError);
    const listing = async () => {
      const all: VolumeEntry[] = [];
      for await (const entry of volume.list()) all.push(entry);
      return all;
    };
    await expect(listing()).rejects.toBeInstanceOf(VolumeUnavailableError);
    volume.heal();
    expect(await source.read(0, 3)).toEqual(text('abc'));
    expect(await listing()).toHaveLength(1);
  });

  it('fails partial writes and commits, and tears a write as a power cut would', async () => {
    const { inner, volume } = failing();
    const key = 'ab'.repeat(32);
    const partial = await volume.openPartial!('f.bin', key);
    volume.fail({ operation: 'partialWrite', path: 'f.bin' });
    await expect(partial.write(0, text('lost'))).rejects.toBeInstanceOf(VolumeUnavailableError);
    volume.fail({ operation: 'partialWrite', torn: true });
    await partial.write(0, text('12345678'));
    expect(await partial.read(0, 8)).toEqual(text('1234'));
    volume.fail({ operation: 'partialCommit' });
    await expect(partial.commit('absent')).rejects.toBeInstanceOf(VolumeUnavailableError);
    expect(await inner.stat('f.bin')).toBeUndefined();
    await partial.commit('absent');
    expect(await inner.stat('f.bin')).toMatchObject({ size: 4 });
  });

  it('fails opening and listing partials; listed partials are wrapped too', async () => {
    const { inner, volume } = failing();
    const key = 'cd'.repeat(32);
    await (await inner.openPartial('g.bin', key)).write(0, text('g'));
    volume.fail({ operation: 'openPartial' });
    await expect(volume.openPartial!('g.bin', key)).rejects.toBeInstanceOf(VolumeUnavailableError);
    const listing = async () => {
      const all = [];
      for await (const partial of volume.partials!()) all.push(partial);
      return all;
    };
    volume.fail({ operation: 'partials' });
    await expect(listing()).rejects.toBeInstanceOf(VolumeUnavailableError);
    const [listed] = await listing();
    volume.fail({ operation: 'partialRead', path: 'g.bin' });
    await expect(listed!.read(0, 1)).rejects.toBeInstanceOf(VolumeUnavailableError);
    volume.fail({ operation: 'partialDiscard' });
    await expect(listed!.discard()).rejects.toBeInstanceOf(VolumeUnavailableError);
    await listed!.discard();
    expect(await listing()).toEqual([]);
  });
});
