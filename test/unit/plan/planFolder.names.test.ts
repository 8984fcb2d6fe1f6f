import { describe, expect, it } from 'vitest';
import { planFolder, recordsAfter } from '../../../src/core/plan/index.ts';
import { announced, byPath, live, outline, plan, tombstone } from './planFixture.ts';

/** A new file from peer B. */
const theirs = (path: string, content = 2) => live(path, { version: { B: 1 }, content });
/** B's delete of a file A made. */
const gone = (path: string) => tombstone(path, { version: { A: 1, B: 1 } });

describe('planFolder on case-insensitive names', () => {
  describe('directories that differ only by case', () => {
    it('blocks a remote file whose directory differs only by case from a local directory', () => {
      expect(outline(plan([live('docs/b.txt')], [theirs('Docs/a.txt')]))).toEqual([
        ['blocked', 'Docs/a.txt', 'case-collision', 'docs'],
      ]);
    });

    it('blocks a remote file whose directory differs only by case from a local file', () => {
      expect(outline(plan([live('docs')], [theirs('Docs/a.txt')]))).toEqual([
        ['blocked', 'Docs/a.txt', 'case-collision', 'docs'],
      ]);
    });

    it('blocks a remote file named like a local directory but for case', () => {
      expect(outline(plan([live('docs/a.txt')], [theirs('Docs')]))).toEqual([
        ['blocked', 'Docs', 'case-collision', 'docs'],
      ]);
    });

    it('writes into a local directory spelled the same, and ignores local tombstones', () => {
      const actions = plan(
        [live('docs/b.txt'), tombstone('Docs/old')],
        [theirs('docs/a.txt'), theirs('DOCS')],
      );
      expect(outline(actions)).toEqual([
        ['blocked', 'DOCS', 'case-collision', 'docs'],
        ['fetch', 'docs/a.txt'],
      ]);
    });

    it('moves a directory renamed by case in one round: every old file deleted first, then the new ones fetched', () => {
      const a = live('docs/a.txt', { content: 3 });
      const b = live('docs/b.txt', { content: 4 });
      const actions = plan(
        [a, b],
        [gone('docs/a.txt'), gone('docs/b.txt'), theirs('Docs/a.txt', 3), theirs('Docs/b.txt', 4)],
      );
      // The old files are deleted to free the name, so they cannot be copied from.
      expect(outline(actions)).toEqual([
        ['delete', 'docs/a.txt', 'frees'],
        ['delete', 'docs/b.txt', 'frees'],
        ['fetch', 'Docs/a.txt'],
        ['fetch', 'Docs/b.txt'],
      ]);
    });

    it('still blocks when one old file under the other spelling stays', () => {
      const actions = plan(
        [live('docs/a.txt'), live('docs/keep.txt')],
        [gone('docs/a.txt'), theirs('Docs/a.txt')],
      );
      expect(outline(actions)).toEqual([
        ['blocked', 'Docs/a.txt', 'case-collision', 'docs'],
        ['delete', 'docs/a.txt'],
      ]);
    });
  });

  describe('a file and a directory of one name', () => {
    it('blocks a remote file inside a directory where a local file is', () => {
      expect(outline(plan([live('a')], [theirs('a/b')]))).toEqual([
        ['blocked', 'a/b', 'file-directory-clash', 'a'],
      ]);
    });

    it('blocks a remote file where local files are inside a directory of that name', () => {
      expect(outline(plan([live('a/x'), live('a/y/z')], [theirs('a')]))).toEqual([
        ['blocked', 'a', 'file-directory-clash', 'a'],
      ]);
    });

    it('blocks a remote file inside a directory where a local file of another case is', () => {
      expect(outline(plan([live('A')], [theirs('a/b')]))).toEqual([
        ['blocked', 'a/b', 'case-collision', 'A'],
      ]);
    });

    it('deletes a file first when a remote delete frees its name for a directory', () => {
      const actions = plan([live('a')], [gone('a'), theirs('a/b')]);
      expect(outline(actions)).toEqual([
        ['delete', 'a', 'frees'],
        ['fetch', 'a/b'],
      ]);
      expect(actions[0]).toMatchObject({ kind: 'delete', frees: true });
    });

    it('deletes every file in a directory first when remote deletes free its name for a file', () => {
      const actions = plan([live('a/x'), live('a/y/z')], [gone('a/x'), gone('a/y/z'), theirs('a')]);
      expect(outline(actions)).toEqual([
        ['delete', 'a/x', 'frees'],
        ['delete', 'a/y/z', 'frees'],
        ['fetch', 'a'],
      ]);
    });

    it('blocks a file whose directory still holds a file no delete frees', () => {
      const actions = plan([live('a/x'), live('a/y')], [gone('a/x'), theirs('a')]);
      expect(outline(actions)).toEqual([
        ['blocked', 'a', 'file-directory-clash', 'a'],
        ['delete', 'a/x'],
      ]);
    });
  });

  describe('case-only renames', () => {
    it('takes a case-only rename in one round: the old spelling deleted first, then the new one fetched', () => {
      const l = live('README.md', { content: 3 });
      const renamed = live('Readme.md', { version: { B: 1 }, content: 3 });
      const old = gone('README.md');
      const first = plan([l], [renamed, old]);
      expect(outline(first)).toEqual([
        ['delete', 'README.md', 'frees'],
        ['fetch', 'Readme.md'],
      ]);
      const after = recordsAfter(byPath([l]), first);
      expect(planFolder({ local: after, remote: announced([renamed, old]) })).toEqual([]);
    });

    it('copies a rename first when its name needs nothing freed, then deletes what frees a name', () => {
      // `a` moves to `b`, and a new directory `a` arrives.
      const actions = plan([live('a', { content: 1 })], [gone('a'), theirs('b', 1), theirs('a/x', 5)]);
      expect(outline(actions)).toEqual([
        ['copyLocal', 'b', 'from a'],
        ['delete', 'a', 'frees'],
        ['fetch', 'a/x'],
      ]);
    });

    it('copies into a freed name after the deletes that free it, from a file deleted later', () => {
      // `c` moves to `a/x`, where the file `a` was.
      const local = [live('a', { content: 1 }), live('c', { content: 2 })];
      const actions = plan(local, [gone('a'), gone('c'), theirs('a/x', 2)]);
      expect(outline(actions)).toEqual([
        ['delete', 'a', 'frees'],
        ['copyLocal', 'a/x', 'from c'],
        ['delete', 'c'],
      ]);
    });
  });

  describe('remote paths that differ only by case', () => {
    it('fetches the smaller spelling in code-unit order and blocks the other', () => {
      const actions = plan([], [theirs('readme.md', 2), theirs('README.md', 3)]);
      expect(outline(actions)).toEqual([
        ['fetch', 'README.md'],
        ['blocked', 'readme.md', 'case-collision', 'README.md'],
      ]);
    });

    it('chooses the same spelling whichever peer announced which, and in any order', () => {
      const fromB = live('Notes.txt', { version: { B: 1 }, modifiedBy: 'B' });
      const fromC = live('notes.txt', { version: { C: 1 }, modifiedBy: 'C', content: 4 });
      const one = plan([], [fromB, fromC]);
      const other = planFolder({
        local: new Map(),
        remote: new Map([
          ['notes.txt', [fromC]],
          ['Notes.txt', [fromB]],
        ]),
      });
      expect(other).toEqual(one);
      expect(outline(one)).toEqual([
        ['fetch', 'Notes.txt'],
        ['blocked', 'notes.txt', 'case-collision', 'Notes.txt'],
      ]);
    });

    it('keeps the choice once made: the fetched spelling blocks the other next round', () => {
      const remote = [theirs('b', 2), theirs('B', 3)];
      const first = plan([], remote);
      const after = recordsAfter(new Map(), first);
      expect(outline(planFolder({ local: after, remote: announced(remote) }))).toEqual([
        ['blocked', 'b', 'case-collision', 'B'],
      ]);
    });

    it('takes the directory spelled smaller, with all its files, and blocks files under the other', () => {
      const actions = plan([], [theirs('docs/a'), theirs('Docs/z'), theirs('Docs/b')]);
      expect(outline(actions)).toEqual([
        ['fetch', 'Docs/b'],
        ['fetch', 'Docs/z'],
        ['blocked', 'docs/a', 'case-collision', 'Docs'],
      ]);
    });

    it('takes a remote file before a remote directory of the same name, or the reverse, by path order', () => {
      expect(outline(plan([], [theirs('a/b'), theirs('a')]))).toEqual([
        ['fetch', 'a'],
        ['blocked', 'a/b', 'file-directory-clash', 'a'],
      ]);
    });

    it('lets a remote write take a name a local delete frees, before another spelling claims it', () => {
      const actions = plan([live('docs/a')], [gone('docs/a'), theirs('Docs/x'), theirs('docs/y')]);
      expect(outline(actions)).toEqual([
        ['delete', 'docs/a', 'frees'],
        ['fetch', 'Docs/x'],
        ['blocked', 'docs/y', 'case-collision', 'Docs'],
      ]);
    });
  });
});
