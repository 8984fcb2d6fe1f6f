import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { EngineEvent } from '../../../src/core/engine/events.ts';
import {
  ACTIVITY_LIMIT,
  applyFolderEvent,
  opfsFolderName,
  type FolderView,
} from '../../../src/app/foldersView.ts';

const base: FolderView = {
  id: 'f',
  label: 'F',
  where: 'here',
  devices: [],
  access: { kind: 'running' },
  state: { kind: 'idle' },
  activity: [],
  issues: [],
};

describe('applyFolderEvent', () => {
  it('keeps the latest activity first, at most ACTIVITY_LIMIT', () => {
    let view = base;
    for (let i = 0; i < ACTIVITY_LIMIT + 5; i++)
      view = applyFolderEvent(view, { type: 'synced', folder: 'f', path: `p${i}`, action: 'delete' }, i);
    expect(view.activity).toHaveLength(ACTIVITY_LIMIT);
    expect(view.activity[0]).toEqual({
      path: `p${ACTIVITY_LIMIT + 4}`,
      what: 'deleted',
      at: ACTIVITY_LIMIT + 4,
    });
  });

  it('lists the changes a scan found here, in the order the scan gave them, beside those that arrived', () => {
    let view = applyFolderEvent(base, { type: 'synced', folder: 'f', path: 'in.txt', action: 'write' }, 1);
    view = applyFolderEvent(
      view,
      {
        type: 'scanned',
        folder: 'f',
        changed: 40,
        paths: [
          { path: 'new.txt', deleted: false },
          { path: 'old.txt', deleted: true },
        ],
      },
      2,
    );
    expect(view.activity).toEqual([
      { path: 'new.txt', what: 'changed-here', at: 2 },
      { path: 'old.txt', what: 'deleted-here', at: 2 },
      { path: 'in.txt', what: 'written', at: 1 },
    ]);
  });

  it('records a conflict with the name of the kept copy', () => {
    const view = applyFolderEvent(
      base,
      { type: 'conflict', folder: 'f', path: 'a.txt', copyName: 'a.sync-conflict.txt' },
      5,
    );
    expect(view.activity).toEqual([
      { path: 'a.txt', what: 'conflict', copyName: 'a.sync-conflict.txt', at: 5 },
    ]);
  });

  it('keeps one issue per path; a new round clears the plan issues but not the scan problems', () => {
    let view = applyFolderEvent(
      base,
      { type: 'file-issue', folder: 'f', path: 'x', code: 'failed', message: 'm1' },
      0,
    );
    view = applyFolderEvent(
      view,
      { type: 'file-issue', folder: 'f', path: 'x', code: 'waiting-for-peer', message: 'm2' },
      0,
    );
    view = applyFolderEvent(
      view,
      {
        type: 'scan-problems',
        folder: 'f',
        problems: [{ path: 'bad:', code: 'invalid-path', message: 'bad name' }],
      },
      0,
    );
    expect(view.issues.map((i) => [i.path, i.message])).toEqual([
      ['bad:', 'bad name'],
      ['x', 'm2'],
    ]);
    view = applyFolderEvent(
      view,
      { type: 'folder', folder: 'f', state: { kind: 'syncing', files: 1, bytes: 1 } },
      0,
    );
    expect(view.issues.map((i) => i.path)).toEqual(['bad:']);
  });

  it('keeps progress while syncing and drops it when the round ends', () => {
    let view = applyFolderEvent(
      base,
      { type: 'folder', folder: 'f', state: { kind: 'syncing', files: 3, bytes: 30 } },
      0,
    );
    view = applyFolderEvent(
      view,
      {
        type: 'folder-progress',
        folder: 'f',
        filesDone: 1,
        filesTotal: 3,
        bytesDone: 10,
        bytesTotal: 30,
        rate: 5,
        etaSeconds: 4,
      },
      0,
    );
    view = applyFolderEvent(
      view,
      { type: 'folder', folder: 'f', state: { kind: 'syncing', files: 3, bytes: 30 } },
      0,
    );
    expect(view.progress?.filesDone).toBe(1);
    view = applyFolderEvent(view, { type: 'folder', folder: 'f', state: { kind: 'idle' } }, 0);
    expect(view.progress).toBeUndefined();
  });
});

