import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  baseName,
  caseFoldKey,
  findCaseCollisions,
  normalizePath,
  parentOf,
  PATH_PROBLEM_MESSAGES,
  utf8Length,
  validatePath,
  type PathProblem,
} from '../../../src/core/model/paths.ts';

/** Segments made of letters, digits, unicode, spaces and dots inside: valid by construction. */
const validSegment = fc
  .tuple(
    fc.constantFrom('a', 'Z', '0', 'é', 'ß', 'Ω', '漢', '😀', '_', '-', '.', 'tandem'),
    fc.array(fc.constantFrom('a', 'B', '9', 'ü', 'ı', ' ', '.', '-', '字', '🙂', 'İ', 'ς'), {
      maxLength: 20,
    }),
    fc.constantFrom('x', 'Y', '7', 'é', ')', '字'),
  )
  .map(([first, middle, last]) => first + middle.join('') + last);

const validPath = fc
  .array(validSegment, { minLength: 1, maxLength: 6 })
  .map((segments) => segments.join('/'));

const problems: [PathProblem, string][] = [
  ['empty', ''],
  ['absolute', '/etc/passwd'],
  ['absolute', '/a'],
  ['backslash', 'a\\b'],
  ['backslash', '..\\..\\windows'],
  ['dot-segment', '.'],
  ['dot-segment', '..'],
  ['dot-segment', '../secret'],
  ['dot-segment', 'a/./b'],
  ['dot-segment', 'a/b/..'],
  ['empty-segment', 'a//b'],
  ['empty-segment', 'a/'],
  ['control-character', 'a\u0000b'],
  ['control-character', 'line\nbreak'],
  ['control-character', 'tab\there'],
  ['control-character', 'del\u007f'],
  ['control-character', 'c1\u0085x'],
  ['invalid-unicode', 'lone\ud800x'],
  ['invalid-unicode', 'x\udc00'],
  ['segment-too-long', 'a'.repeat(256)],
  ['segment-too-long', `dir/${'é'.repeat(128)}`], // 256 bytes, 128 characters
  ['path-too-long', Array.from({ length: 17 }, () => 'a'.repeat(250)).join('/')],
  ['not-nfc', 'cafe\u0301'],
  ['not-nfc', 'dir/A\u030a.txt'],
  ['reserved-name', 'CON'],
  ['reserved-name', 'con'],
  ['reserved-name', 'dir/nul.txt'],
  ['reserved-name', 'Aux.tar.gz'],
  ['reserved-name', 'COM1'],
  ['reserved-name', 'com9.log'],
  ['reserved-name', 'LPT5'],
  ['reserved-name', 'lpt1.txt'],
  ['reserved-name', 'COM¹'],
  ['reserved-name', 'prn'],
  ['reserved-name', 'CON .txt'],
  ['forbidden-character', 'a<b'],
  ['forbidden-character', 'a>b'],
  ['forbidden-character', 'C:/x'],
  ['forbidden-character', 'say "hi"'],
  ['forbidden-character', 'a|b'],
  ['forbidden-character', 'what?'],
  ['forbidden-character', 'glob*'],
  ['trailing-space-or-dot', 'name '],
  ['trailing-space-or-dot', 'dir./x'],
  ['trailing-space-or-dot', 'a...'],
];

const accepted = [
  'a',
  'README.md',
  '.tandemignore',
  '.tandem',
  '.bashrc',
  'dir/sub/file.tar.gz',
  'with spaces inside/my file.txt',
  'dots.in.the.middle',
  '...x',
  'café/naïve.txt',
  '日本語/ファイル.txt',
  'emoji 😀/🙂',
  'CONSOLE',
  'CON1',
  'COM0',
  'COM10',
  'LPT',
  'xnul',
  'a'.repeat(255),
  'é'.repeat(127),
  Array.from({ length: 16 }, () => 'a'.repeat(255)).join('/'), // 4095 bytes
];

