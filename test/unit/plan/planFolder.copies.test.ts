import { describe, expect, it } from 'vitest';
import { conflictCopyName } from '../../../src/core/model/conflictName.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import { planFolder, recordsAfter, type ConflictAction } from '../../../src/core/plan/index.ts';
import { announced, byPath, live, plan, synced, tombstone } from './planFixture.ts';

// A's edit (content 1, older) loses to B's (content 2, newer): A's is kept as a copy.
const mine = live('doc.txt', { version: { A: 2 }, mtime: 100, content: 1 });
const theirs = live('doc.txt', { version: { B: 2 }, mtime: 200, content: 2, modifiedBy: 'B' });
const first = conflictCopyName('doc.txt', 100, 'A');
const second = conflictCopyName('doc.txt', 100, 'A', 2);

function conflictIn(actions: readonly unknown[]): ConflictAction {
  const found = actions.find((a): a is ConflictAction => (a as { kind: string }).kind === 'conflict');
  if (found === undefined) throw new Error(`no conflict in ${JSON.stringify(actions)}`);
  return found;
}

/** Both devices of the conflict, each also holding `shared`, applying each other's records. */
function bothSides(shared: readonly FileRecord[]) {
  const a = byPath([mine, ...shared]);
  const b = byPath([theirs, ...shared]);
  const planA = planFolder({ local: a, remote: announced([...b.values()]) });
  const planB = planFolder({ local: b, remote: announced([...a.values()]) });
  return { planA, planB, afterA: recordsAfter(a, planA), afterB: recordsAfter(b, planB) };
}

function expectSameRecords(x: ReadonlyMap<string, FileRecord>, y: ReadonlyMap<string, FileRecord>): void {
  expect([...x.keys()].sort()).toEqual([...y.keys()].sort());
  for (const [path, record] of x) expect(synced(y.get(path))).toEqual(synced(record));
}

