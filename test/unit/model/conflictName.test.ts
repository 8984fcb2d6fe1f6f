import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FileRecord, VersionVector } from '../../../src/core/model/fileRecord.ts';
import {
  chooseConflictWinner,
  conflictCopyName,
  deleteSupersedes,
  isConflictCopy,
  isRealConflict,
} from '../../../src/core/model/conflictName.ts';
import { baseName, parentOf, utf8Length, validatePath } from '../../../src/core/model/paths.ts';

// 2024-03-05T07:08:09.999Z
const T = Date.UTC(2024, 2, 5, 7, 8, 9, 999);

function record(fields: Partial<FileRecord>): FileRecord {
  return {
    path: 'a.txt',
    size: 1,
    mtime: 0,
    hash: new Uint8Array([1]),
    chunks: [],
    version: { A: 1 },
    deleted: false,
    sequence: 1,
    modifiedBy: 'A',
    ...fields,
  };
}

describe('conflictCopyName', () => {
  it.each([
    ['notes.txt', 'notes.sync-conflict-20240305-070809-DEV1.txt'],
    ['archive.tar.gz', 'archive.tar.sync-conflict-20240305-070809-DEV1.gz'],
    ['Makefile', 'Makefile.sync-conflict-20240305-070809-DEV1'],
    ['.bashrc', '.bashrc.sync-conflict-20240305-070809-DEV1'],
    ['.config.json', '.config.sync-conflict-20240305-070809-DEV1.json'],
    ['a/b/c/report.pdf', 'a/b/c/report.sync-conflict-20240305-070809-DEV1.pdf'],
    ['dir.d/file', 'dir.d/file.sync-conflict-20240305-070809-DEV1'],
    ['my file.v2.txt', 'my file.v2.sync-conflict-20240305-070809-DEV1.txt'],
  ])('names the copy of %j as %j', (path, copy) => {
    expect(conflictCopyName(path, T, 'DEV1')).toBe(copy);
  });

  it.each([
    ['notes.txt', 2, 'notes.sync-conflict-20240305-070809-DEV1-2.txt'],
    ['archive.tar.gz', 3, 'archive.tar.sync-conflict-20240305-070809-DEV1-3.gz'],
    ['.bashrc', 12, '.bashrc.sync-conflict-20240305-070809-DEV1-12'],
    ['notes.txt', 1, 'notes.sync-conflict-20240305-070809-DEV1.txt'],
  ])('names the copy of %j at attempt %i %j, with the counter after the device', (path, attempt, copy) => {
    expect(conflictCopyName(path, T, 'DEV1', attempt)).toBe(copy);
  });

  it('counts an attempt that is not a whole number past 1 as the first', () => {
    const plain = conflictCopyName('x.txt', T, 'D');
    for (const attempt of [0, -2, 1.5, NaN, Infinity])
      expect(conflictCopyName('x.txt', T, 'D', attempt)).toBe(plain);
  });

  it('gives each attempt its own valid, recognizable name, also where the name must be shortened', () => {
    const names = fc.constantFrom('a.txt', 'Makefile', `${'é'.repeat(120)}.txt`, `CONxx.${'e'.repeat(216)}`);
    fc.assert(
      fc.property(names, fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 1e6 }), (name, m, n) => {
        const one = conflictCopyName(`d/${name}`, T, 'X'.repeat(64), m);
        const other = conflictCopyName(`d/${name}`, T, 'X'.repeat(64), n);
        expect(validatePath(one)).toEqual({ ok: true, path: one });
        expect(isConflictCopy(one)).toBe(true);
        expect(one === other).toBe(m === n);
      }),
    );
  });

  it('formats the time in UTC, whatever the time zone', () => {
    const zone = process.env.TZ;
    // UTC+14: a local-time formatter would name these a day later.
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      expect(new Date(T).getHours()).toBe(21);
      expect(conflictCopyName('x', Date.UTC(1999, 11, 31, 23, 59, 59), 'D')).toBe(
        'x.sync-conflict-19991231-235959-D',
      );
      expect(conflictCopyName('x', 0, 'D')).toBe('x.sync-conflict-19700101-000000-D');
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('clamps times it cannot show into 1970–9999', () => {
    expect(conflictCopyName('x', -1, 'D')).toBe('x.sync-conflict-19700101-000000-D');
    expect(conflictCopyName('x', NaN, 'D')).toBe('x.sync-conflict-19700101-000000-D');
    expect(conflictCopyName('x', 8.64e15, 'D')).toBe('x.sync-conflict-99991231-235959-D');
  });

  it('keeps a malformed device ID out of the name', () => {
    expect(conflictCopyName('x', 0, 'a/b:c')).toBe('x.sync-conflict-19700101-000000-a_b_c');
    expect(conflictCopyName('x', 0, '')).toBe('x.sync-conflict-19700101-000000-_');
  });

  it('shortens a long name to stay within 255 bytes and keeps its extension', () => {
    const copy = conflictCopyName(`d/${'é'.repeat(120)}.txt`, T, 'DEV1');
    expect(validatePath(copy).ok).toBe(true);
    expect(utf8Length(baseName(copy))).toBeLessThanOrEqual(255);
    expect(copy).toMatch(/^d\/é+\.sync-conflict-20240305-070809-DEV1\.txt$/);
  });

  it('does not shorten a name into one Windows reserves', () => {
    // The suffix takes 35 bytes and the extension 217, leaving 3 for the stem: "CON".
    const extension = `.${'e'.repeat(216)}`;
    const copy = conflictCopyName(`CONxx${extension}`, T, 'DEV1');
    expect(copy).toBe(`CO.sync-conflict-20240305-070809-DEV1${extension}`);
    expect(validatePath(copy)).toEqual({ ok: true, path: copy });
  });

  it('gives a valid, recognizable copy name for every valid path', () => {
    const segment = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 90 })
      .map((s) => s.normalize('NFC'))
      .filter((s) => validatePath(s).ok);
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
    const device = fc.stringMatching(/^[A-Z2-7]{1,64}$/);
    fc.assert(
      fc.property(path, fc.integer({ min: -1e13, max: 1e15 }), device, (p, mtime, d) => {
        const copy = conflictCopyName(p, mtime, d);
        expect(validatePath(copy)).toEqual({ ok: true, path: copy });
        expect(parentOf(copy)).toBe(parentOf(p));
        expect(isConflictCopy(copy)).toBe(true);
        expect(conflictCopyName(p, mtime, d)).toBe(copy);
      }),
    );
  });

  it('gives names at the 255-byte limit a valid copy name', () => {
    const long = fc.tuple(
      fc.constantFrom('a', 'é', '字', '😀', ' ', '.'),
      fc.constantFrom('', '.txt', '.' + 'e'.repeat(200)),
    );
    fc.assert(
      fc.property(long, ([unit, ext]) => {
        let stem = 'N';
        while (utf8Length(stem + unit + ext + 'Z') <= 255) stem += unit;
        const name = stem + 'Z' + ext;
        expect(validatePath(name).ok).toBe(true);
        const copy = conflictCopyName(name, T, 'X'.repeat(64));
        expect(validatePath(copy)).toEqual({ ok: true, path: copy });
        expect(isConflictCopy(copy)).toBe(true);
      }),
    );
  });
});