describe('validatePath', () => {
  const shown = (path: string) => (path.length > 40 ? `${path.slice(0, 20)}… (${path.length} chars)` : path);

  it.each(problems.map(([reason, path]) => [reason, shown(path), path] as const))(
    'refuses a path for the reason %s: %j',
    (reason, _shown, path) => {
      const result = validatePath(path);
      expect(result).toEqual({ ok: false, reason, message: PATH_PROBLEM_MESSAGES[reason] });
    },
  );

  it('has a table example for every problem code', () => {
    const covered = new Set(problems.map(([reason]) => reason));
    expect([...covered].sort()).toEqual(Object.keys(PATH_PROBLEM_MESSAGES).sort());
  });

  it.each(accepted.map((p) => [shown(p), p] as const))('accepts %j', (_shown, path) => {
    expect(validatePath(path)).toEqual({ ok: true, path });
  });

  it('never throws on a normalized arbitrary string, and only accepts NFC', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (raw) => {
        const path = normalizePath(raw);
        const result = validatePath(path);
        if (result.ok) expect(result.path.normalize('NFC')).toBe(result.path);
        else expect(PATH_PROBLEM_MESSAGES[result.reason]).toBe(result.message);
      }),
    );
  });

  it('accepts any path joined from valid segments', () => {
    fc.assert(
      fc.property(validPath, (path) => {
        expect(validatePath(normalizePath(path)).ok).toBe(true);
      }),
    );
  });

  it('refuses a valid path once any segment becomes "..", empty, or holds a "?"', () => {
    fc.assert(
      fc.property(
        fc.array(validSegment, { minLength: 2, maxLength: 5 }),
        fc.nat(),
        fc.constantFrom<[string, PathProblem]>(
          ['..', 'dot-segment'],
          ['', 'empty-segment'],
          ['q?', 'forbidden-character'],
        ),
        (segments, at, [replacement, reason]) => {
          const normal = segments.map(normalizePath);
          const index = at % normal.length;
          normal[index] = replacement;
          const result = validatePath(normal.join('/'));
          // An empty first segment is a leading "/".
          expect(result.ok ? 'ok' : result.reason).toBe(
            replacement === '' && index === 0 ? 'absolute' : reason,
          );
        },
      ),
    );
  });
});

describe('utf8Length', () => {
  it('counts the bytes TextEncoder writes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), (s) => {
        expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
      }),
    );
  });
});

describe('normalizePath, parentOf and baseName', () => {
  it('normalizes a decomposed name to NFC', () => {
    expect(normalizePath('cafe\u0301')).toBe('caf\u00e9');
  });

  it('splits a path into its directory and its name', () => {
    expect(parentOf('a/b/c.txt')).toBe('a/b');
    expect(baseName('a/b/c.txt')).toBe('c.txt');
    expect(parentOf('top')).toBe('');
    expect(baseName('top')).toBe('top');
  });

  it('rebuilds any valid path from its parent and base name', () => {
    fc.assert(
      fc.property(validPath, (path) => {
        const parent = parentOf(path);
        expect(parent === '' ? baseName(path) : `${parent}/${baseName(path)}`).toBe(path);
        expect(baseName(path)).not.toContain('/');
      }),
    );
  });
});

/** Flips the case of the characters picked by `flips`, one code point at a time. */
function flipCase(path: string, flips: readonly boolean[]): string {
  return [...path]
    .map((ch, i) =>
      flips[i % Math.max(flips.length, 1)]
        ? ch === ch.toUpperCase()
          ? ch.toLowerCase()
          : ch.toUpperCase()
        : ch,
    )
    .join('');
}

describe('case collisions', () => {
  it('gives the same key to names differing only by case, including ß and final sigma', () => {
    expect(caseFoldKey('README.md')).toBe(caseFoldKey('readme.MD'));
    expect(caseFoldKey('Straße')).toBe(caseFoldKey('STRASSE'));
    expect(caseFoldKey('ΟΔΟΣ')).toBe(caseFoldKey('οδος'));
    expect(caseFoldKey('Ca\u0301fe')).toBe(caseFoldKey('CÁFE'));
    expect(caseFoldKey('a.txt')).not.toBe(caseFoldKey('b.txt'));
  });

  it('folds ASCII the short way to the same key as the full folding, and anything else the full way', () => {
    const full = (p: string) => p.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
    const names = fc.oneof(fc.string({ unit: 'binary-ascii' }), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(names, (name) => {
        expect(caseFoldKey(name)).toBe(full(name));
      }),
      { numRuns: 2000 },
    );
  });

  it('groups case-only variants and leaves distinct names alone', () => {
    expect(findCaseCollisions(['README.md', 'docs/a', 'Readme.md', 'readme.txt', 'README.md'])).toEqual([
      ['README.md', 'Readme.md'],
    ]);
  });

  it('reports directories that differ only by case, even when the files in them differ', () => {
    expect(findCaseCollisions(['Docs/a.txt', 'docs/b.txt', 'docs/c.txt'])).toEqual([['Docs', 'docs']]);
  });

  it('finds a collision whenever a path is added with some letters flipped', () => {
    fc.assert(
      fc.property(validPath, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (path, flips) => {
        const flipped = normalizePath(flipCase(path, flips));
        fc.pre(flipped !== path);
        const groups = findCaseCollisions([path, flipped]);
        expect(groups.some((g) => g.includes(path) && g.includes(flipped))).toBe(true);
        for (const group of groups) expect(new Set(group.map(caseFoldKey)).size).toBe(1);
      }),
    );
  });

  it('finds no collision among names that differ by more than case', () => {
    const lowerName = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.array(lowerName, { minLength: 1, maxLength: 3 }), {
          selector: (segments) => segments.join('/'),
          maxLength: 20,
        }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        (paths, flips) => {
          // One consistent spelling per lowercase segment, so only true differences remain.
          const spell = (segments: string[]) => segments.map((s) => flipCase(s, flips)).join('/');
          const collisions = findCaseCollisions(paths.map(spell));
          expect(collisions).toEqual([]);
        },
      ),
    );
  });
});
