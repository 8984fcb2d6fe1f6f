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
});