describe('isConflictCopy', () => {
  it('recognizes copy names and nothing else', () => {
    expect(isConflictCopy('a/notes.sync-conflict-20240305-070809-DEV1.txt')).toBe(true);
    expect(isConflictCopy('.bashrc.sync-conflict-20240305-070809-DEV1')).toBe(true);
    expect(isConflictCopy('a/notes.sync-conflict-20240305-070809-DEV1-2.txt')).toBe(true);
    expect(isConflictCopy(`notes.sync-conflict-20240305-070809-${'D'.repeat(64)}-17`)).toBe(true);
    expect(isConflictCopy(`notes.sync-conflict-20240305-070809-${'D'.repeat(64)}-0`)).toBe(false);
    expect(isConflictCopy('notes.txt')).toBe(false);
    expect(isConflictCopy('notes.sync-conflict-2024035-070809-DEV1.txt')).toBe(false);
    expect(isConflictCopy('notes.sync-conflict-20240305-070809-.txt')).toBe(false);
    expect(isConflictCopy('a.sync-conflict-20240305-070809-DEV1/notes.txt')).toBe(false);
  });
});

describe('isRealConflict', () => {
  const left = { A: 2, B: 1 };
  const right = { A: 1, B: 2 };

  it('is a conflict when concurrent versions hold different content', () => {
    expect(
      isRealConflict(
        record({ version: left, hash: new Uint8Array([1]) }),
        record({ version: right, hash: new Uint8Array([2]) }),
      ),
    ).toBe(true);
  });

  it('is never a conflict when the content is the same', () => {
    expect(isRealConflict(record({ version: left }), record({ version: right }))).toBe(false);
  });

  it('is not a conflict when one version dominates, however different the content', () => {
    const older = record({ version: { A: 1 }, hash: new Uint8Array([1]) });
    const newer = record({ version: { A: 2 }, hash: new Uint8Array([2]) });
    expect(isRealConflict(older, newer)).toBe(false);
    expect(isRealConflict(newer, older)).toBe(false);
  });

  it('is a conflict when an edit is concurrent with a delete, but not two deletes', () => {
    const tombstone = (version: VersionVector) =>
      record({ version, deleted: true, size: 0, hash: new Uint8Array(0) });
    expect(isRealConflict(record({ version: left }), tombstone(right))).toBe(true);
    expect(isRealConflict(tombstone(left), tombstone(right))).toBe(false);
  });
});