describe('planFolder conflict copies', () => {
  describe('a name taken by other content', () => {
    it('keeps the loser under the next name, -2, when the first is taken locally', () => {
      const taken = live(first, { content: 8, version: { C: 1 }, modifiedBy: 'C' });
      const action = conflictIn(plan([mine, taken], [theirs]));
      expect(second).toBe('doc.sync-conflict-19700101-000000-A-2.txt');
      expect(action).toMatchObject({ local: 'loser', copyName: second, copy: { ...mine, path: second } });
      expect(action.copyExists).toBeUndefined();
    });

    it('passes over a name the peer announced with other content, so both sides choose alike', () => {
      const taken = live(first, { content: 8, version: { C: 1 }, modifiedBy: 'C' });
      const actions = plan([mine], [theirs, taken]);
      expect(conflictIn(actions).copyName).toBe(second);
      // The peer's own file at the first name is fetched as any other.
      expect(actions.map((a) => [a.kind, a.path])).toContainEqual(['fetch', first]);
    });

    it('passes over a name taken by a tombstone newer than the loser, and a name differing only by case', () => {
      const deleted = tombstone(first, { version: { A: 9 } });
      const upper = live(second.toUpperCase(), { content: 8, version: { C: 1 } });
      const action = conflictIn(plan([mine, deleted, upper], [theirs]));
      expect(action.copyName).toBe(conflictCopyName('doc.txt', 100, 'A', 3));
    });

    it('gives the same names and records to both devices that share the taken file', () => {
      const taken = live(first, { content: 8, version: { C: 1 }, modifiedBy: 'C' });
      const { planA, planB, afterA, afterB } = bothSides([taken]);
      expect(conflictIn(planA).copyName).toBe(second);
      expect(conflictIn(planB).copyName).toBe(second);
      expectSameRecords(afterA, afterB);
      expect(afterA.get(first)).toEqual(taken);
      expect(planFolder({ local: afterA, remote: announced([...afterB.values()]) })).toEqual([]);
    });

    it('gives two conflicts of one plan whose copy names coincide two names', () => {
      // Long names are shortened to fit the suffix, so these two give one copy name.
      const stem = 'x'.repeat(240);
      const paths = [`${stem}a.txt`, `${stem}b.txt`];
      expect(conflictCopyName(paths[0]!, 100, 'A')).toBe(conflictCopyName(paths[1]!, 100, 'A'));
      const local = paths.map((p) => live(p, { version: { A: 2 }, mtime: 100, content: 1 }));
      const remote = paths.map((p) =>
        live(p, { version: { B: 2 }, mtime: 200, content: 2, modifiedBy: 'B' }),
      );
      const names = plan(local, remote).map((a) => (a.kind === 'conflict' ? a.copyName : null));
      expect(names).toEqual([
        conflictCopyName(paths[0]!, 100, 'A'),
        conflictCopyName(paths[1]!, 100, 'A', 2),
      ]);
    });
  });

  describe('a copy already there', () => {
    it('resolves instead of blocking when the local file at the copy name holds the loser’s content', () => {
      const made = { ...mine, path: first };
      const actions = plan([mine, made], [theirs]);
      expect(actions).toEqual([
        {
          kind: 'conflict',
          path: 'doc.txt',
          winner: theirs,
          loser: mine,
          local: 'loser',
          record: { ...theirs, version: { A: 2, B: 2 } },
          copyName: first,
          copy: made,
          expect: { size: 1, mtime: 100 },
          copyExists: true,
        },
      ]);
    });

    it('keeps a copy fetched from the peer that made it when the local side wins, writing nothing', () => {
      const winner = live('doc.txt', { version: { A: 2 }, mtime: 300, content: 1 });
      const copyName = conflictCopyName('doc.txt', 200, 'B');
      const fetched = { ...theirs, path: copyName };
      const action = conflictIn(plan([winner, fetched], [theirs, fetched]));
      expect(action).toMatchObject({ local: 'winner', copyName, copy: fetched, copyExists: true });
    });

    it('merges the versions of a concurrent record of the same content at the copy name', () => {
      const other = live(first, { content: 1, version: { C: 5 }, mtime: 50, modifiedBy: 'C' });
      const action = conflictIn(plan([mine, other], [theirs]));
      expect(action.copyName).toBe(first);
      expect(action.copyExists).toBe(true);
      // The loser's record wins on mtime; the version covers both.
      expect(action.copy).toEqual({ ...mine, path: first, version: { A: 2, C: 5 } });
    });

    it('keeps a newer record of the same content at the copy name as it is', () => {
      const newer = live(first, { content: 1, version: { A: 3 }, mtime: 50 });
      expect(conflictIn(plan([mine, newer], [theirs])).copy).toEqual(newer);
    });

    it('brings both devices to the same records when only one already had the copy', () => {
      const a = byPath([mine, { ...mine, path: first }]);
      const b = byPath([theirs]);
      const afterA = recordsAfter(a, planFolder({ local: a, remote: announced([...b.values()]) }));
      const afterB = recordsAfter(b, planFolder({ local: b, remote: announced([...a.values()]) }));
      expectSameRecords(afterA, afterB);
    });
  });

  describe('a tombstone at the copy name', () => {
    it('writes the copy over an older tombstone, with the loser’s record', () => {
      const old = tombstone(first, { version: { A: 1 } });
      const action = conflictIn(plan([mine, old], [theirs]));
      expect(action).toMatchObject({ copyName: first, copy: { ...mine, path: first } });
      expect(action.copyExists).toBeUndefined();
    });

    it('writes the copy over a concurrent tombstone with both versions merged, so the delete does not win later', () => {
      const other = tombstone(first, { version: { C: 4 }, modifiedBy: 'C' });
      const action = conflictIn(plan([mine, other], [theirs]));
      expect(action.copy).toEqual({ ...mine, path: first, version: { A: 2, C: 4 } });
      const after = recordsAfter(byPath([mine, other]), [action]);
      expect(planFolder({ local: after, remote: announced([other, theirs]) })).toEqual([]);
    });
  });
});
