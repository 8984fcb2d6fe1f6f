/**
 * "Why isn't this in sync?": explainPath compares this device's record with each peer's and
 * reports facts (never sentences) for every case the folder card can ask about.
 */
import { describe, expect, it } from 'vitest';
import {
  explainPath,
  matchIgnoreRule,
  PathNotes,
  type ExplainInput,
  type PeerInput,
} from '../../../src/core/engine/explain.ts';
import type { FileRecord, VersionVector } from '../../../src/core/model/fileRecord.ts';

const LAPTOP = 'LAPTOPLAPTOPLAPTOPLAPTOPLAPTOPLAPTOPLAPTOPLAPTOPLAPT';
const PHONE = 'PHONEPHONEPHONEPHONEPHONEPHONEPHONEPHONEPHONEPHONEPH';

function record(version: VersionVector, over: Partial<FileRecord> = {}): FileRecord {
  return {
    path: 'notes.txt',
    size: 10,
    mtime: 1_700_000_000_000,
    hash: new Uint8Array([1, 2, 3]),
    chunks: [{ hash: new Uint8Array([1]), size: 10 }],
    version,
    deleted: false,
    sequence: 1,
    modifiedBy: 'HERE',
    ...over,
  };
}

const tombstone = (version: VersionVector, mtime = 1_700_000_100_000) =>
  record(version, { deleted: true, size: 0, hash: new Uint8Array(0), chunks: [], mtime });

function peer(rec: FileRecord | undefined, over: Partial<PeerInput> = {}): PeerInput {
  return { device: LAPTOP, connected: true, indexReceived: true, record: rec, ...over };
}

function explain(over: Partial<ExplainInput>) {
  return explainPath({
    path: 'notes.txt',
    local: undefined,
    peers: [],
    ignoreText: undefined,
    onDisk: 'file',
    ...over,
  });
}