describe('files in flight', () => {
  const progress = (path: string, bytesDone: number): EngineEvent => ({
    type: 'progress',
    folder: 'f',
    path,
    bytesDone,
    bytesTotal: 100,
    rate: 10,
  });
  const syncing = (view: FolderView) =>
    applyFolderEvent(
      view,
      { type: 'folder', folder: 'f', state: { kind: 'syncing', files: 4, bytes: 400 } },
      0,
    );
  const paths = (view: FolderView) => (view.inFlight ?? []).map((f) => `${f.path}:${f.bytesDone}`);

  it('keeps each download once, in the order they started, with its latest figures', () => {
    let view = syncing(base);
    for (const [path, done] of [
      ['a', 10],
      ['b', 5],
      ['a', 60],
      ['c', 1],
    ] as const)
      view = applyFolderEvent(view, progress(path, done), 0);
    expect(paths(view)).toEqual(['a:60', 'b:5', 'c:1']);
    expect(view.inFlight?.[0]).toEqual({ path: 'a', bytesDone: 60, bytesTotal: 100, rate: 10 });
  });

  it('drops a file when it is synced, has an issue, or ends a conflict (at its path or its copy)', () => {
    let view = syncing(base);
    for (const path of ['a', 'b', 'c', 'd.sync-conflict-20240101-000000-X.txt', 'e'])
      view = applyFolderEvent(view, progress(path, 50), 0);
    view = applyFolderEvent(view, { type: 'synced', folder: 'f', path: 'a', action: 'write' }, 0);
    view = applyFolderEvent(
      view,
      { type: 'file-issue', folder: 'f', path: 'b', code: 'failed', message: 'm' },
      0,
    );
    view = applyFolderEvent(
      view,
      { type: 'conflict', folder: 'f', path: 'd.txt', copyName: 'd.sync-conflict-20240101-000000-X.txt' },
      0,
    );
    expect(paths(view)).toEqual(['c:50', 'e:50']);
    view = applyFolderEvent(
      view,
      { type: 'conflict', folder: 'f', path: 'e', copyName: 'e.sync-conflict-x' },
      0,
    );
    expect(paths(view)).toEqual(['c:50']);
  });

  it('drops every download when the round ends, whatever ends it', () => {
    for (const state of [{ kind: 'idle' }, { kind: 'scanning' }] as const) {
      let view = applyFolderEvent(syncing(base), progress('a', 1), 0);
      view = applyFolderEvent(view, { type: 'folder', folder: 'f', state }, 0);
      expect(view.inFlight).toEqual([]);
    }
  });

  it('keeps the per-peer figures of the round with its progress', () => {
    const peers = [{ peer: 'P', files: 1, bytesReceived: 10, rate: 5 }];
    const view = applyFolderEvent(
      syncing(base),
      {
        type: 'folder-progress',
        folder: 'f',
        filesDone: 0,
        filesTotal: 1,
        bytesDone: 10,
        bytesTotal: 100,
        rate: 5,
        peers,
      },
      0,
    );
    expect(view.progress?.peers).toEqual(peers);
  });
});

describe('opfsFolderName', () => {
  it('is never empty, a dot name, taken, or holding a path separator or control character', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }),
        fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
        (label, extra) => {
          const taken = new Set([...extra, opfsFolderName(label, new Set())]);
          const name = opfsFolderName(label, taken);
          expect(name).not.toBe('');
          expect(name.startsWith('.')).toBe(false);
          expect(taken.has(name)).toBe(false);
          expect([...name].some((c) => c < ' ' || c === '\u007f' || c === '/' || c === '\\')).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps a plain label as it is', () => {
    expect(opfsFolderName('Holiday 2024', new Set())).toBe('Holiday 2024');
    expect(opfsFolderName('a/b', new Set())).toBe('a b');
  });
});
