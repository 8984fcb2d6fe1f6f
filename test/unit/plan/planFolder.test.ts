import { describe, expect, it } from 'vitest';
import { conflictCopyName } from '../../../src/core/model/conflictName.ts';
import { planFolder, pickRemote, recordsAfter } from '../../../src/core/plan/index.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import { announced, byPath, live, synced, tombstone } from './planFixture.ts';

function plan(local: readonly FileRecord[], remote: readonly FileRecord[]) {
  return planFolder({ local: byPath(local), remote: announced(remote) });
}

describe('planFolder', () => {
  it('fetches a file the local device does not have, expecting nothing at its path', () => {
    const r = live('a.txt', { version: { B: 1 }, content: 7 });
    expect(plan([], [r])).toEqual([{ kind: 'fetch', path: 'a.txt', record: r, expect: 'absent' }]);
  });

  it('fetches a dominating edit, expecting the local file as the index saw it', () => {
    const l = live('a.txt', { version: { A: 1 }, size: 3, mtime: 50 });
    const r = live('a.txt', { version: { A: 1, B: 2 }, content: 2 });
    expect(plan([l], [r])).toEqual([
      { kind: 'fetch', path: 'a.txt', record: r, expect: { size: 3, mtime: 50 } },
    ]);
  });

  it('fetches a file back over a local tombstone it dominates, expecting nothing there', () => {
    const l = tombstone('a.txt', { version: { A: 2 } });
    const r = live('a.txt', { version: { A: 2, B: 3 } });
    expect(plan([l], [r])).toEqual([{ kind: 'fetch', path: 'a.txt', record: r, expect: 'absent' }]);
  });

  it('copies a renamed file from its old local path instead of fetching it, before deleting the old path', () => {
    const old = live('old.txt', { content: 9, size: 4, mtime: 70 });
    const moved = live('new.txt', { content: 9, size: 4, version: { B: 1 } });
    const gone = tombstone('old.txt', { version: { A: 1, B: 1 } });
    expect(plan([old], [moved, gone])).toEqual([
      {
        kind: 'copyLocal',
        path: 'new.txt',
        record: moved,
        from: 'old.txt',
        fromExpect: { size: 4, mtime: 70 },
        expect: 'absent',
      },
      { kind: 'delete', path: 'old.txt', record: gone, expect: { size: 4, mtime: 70 } },
    ]);
  });

  it('does not copy from a local file this plan overwrites', () => {
    const a = live('a', { content: 1 });
    const b = live('b', { content: 2 });
    const ra = live('a', { content: 2, version: { A: 1, B: 1 } });
    const rb = live('b', { content: 1, version: { A: 1, B: 1 } });
    expect(plan([a, b], [ra, rb]).map((x) => x.kind)).toEqual(['fetch', 'fetch']);
  });

  it('deletes a live local file when a dominating tombstone arrives', () => {
    const l = live('a.txt', { mtime: 5 });
    const r = tombstone('a.txt', { version: { A: 1, B: 1 } });
    expect(plan([l], [r])).toEqual([
      { kind: 'delete', path: 'a.txt', record: r, expect: { size: 1, mtime: 5 } },
    ]);
  });

  it('adopts a dominating version whose content is identical, with nothing to do on disk', () => {
    const l = live('a.txt', { content: 4 });
    const r = live('a.txt', { content: 4, version: { A: 1, B: 1 }, mtime: 9 });
    expect(plan([l], [r])).toEqual([{ kind: 'adopt', path: 'a.txt', record: r }]);
  });

  it('adopts a tombstone for a path it never had, so the delete propagates', () => {
    const r = tombstone('a.txt', { version: { B: 1 } });
    expect(plan([], [r])).toEqual([{ kind: 'adopt', path: 'a.txt', record: r }]);
  });

  it('treats identical content with concurrent versions as no conflict: adopts the merged version', () => {
    const l = live('a.txt', { content: 4, version: { A: 2 }, mtime: 10 });
    const r = live('a.txt', { content: 4, version: { B: 2 }, mtime: 20, modifiedBy: 'B' });
    expect(plan([l], [r])).toEqual([
      { kind: 'adopt', path: 'a.txt', record: { ...r, version: { A: 2, B: 2 } } },
    ]);
  });

  it('does nothing when the local version dominates or equals the remote one', () => {
    const l = live('a.txt', { version: { A: 2, B: 1 } });
    expect(plan([l], [live('a.txt', { version: { B: 1 }, content: 3 })])).toEqual([]);
    expect(plan([l], [l])).toEqual([]);
    expect(plan([l], [])).toEqual([]);
  });

  it('keeps a losing local edit as a conflict copy, renamed away before the winner is fetched', () => {
    const l = live('doc.txt', { version: { A: 2 }, mtime: 100, content: 1 });
    const r = live('doc.txt', { version: { B: 2 }, mtime: 200, content: 2, modifiedBy: 'B' });
    const copyName = conflictCopyName('doc.txt', 100, 'A');
    expect(plan([l], [r])).toEqual([
      {
        kind: 'conflict',
        path: 'doc.txt',
        winner: r,
        loser: l,
        local: 'loser',
        record: { ...r, version: { A: 2, B: 2 } },
        copyName,
        copy: { ...l, path: copyName },
        expect: { size: 1, mtime: 100 },
      },
    ]);
  });

  it('fetches a losing remote edit into its conflict copy and keeps the local file', () => {
    const l = live('doc.txt', { version: { A: 2 }, mtime: 300, content: 1 });
    const r = live('doc.txt', { version: { B: 2 }, mtime: 200, content: 2, modifiedBy: 'B' });
    const [action] = plan([l], [r]);
    expect(action).toMatchObject({ kind: 'conflict', local: 'winner', winner: l, loser: r });
    expect(action).toMatchObject({ copy: { ...r, path: conflictCopyName('doc.txt', 200, 'B') } });
  });

  it('lets an edit concurrent with a delete win, with no copy of the delete', () => {
    const edit = live('a.txt', { version: { A: 2 }, mtime: 1 });
    const del = tombstone('a.txt', { version: { B: 2 }, mtime: 999, modifiedBy: 'B' });
    expect(plan([edit], [del])).toEqual([
      {
        kind: 'conflict',
        path: 'a.txt',
        winner: edit,
        loser: del,
        local: 'winner',
        record: { ...edit, version: { A: 2, B: 2 } },
        copyName: null,
        copy: null,
        expect: { size: 1, mtime: 1 },
      },
    ]);
    expect(plan([del], [edit])).toMatchObject([
      { kind: 'conflict', local: 'loser', copy: null, expect: 'absent' },
    ]);
  });

  it('lets a delete of the very content a merged conflict winner carries stand, with no copy', () => {
    // A's version beat E's on some device (merged version); B deleted A's version meanwhile.
    const winner = live('a.txt', { version: { A: 1, E: 1 } });
    const del = tombstone('a.txt', { version: { A: 1, B: 1 }, modifiedBy: 'B' });
    expect(plan([winner], [del])).toEqual([
      { kind: 'delete', path: 'a.txt', record: del, expect: { size: 1, mtime: 1_000 } },
    ]);
    expect(plan([del], [winner])).toEqual([]);
    // E's own edit was news to B: it still beats the delete.
    const edit = live('a.txt', { version: { E: 1 }, modifiedBy: 'E', content: 5 });
    expect(plan([edit], [del, winner])).toMatchObject([{ kind: 'conflict', local: 'winner' }]);
    expect(pickRemote([winner, del])).toBe(del);
  });

  it('resolves a conflict to the same records on both devices, which then have nothing left to do', () => {
    const a = live('doc.txt', { version: { A: 2 }, mtime: 100, content: 1 });
    const b = live('doc.txt', { version: { B: 2 }, mtime: 200, content: 2, modifiedBy: 'B' });
    const afterA = recordsAfter(byPath([a]), plan([a], [b]));
    const afterB = recordsAfter(byPath([b]), plan([b], [a]));
    expect([...afterA.keys()].sort()).toEqual([...afterB.keys()].sort());
    for (const [path, record] of afterA) expect(synced(afterB.get(path))).toEqual(synced(record));
    expect(planFolder({ local: afterA, remote: announced([...afterB.values()]) })).toEqual([]);
  });

  it('blocks a remote file whose path differs only by case from a live local file', () => {
    const l = live('README.md');
    const r = live('Readme.md', { version: { B: 1 }, content: 2 });
    expect(plan([l], [r])).toEqual([
      { kind: 'blocked', path: 'Readme.md', reason: 'case-collision', collidesWith: 'README.md' },
    ]);
  });

  it('does not plan a conflict copy announced by the peer on its own while it makes it itself', () => {
    const l = live('doc.txt', { version: { A: 2 }, mtime: 100 });
    const r = live('doc.txt', { version: { B: 2 }, mtime: 200, content: 2, modifiedBy: 'B' });
    const copy = { ...l, path: conflictCopyName('doc.txt', 100, 'A') };
    expect(plan([l], [r, copy]).map((a) => a.kind)).toEqual(['conflict']);
  });

  it('orders copies first, then every other action by path', () => {
    const src = live('z-src', { content: 5 });
    const actions = plan(
      [src, live('m')],
      [
        live('b', { version: { B: 1 }, content: 6 }),
        live('c', { version: { B: 1 }, content: 5 }),
        tombstone('m', { version: { A: 1, B: 1 } }),
        live('a', { version: { B: 1 }, content: 5 }),
      ],
    );
    expect(actions.map((a) => [a.kind, a.path])).toEqual([
      ['copyLocal', 'a'],
      ['copyLocal', 'c'],
      ['fetch', 'b'],
      ['delete', 'm'],
    ]);
  });
});

describe('pickRemote', () => {
  it('takes the peer record no other dominates', () => {
    const old = live('a', { version: { B: 1 } });
    const newer = live('a', { version: { B: 2, C: 1 }, content: 2 });
    expect(pickRemote([newer, old])).toBe(newer);
    expect(pickRemote([old, newer])).toBe(newer);
  });

  it('takes the conflict winner of concurrent peers, unmerged, so the losing peer keeps its own copy', () => {
    const b = live('a', { version: { B: 2 }, mtime: 10, modifiedBy: 'B' });
    const c = live('a', { version: { C: 2 }, mtime: 20, content: 2, modifiedBy: 'C' });
    expect(pickRemote([b, c])).toBe(c);
    expect(pickRemote([c, b])).toBe(c);
    expect(pickRemote([])).toBeUndefined();
  });
});
