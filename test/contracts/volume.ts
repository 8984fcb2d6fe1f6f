/**
 * The Volume contract: what every volume adapter (and every wrapper in pass-through mode)
 * must do. An adapter's test calls `describeVolumeContract` with a factory of fresh, empty
 * folders without a marker.
 */
import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  ChangedMeanwhileError,
  InvalidPathError,
  NotEmptyError,
  NotFoundError,
  VolumeUnavailableError,
  WrongKindError,
  type PartialFile,
  type Volume,
  type VolumeEntry,
} from '../../src/ports/Volume.ts';

export interface VolumeFixture {
  /** An empty folder, marker not yet placed. */
  readonly volume: Volume;
  /** Deletes the marker behind the volume's back (the folder was emptied or unmounted). */
  removeMarker(): Promise<void> | void;
  /** Lets enough time pass that the next write gets a later mtime. */
  letTimePass(): Promise<void> | void;
}

const text = (s: string) => new TextEncoder().encode(s);

async function* chunksOf(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield text(part);
}

async function* failingAfter(first: string): AsyncGenerator<Uint8Array> {
  yield text(first);
  throw new Error('the peer went away mid-file');
}

async function entries(volume: Volume): Promise<VolumeEntry[]> {
  const all: VolumeEntry[] = [];
  for await (const entry of volume.list()) all.push(entry);
  return all;
}

async function contents(volume: Volume, path: string): Promise<string> {
  const source = await volume.source(path);
  return new TextDecoder().decode(await source.read(0, source.size));
}

/** The partial-download methods, which every adapter must offer (optional on the port for test doubles). */
function partialsOf(volume: Volume): Required<Pick<Volume, 'openPartial' | 'partials'>> {
  if (!volume.openPartial || !volume.partials) throw new Error('this volume has no partial downloads');
  return { openPartial: volume.openPartial.bind(volume), partials: volume.partials.bind(volume) };
}

