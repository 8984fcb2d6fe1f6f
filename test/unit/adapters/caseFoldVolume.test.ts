import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { CaseFoldVolume } from '../../../src/adapters/volume/CaseFoldVolume.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { AlreadyExistsError, ChangedMeanwhileError, InvalidPathError } from '../../../src/ports/Volume.ts';

const text = (s: string) => new TextEncoder().encode(s);
async function* chunksOf(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield text(part);
}

async function paths(volume: CaseFoldVolume): Promise<string[]> {
  const all: string[] = [];
  for await (const entry of volume.list()) all.push(entry.path);
  return all.sort();
}

async function contents(volume: CaseFoldVolume, path: string): Promise<string> {
  const source = await volume.source(path);
  return new TextDecoder().decode(await source.read(0, source.size));
}

const folded = () => new CaseFoldVolume(new MemoryVolume({ clock: new ManualClock(), marker: true }));

describe('CaseFoldVolume', () => {
  it('treats two spellings of a path as one file, keeping the first spelling', async () => {
    const volume = folded();
    await volume.writeAtomically('Docs/README.md', chunksOf('first'));
    await volume.writeAtomically('docs/readme.md', chunksOf('second'));
    expect(await paths(volume)).toEqual(['Docs', 'Docs/README.md']);
    expect(await contents(volume, 'DOCS/Readme.MD')).toBe('second');
    expect(await volume.stat('docs/README.md')).toMatchObject({ path: 'Docs/README.md', size: 6 });
  });

  it('sees a file created in another case as a change to one expected absent', async () => {
    const volume = folded();
    await volume.writeAtomically('Photo.JPG', chunksOf('from the camera'));
    await expect(
      volume.writeAtomically('photo.jpg', chunksOf('from a peer'), 'absent'),
    ).rejects.toBeInstanceOf(ChangedMeanwhileError);
  });

  it('allows a rename that changes only the case, and refuses one onto another file', async () => {
    const volume = folded();
    await volume.writeAtomically('dir/a.txt', chunksOf('a'));
    await volume.writeAtomically('dir/b.txt', chunksOf('b'));
    await volume.rename('DIR/a.txt', 'dir/A.txt');
    expect(await paths(volume)).toEqual(['dir', 'dir/A.txt', 'dir/b.txt']);
    await expect(volume.rename('dir/A.txt', 'DIR/B.TXT')).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it('removes and makes directories through any spelling', async () => {
    const volume = folded();
    await volume.mkdir('Music/Albums');
    await volume.mkdir('music/albums/New');
    expect(await paths(volume)).toEqual(['Music', 'Music/Albums', 'Music/Albums/New']);
    await volume.remove('MUSIC/ALBUMS/NEW');
    expect(await paths(volume)).toEqual(['Music', 'Music/Albums']);
  });

  it('refuses the marker in any case', async () => {
    await expect(folded().stat('.TANDEM')).rejects.toBeInstanceOf(InvalidPathError);
  });

  it('commits a partial over the file at its existing spelling', async () => {
    const volume = folded();
    const old = await volume.writeAtomically('Docs/README.md', chunksOf('old'));
    const partial = await volume.openPartial!('docs/readme.md', 'ab'.repeat(32));
    await partial.write(0, text('new'));
    await partial.commit({ size: old.size, mtime: old.mtime });
    expect(await paths(volume)).toEqual(['Docs', 'Docs/README.md']);
    expect(await contents(volume, 'docs/readme.md')).toBe('new');
  });

  it('a partial whose path appeared meanwhile in another case does not commit beside it', async () => {
    const volume = folded();
    const partial = await volume.openPartial!('photo.jpg', 'ab'.repeat(32));
    await partial.write(0, text('from a peer'));
    await volume.writeAtomically('Photo.JPG', chunksOf('from the camera'));
    await expect(partial.commit('absent')).rejects.toBeInstanceOf(ChangedMeanwhileError);
    expect(await paths(volume)).toEqual(['Photo.JPG']);
    expect(await contents(volume, 'photo.jpg')).toBe('from the camera');
  });
});