describe('explainPath', () => {
  it('says a path is up to date when the peer holds the same version', () => {
    const here = record({ HERE: 5 });
    const out = explain({ local: here, peers: [peer(record({ HERE: 5 }))] });
    expect(out).toMatchObject({ kind: 'tracked', peers: [{ device: LAPTOP, standing: { kind: 'same' } }] });
  });

  it('says the peer has a newer version, with its edit time and the download under way', () => {
    const out = explain({
      local: record({ HERE: 5 }),
      peers: [peer(record({ HERE: 5, LAPT: 9 }, { mtime: 42, modifiedBy: 'LAPT', size: 10e6 }))],
      download: { bytesDone: 3e6, bytesTotal: 10e6 },
    });
    expect(out).toMatchObject({
      kind: 'tracked',
      download: { bytesDone: 3e6, bytesTotal: 10e6 },
      peers: [
        { standing: { kind: 'peer-newer', record: { mtime: 42, modifiedBy: 'LAPT', deleted: false } } },
      ],
    });
  });

  it('says the peer is behind when the local version dominates, offline or not', () => {
    const out = explain({
      local: record({ HERE: 6 }),
      peers: [peer(record({ HERE: 5 }), { connected: false })],
    });
    expect(out).toMatchObject({ peers: [{ connected: false, standing: { kind: 'peer-behind' } }] });
  });

  it('names the .tandemignore rule and its line for an ignored path', () => {
    const out = explain({ path: 'cache/a.tmp', ignoreText: '# scratch\n\n*.tmp\nbuild/\n' });
    expect(out).toEqual({
      kind: 'ignored',
      path: 'cache/a.tmp',
      rule: { pattern: '*.tmp', line: 3 },
      recorded: false,
    });
    expect(explain({ path: 'build/x/y.o', ignoreText: '*.tmp\r\nbuild/\r\n' })).toMatchObject({
      rule: { pattern: 'build/', line: 2 },
    });
    // A negation that re-includes it: not ignored, so explained as any other path.
    expect(explain({ path: 'keep.tmp', ignoreText: '*.tmp\n!keep.tmp\n', onDisk: 'file' }).kind).toBe(
      'not-indexed',
    );
  });

  it('says a local delete has not reached an offline peer', () => {
    const out = explain({
      local: tombstone({ HERE: 7 }),
      onDisk: 'absent',
      peers: [peer(record({ HERE: 5 }), { connected: false })],
    });
    expect(out).toMatchObject({
      local: { deleted: true, mtime: 1_700_000_100_000 },
      peers: [{ connected: false, standing: { kind: 'peer-behind', record: { deleted: false } } }],
    });
  });

  it('reports a concurrent edit as a conflict, and lists the copies already kept', () => {
    const out = explain({
      local: record({ HERE: 5, LAPT: 1 }),
      peers: [peer(record({ HERE: 4, LAPT: 2 }, { hash: new Uint8Array([9]) }))],
      conflictCopies: [
        'notes.sync-conflict-20240305-070809-LAPT.txt',
        'other.sync-conflict-20240305-070809-X.txt',
      ],
    });
    expect(out).toMatchObject({
      kind: 'tracked',
      peers: [{ standing: { kind: 'conflict' } }],
      conflictCopies: ['notes.sync-conflict-20240305-070809-LAPT.txt'],
    });
  });

  it('does not call concurrent versions of the same content a conflict', () => {
    const out = explain({
      local: record({ HERE: 5, LAPT: 1 }),
      peers: [peer(record({ HERE: 4, LAPT: 2 }))],
    });
    expect(out).toMatchObject({ peers: [{ standing: { kind: 'same' } }] });
  });

  it('knows a conflict copy and the path it was kept beside', () => {
    const path = 'dir/notes.sync-conflict-20240305-070809-LAPT.txt';
    const out = explain({ path, local: record({ HERE: 1 }, { path }) });
    expect(out).toMatchObject({ kind: 'tracked', copyOf: 'dir/notes.txt' });
  });

  it('passes on the issue the engine reported (blocked, failed, waiting for a peer)', () => {
    const issue = { code: 'case-collision' as const, message: 'It differs only by case from "Notes.txt".' };
    const out = explain({ local: undefined, peers: [peer(record({ LAPT: 3 }))], issue });
    expect(out).toMatchObject({ kind: 'tracked', issue, peers: [{ standing: { kind: 'peer-newer' } }] });
  });

  it('says a path nobody knows is unknown, suggesting ones that differ by case', () => {
    expect(explain({ onDisk: 'absent', knownPaths: ['Notes.TXT', 'a.txt'] })).toEqual({
      kind: 'unknown',
      path: 'notes.txt',
      similar: ['Notes.TXT'],
    });
  });

  it('tells a file not scanned yet, a directory and a path that cannot be synced apart', () => {
    expect(explain({ onDisk: 'file' }).kind).toBe('not-indexed');
    expect(explain({ onDisk: 'directory' })).toEqual({ kind: 'directory', path: 'notes.txt' });
    expect(explain({ path: '../secret' })).toMatchObject({ kind: 'invalid' });
    expect(explain({ path: './notes.txt', local: record({ HERE: 1 }) }).path).toBe('notes.txt');
  });

  it('is honest about a peer that sent no record, and one that never sent its index', () => {
    const out = explain({
      local: record({ HERE: 5 }),
      peers: [peer(undefined), peer(undefined, { device: PHONE, indexReceived: false, connected: false })],
    });
    expect(out).toMatchObject({
      peers: [
        { device: LAPTOP, standing: { kind: 'not-reported' } },
        { device: PHONE, connected: false, standing: { kind: 'no-index' } },
      ],
    });
  });

  it('says a paused folder is paused', () => {
    const out = explain({
      local: record({ HERE: 1 }),
      state: { kind: 'paused', reason: 'marker-missing', message: 'the marker is gone' },
    });
    expect(out).toMatchObject({ kind: 'tracked', paused: 'the marker is gone' });
  });

  it("takes a peer's delete of the version held here as newer", () => {
    const here = record({ HERE: 5 });
    const gone = tombstone({ HERE: 5, LAPT: 1 });
    const out = explain({ local: here, peers: [peer({ ...gone, version: { LAPT: 9, HERE: 5 } })] });
    expect(out).toMatchObject({ peers: [{ standing: { kind: 'peer-newer', record: { deleted: true } } }] });
  });
});

describe('matchIgnoreRule', () => {
  it('agrees with the scan: the ignore file itself is never ignored', () => {
    expect(matchIgnoreRule('*\n', '.tandemignore', 'file')).toBeUndefined();
    expect(matchIgnoreRule('*\n', 'a', 'file')).toEqual({ pattern: '*', line: 1 });
  });
});

describe('PathNotes', () => {
  it('keeps the last issue and download per path until the path syncs or a new round starts', () => {
    const notes = new PathNotes();
    notes.note({ type: 'progress', folder: 'f', path: 'a', bytesDone: 1, bytesTotal: 4, rate: 1 });
    notes.note({ type: 'file-issue', folder: 'f', path: 'b', code: 'failed', message: 'disk full' });
    expect(notes.download('f', 'a')).toEqual({ bytesDone: 1, bytesTotal: 4 });
    expect(notes.issue('f', 'b')).toEqual({ code: 'failed', message: 'disk full' });
    notes.note({ type: 'synced', folder: 'f', path: 'a', action: 'write' });
    expect(notes.download('f', 'a')).toBeUndefined();
    notes.note({ type: 'folder', folder: 'f', state: { kind: 'syncing', files: 1, bytes: 1 } });
    expect(notes.issue('f', 'b')).toBeUndefined();
  });
});