describe('deleteSupersedes', () => {
  const tombstone = (version: VersionVector) =>
    record({ version, deleted: true, size: 0, hash: new Uint8Array(0), modifiedBy: 'B' });
  // A's content won a conflict against E's on some device: merged version, A's content.
  const winner = record({ version: { A: 1, E: 1 }, modifiedBy: 'A' });

  it('holds for a delete that had the content a merged conflict winner carries', () => {
    expect(deleteSupersedes(tombstone({ A: 1, B: 1 }), winner)).toBe(true);
  });

  it('does not hold for a delete that never saw the edit: that edit beats it', () => {
    expect(deleteSupersedes(tombstone({ E: 1, B: 1 }), winner)).toBe(false);
    expect(deleteSupersedes(tombstone({ B: 1 }), record({ version: { A: 1 } }))).toBe(false);
  });

  it('does not hold when the versions are ordered, or for records of unknown authorship', () => {
    expect(deleteSupersedes(tombstone({ A: 1, B: 1, E: 1 }), winner)).toBe(false);
    expect(
      deleteSupersedes(tombstone({ A: 1, B: 1 }), record({ version: { C: 1, E: 1 }, modifiedBy: 'A' })),
    ).toBe(false);
  });

  it('holds only from a tombstone over a live record', () => {
    expect(deleteSupersedes(winner, tombstone({ A: 1, B: 1 }))).toBe(false);
    expect(deleteSupersedes(tombstone({ A: 1, B: 1 }), tombstone({ A: 1, E: 1 }))).toBe(false);
  });
});

describe('chooseConflictWinner', () => {
  it('lets the newer mtime keep the name', () => {
    const older = record({ mtime: 1000, modifiedBy: 'ZZZ' });
    const newer = record({ mtime: 2000, modifiedBy: 'AAA' });
    expect(chooseConflictWinner(older, newer)).toBe(newer);
    expect(chooseConflictWinner(newer, older)).toBe(newer);
  });

  it('breaks an mtime tie with the lexically greater device ID', () => {
    const a = record({ mtime: 1000, modifiedBy: 'ABC' });
    const b = record({ mtime: 1000, modifiedBy: 'ABD' });
    expect(chooseConflictWinner(a, b)).toBe(b);
    expect(chooseConflictWinner(b, a)).toBe(b);
  });

  it('keeps an edit over a concurrent delete, even a later one', () => {
    const edit = record({ mtime: 1000 });
    const deletion = record({ mtime: 9000, deleted: true, modifiedBy: 'ZZZ' });
    expect(chooseConflictWinner(edit, deletion)).toBe(edit);
    expect(chooseConflictWinner(deletion, edit)).toBe(edit);
  });

  it('is symmetric and depends only on what every device sees the same', () => {
    const bytes = fc.uint8Array({ minLength: 0, maxLength: 2, max: 2 });
    const version = fc
      .array(fc.tuple(fc.constantFrom('A', 'B'), fc.nat({ max: 2 })), { maxLength: 2 })
      .map((e) => Object.fromEntries(e));
    const rec = fc
      .record({
        mtime: fc.nat({ max: 2 }),
        modifiedBy: fc.constantFrom('A', 'B', 'a'),
        hash: bytes,
        version,
        deleted: fc.boolean(),
        size: fc.nat({ max: 2 }),
        sequence: fc.nat(),
      })
      .map(record);
    fc.assert(
      fc.property(rec, rec, fc.nat(), fc.nat(), (a, b, seqA, seqB) => {
        const winner = chooseConflictWinner(a, b);
        expect([a, b]).toContain(winner);
        const flipped = chooseConflictWinner(b, a);
        // Local sequence numbers differ from device to device; they must not matter.
        const renumbered = chooseConflictWinner({ ...b, sequence: seqB }, { ...a, sequence: seqA });
        // Sequence numbers are local, and a zero counter is the same as an absent one.
        const shared = (r: FileRecord) => ({
          ...r,
          sequence: 0,
          version: Object.fromEntries(Object.entries(r.version).filter(([, n]) => n > 0)),
        });
        expect(shared(flipped)).toEqual(shared(winner));
        expect(shared(renumbered)).toEqual(shared(winner));
        if (a.deleted !== b.deleted) expect(winner.deleted).toBe(false);
        else if (a.mtime !== b.mtime) expect(winner.mtime).toBe(Math.max(a.mtime, b.mtime));
        else if (a.modifiedBy !== b.modifiedBy)
          expect(winner.modifiedBy).toBe(a.modifiedBy > b.modifiedBy ? a.modifiedBy : b.modifiedBy);
      }),
    );
  });
});