async function listPartials(volume: Volume): Promise<PartialFile[]> {
  const all: PartialFile[] = [];
  for await (const partial of partialsOf(volume).partials()) all.push(partial);
  return all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Keys as the engine makes them: a file hash in lowercase hex. */
const KEY_A = 'a1'.repeat(32);
const KEY_B = 'b2'.repeat(32);

export function describeVolumeContract(
  name: string,
  make: () => VolumeFixture | Promise<VolumeFixture>,
): void {
  describe(`${name} (Volume contract)`, () => {
    const open = async () => {
      const fixture = await make();
      await fixture.volume.placeMarker();
      return fixture;
    };

    describe('marker', () => {
      it('a fresh folder has no marker, and refuses to list until one is placed', async () => {
        const { volume } = await make();
        expect(await volume.hasMarker()).toBe(false);
        await expect(entries(volume)).rejects.toBeInstanceOf(VolumeUnavailableError);
        await volume.placeMarker();
        await volume.placeMarker();
        expect(await volume.hasMarker()).toBe(true);
        expect(await entries(volume)).toEqual([]);
      });

      it('a folder whose marker vanished refuses every operation instead of looking empty', async () => {
        const fixture = await open();
        const { volume } = fixture;
        await volume.writeAtomically('keep.txt', chunksOf('data'));
        await fixture.removeMarker();
        expect(await volume.hasMarker()).toBe(false);
        const refusals = [
          entries(volume),
          volume.stat('keep.txt'),
          volume.source('keep.txt'),
          volume.writeAtomically('new.txt', chunksOf('x')),
          volume.remove('keep.txt'),
          volume.rename('keep.txt', 'moved.txt'),
          volume.mkdir('dir'),
          partialsOf(volume).openPartial('new.txt', KEY_A),
          (async () => {
            for await (const partial of partialsOf(volume).partials()) void partial;
          })(),
        ];
        // Settle them together: one awaited at a time, a later one could reject unobserved.
        for (const outcome of await Promise.allSettled(refusals)) {
          expect(outcome.status).toBe('rejected');
          if (outcome.status === 'rejected') {
            expect(outcome.reason).toMatchObject({ code: 'unavailable', why: 'marker-missing' });
          }
        }
      });

      it('never lists the marker, and refuses paths that name it', async () => {
        const { volume } = await open();
        expect((await entries(volume)).map((e) => e.path)).not.toContain('.tandem');
        await expect(volume.stat('.tandem')).rejects.toBeInstanceOf(InvalidPathError);
        await expect(volume.remove('.tandem')).rejects.toBeInstanceOf(InvalidPathError);
      });
    });

    describe('paths', () => {
      it('refuses paths that are absolute, empty, or climb out of the root', async () => {
        const { volume } = await open();
        for (const path of ['', '/etc/passwd', '../outside', 'a/../../b', 'a//b', './a', 'a/.', 'a\0b']) {
          await expect(volume.stat(path), path).rejects.toBeInstanceOf(InvalidPathError);
          await expect(volume.writeAtomically(path, chunksOf('x')), path).rejects.toBeInstanceOf(
            InvalidPathError,
          );
        }
      });
    });

    describe('reading', () => {
      it('lists files and directories, parents first, with sizes and mtimes', async () => {
        const { volume } = await open();
        await volume.writeAtomically('docs/notes/a.txt', chunksOf('hello'));
        await volume.writeAtomically('b.bin', chunksOf('12', '345'));
        await volume.mkdir('empty');
        const listed = await entries(volume);
        expect(listed.map((e) => [e.path, e.kind, e.size]).sort()).toEqual(
          [
            ['b.bin', 'file', 5],
            ['docs', 'directory', 0],
            ['docs/notes', 'directory', 0],
            ['docs/notes/a.txt', 'file', 5],
            ['empty', 'directory', 0],
          ].sort(),
        );
        const order = listed.map((e) => e.path);
        expect(order.indexOf('docs')).toBeLessThan(order.indexOf('docs/notes'));
        expect(order.indexOf('docs/notes')).toBeLessThan(order.indexOf('docs/notes/a.txt'));
        for (const entry of listed) expect(Number.isFinite(entry.mtime)).toBe(true);
      });

      it('stats a file, a directory, and nothing', async () => {
        const { volume } = await open();
        const written = await volume.writeAtomically('dir/f.txt', chunksOf('abc'));
        expect(await volume.stat('dir/f.txt')).toEqual(written);
        expect(written).toMatchObject({ path: 'dir/f.txt', kind: 'file', size: 3 });
        expect(await volume.stat('dir')).toMatchObject({ path: 'dir', kind: 'directory', size: 0 });
        expect(await volume.stat('missing.txt')).toBeUndefined();
      });

      it('reads any range of a file, short only at its end', async () => {
        const { volume } = await open();
        const written = await volume.writeAtomically('f.txt', chunksOf('0123456789'));
        const source = await volume.source('f.txt');
        expect(source.size).toBe(10);
        expect(source.mtime).toBe(written.mtime);
        const read = async (offset: number, length: number) =>
          new TextDecoder().decode(await source.read(offset, length));
        expect(await read(0, 10)).toBe('0123456789');
        expect(await read(3, 4)).toBe('3456');
        expect(await read(8, 100)).toBe('89');
        expect(await read(10, 5)).toBe('');
      });

      it('refuses to open nothing, or a directory', async () => {
        const { volume } = await open();
        await volume.mkdir('dir');
        await expect(volume.source('missing')).rejects.toBeInstanceOf(NotFoundError);
        await expect(volume.source('dir')).rejects.toBeInstanceOf(WrongKindError);
      });

      it('an open file never mixes versions: it reads the old bytes or rejects once replaced', async () => {
        const { volume } = await open();
        await volume.writeAtomically('f.txt', chunksOf('old content'));
        const source = await volume.source('f.txt');
        await volume.writeAtomically('f.txt', chunksOf('NEW CONTENT'));
        const outcome = await source.read(0, source.size).then(
          (bytes) => new TextDecoder().decode(bytes),
          (error: unknown) => error,
        );
        if (typeof outcome === 'string') expect(outcome).toBe('old content');
        else expect(outcome).toBeInstanceOf(ChangedMeanwhileError);
      });
    });

    describe('atomic writes', () => {
      it('replaces a file with the chunks given, creating parents', async () => {
        const { volume } = await open();
        await volume.writeAtomically('a/b/c.txt', chunksOf('first'));
        await volume.writeAtomically('a/b/c.txt', chunksOf('sec', 'ond', ' version'));
        expect(await contents(volume, 'a/b/c.txt')).toBe('second version');
        expect(await volume.stat('a/b')).toMatchObject({ kind: 'directory' });
      });

      it('writes an empty file from no chunks', async () => {
        const { volume } = await open();
        expect(await volume.writeAtomically('empty', chunksOf())).toMatchObject({ size: 0, kind: 'file' });
        expect(await contents(volume, 'empty')).toBe('');
      });

      it('keeps the old file, and shows no temporary file, when the chunk source fails', async () => {
        const { volume } = await open();
        await volume.writeAtomically('dir/f.txt', chunksOf('the original'));
        // A directory's mtime may change as a temporary file comes and goes; files must not.
        const listing = async () =>
          (await entries(volume)).map((e) => (e.kind === 'directory' ? { ...e, mtime: 0 } : e));
        const before = await listing();
        await expect(volume.writeAtomically('dir/f.txt', failingAfter('half of the new'))).rejects.toThrow(
          /mid-file/,
        );
        await expect(volume.writeAtomically('dir/new.txt', failingAfter('x'))).rejects.toThrow(/mid-file/);
        expect(await contents(volume, 'dir/f.txt')).toBe('the original');
        expect(await listing()).toEqual(before);
      });

      it('does not let a reader see a write in progress', async () => {
        const { volume } = await open();
        await volume.writeAtomically('f.txt', chunksOf('old'));
        let release!: () => void;
        let halfway!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const half = new Promise<void>((resolve) => (halfway = resolve));
        async function* slow() {
          yield text('new ');
          halfway();
          await gate;
          yield text('content');
        }
        const writing = volume.writeAtomically('f.txt', slow());
        await half;
        expect(await contents(volume, 'f.txt')).toBe('old');
        release();
        await writing;
        expect(await contents(volume, 'f.txt')).toBe('new content');
      });

      it('writes over a file only while it still matches what the engine expected', async () => {
        const fixture = await open();
        const { volume } = fixture;
        const first = await volume.writeAtomically('f.txt', chunksOf('v1'));
        const expected = { size: first.size, mtime: first.mtime };
        await fixture.letTimePass();
        // The user edits the file between the engine's scan and its commit.
        const edited = await volume.writeAtomically('f.txt', chunksOf('user edit'));
        const error = await volume
          .writeAtomically('f.txt', chunksOf('remote'), expected)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ChangedMeanwhileError);
        expect(error).toMatchObject({ path: 'f.txt', expected, actual: edited });
        expect(await contents(volume, 'f.txt')).toBe('user edit');
        await volume.writeAtomically('f.txt', chunksOf('remote'), { size: edited.size, mtime: edited.mtime });
        expect(await contents(volume, 'f.txt')).toBe('remote');
      });

      it('creates a file expected absent only if nothing appeared meanwhile', async () => {
        const { volume } = await open();
        await volume.writeAtomically('new.txt', chunksOf('mine'), 'absent');
        await expect(volume.writeAtomically('new.txt', chunksOf('theirs'), 'absent')).rejects.toBeInstanceOf(
          ChangedMeanwhileError,
        );
        await expect(
          volume.writeAtomically('gone.txt', chunksOf('x'), { size: 1, mtime: 1 }),
        ).rejects.toBeInstanceOf(ChangedMeanwhileError);
        expect(await contents(volume, 'new.txt')).toBe('mine');
        expect(await volume.stat('gone.txt')).toBeUndefined();
      });

      it('re-checks the expectation after the last chunk, not only before the first', async () => {
        const { volume } = await open();
        await volume.writeAtomically('f.txt', chunksOf('v1'));
        const expected = (await volume.stat('f.txt'))!;
        async function* raced() {
          yield text('remote ');
          // The user saves a longer version while the download is being written.
          await volume.writeAtomically('f.txt', chunksOf('user edit'));
          yield text('version');
        }
        await expect(volume.writeAtomically('f.txt', raced(), expected)).rejects.toBeInstanceOf(
          ChangedMeanwhileError,
        );
        expect(await contents(volume, 'f.txt')).toBe('user edit');
      });

      it('refuses to write over a directory or through a file', async () => {
        const { volume } = await open();
        await volume.mkdir('dir');
        await volume.writeAtomically('file', chunksOf('x'));
        await expect(volume.writeAtomically('dir', chunksOf('x'))).rejects.toBeInstanceOf(WrongKindError);
        await expect(volume.writeAtomically('file/child', chunksOf('x'))).rejects.toBeInstanceOf(
          WrongKindError,
        );
      });
    });

    describe('remove, rename, mkdir', () => {
      it('removes a file, and an empty directory but not a full one', async () => {
        const { volume } = await open();
        await volume.writeAtomically('dir/f.txt', chunksOf('x'));
        await expect(volume.remove('dir')).rejects.toBeInstanceOf(NotEmptyError);
        await volume.remove('dir/f.txt');
        expect(await volume.stat('dir/f.txt')).toBeUndefined();
        await volume.remove('dir');
        expect(await entries(volume)).toEqual([]);
        await expect(volume.remove('dir')).rejects.toBeInstanceOf(NotFoundError);
      });

      it('removes a file only while it matches the expectation', async () => {
        const fixture = await open();
        const { volume } = fixture;
        const first = await volume.writeAtomically('f.txt', chunksOf('v1'));
        await fixture.letTimePass();
        await volume.writeAtomically('f.txt', chunksOf('edited'));
        await expect(volume.remove('f.txt', { size: first.size, mtime: first.mtime })).rejects.toBeInstanceOf(
          ChangedMeanwhileError,
        );
        expect(await contents(volume, 'f.txt')).toBe('edited');
        await expect(volume.remove('gone.txt', { size: 1, mtime: 1 })).rejects.toBeInstanceOf(
          ChangedMeanwhileError,
        );
        await volume.remove('gone.txt', 'absent');
      });

      it('renames a file into a new directory, keeping its content and mtime', async () => {
        const { volume } = await open();
        const written = await volume.writeAtomically('a.txt', chunksOf('content'));
        await volume.rename('a.txt', 'sub/dir/b.txt');
        expect(await volume.stat('a.txt')).toBeUndefined();
        expect(await volume.stat('sub/dir/b.txt')).toEqual({ ...written, path: 'sub/dir/b.txt' });
        expect(await contents(volume, 'sub/dir/b.txt')).toBe('content');
      });

      it('never renames over something, nor a missing file, nor a directory', async () => {
        const { volume } = await open();
        await volume.writeAtomically('a.txt', chunksOf('a'));
        await volume.writeAtomically('b.txt', chunksOf('b'));
        await volume.mkdir('dir');
        await expect(volume.rename('a.txt', 'b.txt')).rejects.toBeInstanceOf(AlreadyExistsError);
        await expect(volume.rename('a.txt', 'dir')).rejects.toBeInstanceOf(AlreadyExistsError);
        await expect(volume.rename('missing', 'c.txt')).rejects.toBeInstanceOf(NotFoundError);
        await expect(volume.rename('dir', 'dir2')).rejects.toBeInstanceOf(WrongKindError);
        expect(await contents(volume, 'b.txt')).toBe('b');
        expect(await contents(volume, 'a.txt')).toBe('a');
      });

      it('makes directories with their parents, idempotently, but not over a file', async () => {
        const { volume } = await open();
        await volume.mkdir('x/y/z');
        await volume.mkdir('x/y/z');
        expect((await entries(volume)).map((e) => e.path).sort()).toEqual(['x', 'x/y', 'x/y/z']);
        await volume.writeAtomically('f', chunksOf('x'));
        await expect(volume.mkdir('f')).rejects.toBeInstanceOf(WrongKindError);
        await expect(volume.mkdir('f/sub')).rejects.toBeInstanceOf(WrongKindError);
      });
    });

    describe('partial downloads', () => {
      it('a new partial is empty; writes at any offset, in any order, read back, holes as zeros', async () => {
        const { volume } = await open();
        const partial = await partialsOf(volume).openPartial('f.txt', KEY_A);
        expect(partial).toMatchObject({ path: 'f.txt', key: KEY_A });
        expect(await partial.size()).toBe(0);
        expect(await partial.read(0, 10)).toEqual(new Uint8Array(0));
        await partial.write(6, text('world'));
        await partial.write(0, text('hello '));
        expect(await partial.size()).toBe(11);
        expect(decode(await partial.read(0, 11))).toBe('hello world');
        expect(decode(await partial.read(8, 100))).toBe('rld');
        expect(await partial.read(11, 5)).toEqual(new Uint8Array(0));
        await partial.write(14, text('!'));
        expect(await partial.read(10, 5)).toEqual(new Uint8Array([100, 0, 0, 0, 33]));
      });

      it('is invisible until committed: never listed, the target and its parents untouched', async () => {
        const { volume } = await open();
        const old = await volume.writeAtomically('f.txt', chunksOf('old'));
        const over = await partialsOf(volume).openPartial('f.txt', KEY_A);
        await over.write(0, text('new content'));
        const fresh = await partialsOf(volume).openPartial('new/deep/g.txt', KEY_B);
        await fresh.write(0, text('g'));
        expect(await entries(volume)).toEqual([old]);
        expect(await contents(volume, 'f.txt')).toBe('old');
        expect(await volume.stat('new')).toBeUndefined();
      });

      it('opening the same path and key again resumes the bytes already written', async () => {
        const { volume } = await open();
        const first = await partialsOf(volume).openPartial('dir/f.bin', KEY_A);
        await first.write(0, text('first half, '));
        const again = await partialsOf(volume).openPartial('dir/f.bin', KEY_A);
        expect(decode(await again.read(0, 100))).toBe('first half, ');
        await again.write(12, text('second half'));
        expect(decode(await first.read(0, 100))).toBe('first half, second half');
      });

      it('commit replaces the target in one step, creating parents; the partial is gone', async () => {
        const { volume } = await open();
        const partial = await partialsOf(volume).openPartial('a/b/c.txt', KEY_A);
        await partial.write(0, text('whole file'));
        const written = await partial.commit('absent');
        expect(written).toMatchObject({ path: 'a/b/c.txt', kind: 'file', size: 10 });
        expect(await volume.stat('a/b/c.txt')).toEqual(written);
        expect(await contents(volume, 'a/b/c.txt')).toBe('whole file');
        expect(await listPartials(volume)).toEqual([]);
        await expect(partial.write(0, text('late'))).rejects.toBeInstanceOf(NotFoundError);
        await expect(partial.read(0, 1)).rejects.toBeInstanceOf(NotFoundError);
        await partial.discard();
        expect(await contents(volume, 'a/b/c.txt')).toBe('whole file');
        const reopened = await partialsOf(volume).openPartial('a/b/c.txt', KEY_A);
        expect(await reopened.size()).toBe(0);
      });

      it('commit writes over a file only while it matches the expectation, keeping the partial when not', async () => {
        const fixture = await open();
        const { volume } = fixture;
        const first = await volume.writeAtomically('f.txt', chunksOf('v1'));
        const partial = await partialsOf(volume).openPartial('f.txt', KEY_A);
        await partial.write(0, text('remote'));
        await fixture.letTimePass();
        const edited = await volume.writeAtomically('f.txt', chunksOf('user edit'));
        const expected = { size: first.size, mtime: first.mtime };
        const error = await partial.commit(expected).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ChangedMeanwhileError);
        expect(error).toMatchObject({ path: 'f.txt', expected, actual: edited });
        expect(await contents(volume, 'f.txt')).toBe('user edit');
        expect(decode(await partial.read(0, 100))).toBe('remote');
        await expect(partial.commit('absent')).rejects.toBeInstanceOf(ChangedMeanwhileError);
        await partial.commit({ size: edited.size, mtime: edited.mtime });
        expect(await contents(volume, 'f.txt')).toBe('remote');
      });

      it('commit refuses a directory in the way or a file as a parent, keeping the partial', async () => {
        const { volume } = await open();
        await volume.mkdir('dir');
        await volume.writeAtomically('file', chunksOf('x'));
        const onDir = await partialsOf(volume).openPartial('dir', KEY_A);
        const underFile = await partialsOf(volume).openPartial('file/child', KEY_A);
        await onDir.write(0, text('d'));
        await expect(onDir.commit()).rejects.toBeInstanceOf(WrongKindError);
        await expect(underFile.commit()).rejects.toBeInstanceOf(WrongKindError);
        expect(decode(await onDir.read(0, 1))).toBe('d');
        expect(await contents(volume, 'file')).toBe('x');
      });

      it('opening another key at the path discards the old partial', async () => {
        const { volume } = await open();
        const old = await partialsOf(volume).openPartial('f.bin', KEY_A);
        await old.write(0, text('version a'));
        const next = await partialsOf(volume).openPartial('f.bin', KEY_B);
        expect(await next.size()).toBe(0);
        await expect(old.write(0, text('x'))).rejects.toBeInstanceOf(NotFoundError);
        await expect(old.commit()).rejects.toBeInstanceOf(NotFoundError);
        expect((await listPartials(volume)).map((p) => [p.path, p.key])).toEqual([['f.bin', KEY_B]]);
        expect(await volume.stat('f.bin')).toBeUndefined();
      });

      it('lists every partial with its path and key; a listed one reads, and discards', async () => {
        const { volume } = await open();
        await (await partialsOf(volume).openPartial('dir/a.bin', KEY_A)).write(0, text('aaa'));
        await (await partialsOf(volume).openPartial('c.bin', KEY_B)).write(0, text('c'));
        const listed = await listPartials(volume);
        expect(listed.map((p) => [p.path, p.key])).toEqual([
          ['c.bin', KEY_B],
          ['dir/a.bin', KEY_A],
        ]);
        expect(decode(await listed[1]!.read(0, 10))).toBe('aaa');
        await listed[1]!.discard();
        await listed[1]!.discard();
        expect((await listPartials(volume)).map((p) => p.path)).toEqual(['c.bin']);
        expect(await entries(volume)).toEqual([]);
      });

      it('refuses bad paths and keys, reserved names included', async () => {
        const { volume } = await open();
        const { openPartial } = partialsOf(volume);
        for (const path of ['', '/abs', '../out', 'a//b', '.tandem', 'dir/.tandem.partials']) {
          await expect(openPartial(path, KEY_A), path).rejects.toBeInstanceOf(InvalidPathError);
        }
        for (const key of ['', 'A1B2', 'a/b', 'a.b', '..', 'x'.repeat(129)]) {
          await expect(openPartial('f', key), key).rejects.toBeInstanceOf(InvalidPathError);
        }
        expect(await listPartials(volume)).toEqual([]);
      });

      it('an open partial pauses with the folder when the marker vanishes', async () => {
        const fixture = await open();
        const { volume } = fixture;
        const partial = await partialsOf(volume).openPartial('f.txt', KEY_A);
        await partial.write(0, text('kept'));
        await fixture.removeMarker();
        const paused = { code: 'unavailable', why: 'marker-missing' };
        const refusals = [partial.size(), partial.read(0, 1), partial.write(0, text('x')), partial.commit()];
        for (const outcome of await Promise.allSettled(refusals)) {
          expect(outcome.status).toBe('rejected');
          if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject(paused);
        }
        await volume.placeMarker();
        expect(decode(await partial.read(0, 4))).toBe('kept');
        expect(await volume.stat('f.txt')).toBeUndefined();
      });
    });

    describe('watch', () => {
      it('where offered, reports changes and stops after unsubscribing', async () => {
        const { volume } = await open();
        if (!volume.watch) return;
        const seen: (string | undefined)[] = [];
        const stop = volume.watch((change) => seen.push(change.path));
        await volume.writeAtomically('w.txt', chunksOf('x'));
        await expect.poll(() => seen.includes('w.txt') || seen.includes(undefined)).toBe(true);
        stop();
        const count = seen.length;
        await volume.writeAtomically('later.txt', chunksOf('x'));
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(seen.length).toBe(count);
      });

      it('where offered, never reports partial downloads, only the file a commit makes', async () => {
        const { volume } = await open();
        if (!volume.watch) return;
        const seen: (string | undefined)[] = [];
        const stop = volume.watch((change) => seen.push(change.path));
        try {
          const partial = await partialsOf(volume).openPartial('p.bin', KEY_A);
          await partial.write(0, text('partial bytes'));
          await partial.discard();
          const kept = await partialsOf(volume).openPartial('k.bin', KEY_B);
          await kept.write(0, text('k'));
          await volume.writeAtomically('after.txt', chunksOf('x'));
          await expect.poll(() => seen.includes('after.txt')).toBe(true);
          expect(seen.filter((path) => path !== 'after.txt')).toEqual([]);
          await kept.commit('absent');
          await expect.poll(() => seen.includes('k.bin')).toBe(true);
        } finally {
          stop();
        }
      });
    });
  });
}
