import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conflictCopyName, conflictOriginal } from '../../../src/core/model/conflictName.ts';
import { validatePath } from '../../../src/core/model/paths.ts';

describe('conflictOriginal', () => {
  it('gives back the path a copy was named after', () => {
    expect(conflictOriginal('notes.sync-conflict-20240305-070809-DEV1.txt')).toBe('notes.txt');
    expect(conflictOriginal('a/b.tar.sync-conflict-20240305-070809-DEV1-2.gz')).toBe('a/b.tar.gz');
    expect(conflictOriginal('x.y/Makefile.sync-conflict-20240305-070809-DEV1')).toBe('x.y/Makefile');
    expect(conflictOriginal('.bashrc.sync-conflict-20240305-070809-DEV1')).toBe('.bashrc');
  });

  it('is undefined for a name that is not a conflict copy', () => {
    expect(conflictOriginal('notes.txt')).toBeUndefined();
    expect(conflictOriginal('notes.sync-conflict-2024-DEV1.txt')).toBeUndefined();
    expect(conflictOriginal('.sync-conflict-20240305-070809-DEV1.txt')).toBeUndefined();
    expect(conflictOriginal('a.sync-conflict-20240305-070809-DEV1.txt/b')).toBeUndefined();
  });

  it('inverts conflictCopyName for every valid path whose name was not shortened', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9 _.-]{1,20}$/).filter((s) => validatePath(s).ok);
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 253402300799999 }),
        fc.stringMatching(/^[A-Z2-7]{4,16}$/),
        fc.integer({ min: 1, max: 30 }),
        (segments, mtime, device, attempt) => {
          const path = segments.join('/');
          fc.pre(validatePath(path).ok);
          expect(conflictOriginal(conflictCopyName(path, mtime, device, attempt))).toBe(path);
        },
      ),
      { numRuns: 500 },
    );
  });
});
