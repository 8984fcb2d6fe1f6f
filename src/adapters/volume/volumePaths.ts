/**
 * The path rules every volume adapter enforces itself (Volume.ts): folder-relative, no way
 * out of the root, and the names Tandem keeps for its own files refused; and the one
 * reading of an expectation they all check before replacing or removing.
 */
import {
  ChangedMeanwhileError,
  InvalidPathError,
  type Expectation,
  type VolumeEntry,
} from '../../ports/Volume.ts';

/**
 * Rejects with `ChangedMeanwhileError` unless `actual` (what is at `path` now, or
 * undefined) is what the engine expected: nothing, or a file of that size and mtime.
 */
export function checkExpectation(
  path: string,
  actual: VolumeEntry | undefined,
  expect: Expectation | undefined,
): void {
  if (expect === undefined) return;
  const matches =
    expect === 'absent'
      ? actual === undefined
      : actual?.kind === 'file' && actual.size === expect.size && actual.mtime === expect.mtime;
  if (!matches) throw new ChangedMeanwhileError(path, expect, actual);
}

/** The marker file at the root of every shared folder. */
export const MARKER = '.tandem';

/** Prefix of the temporary files a volume writes aside; never listed, never addressable. */
export const TEMP_PREFIX = '.tandem.';

/** The directory at the root where a disk volume keeps partial downloads (reserved by its prefix). */
export const PARTIALS_DIR = `${TEMP_PREFIX}partials`;

/** What a partial download's key may be (Volume.openPartial): safe in a file name, one case. */
const PARTIAL_KEY = /^[0-9a-z_-]{1,128}$/;

/** Whether `key` may name a partial download's version. */
export function isPartialKey(key: string): boolean {
  return PARTIAL_KEY.test(key);
}

/** Throws `InvalidPathError` (for `path`) unless `key` is a valid partial key. */
export function checkPartialKey(path: string, key: string): void {
  if (!isPartialKey(key)) {
    throw new InvalidPathError(path, `partial key "${key.slice(0, 40)}" is not 1-128 of 0-9 a-z _ -`);
  }
}

/** Throws `RangeError` unless `offset` and `length` are whole, non-negative and safe. */
export function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`bad range: offset ${offset}, length ${length}`);
  }
}

/** Whether a single name is one Tandem keeps for itself (`fold` for case-insensitive volumes). */
export function isReservedName(name: string, fold: (s: string) => string = (s) => s): boolean {
  const folded = fold(name);
  return folded === MARKER || folded.startsWith(TEMP_PREFIX);
}

/** Checks `path` and returns its segments; throws `InvalidPathError` when it breaks a rule. */
export function pathSegments(path: string, fold?: (s: string) => string): string[] {
  if (path === '') throw new InvalidPathError(path, 'empty');
  if (path.startsWith('/')) throw new InvalidPathError(path, 'absolute');
  if (path.includes('\0')) throw new InvalidPathError(path, 'contains NUL');
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '') throw new InvalidPathError(path, 'empty segment');
    if (segment === '.' || segment === '..') throw new InvalidPathError(path, `"${segment}" segment`);
    if (isReservedName(segment, fold))
      throw new InvalidPathError(path, `"${segment}" is reserved for Tandem`);
  }
  return segments;
}

/** The parent directories of `path`, outermost first (`a/b/c` → `a`, `a/b`). */
export function ancestors(path: string): string[] {
  const segments = path.split('/');
  return segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'));
}
