/**
 * `.tandemignore`: the paths a scan leaves alone, in gitignore syntax (the `ignore`
 * package, which follows `git check-ignore`).
 *
 * - Only the file at the root counts; a `.tandemignore` deeper down is an ordinary file.
 * - The file itself is never ignored: it is synced like any other, so every device of a
 *   folder applies the same rules.
 * - Matching ignores case (`*.jpg` also ignores `IMG.JPG`), as git does on Windows and
 *   macOS. The choice is fixed, not taken from the platform, so a path gets the same answer
 *   on every device.
 * - A file under an ignored directory is ignored and cannot be re-included (`build/` then
 *   `!build/keep` keeps nothing), as in git. Directories are tested with a trailing `/`,
 *   so `build/` ignores a directory but not a file named `build`.
 */
import ignore from 'ignore';
import { ChangedMeanwhileError, NotFoundError, type EntryKind, type Volume } from '../../ports/Volume.ts';

/** The rules file, at the folder's root. */
export const IGNORE_FILE = '.tandemignore';

/** Larger rules files are refused rather than read whole into memory. */
export const MAX_IGNORE_FILE_BYTES = 1 << 20;

export interface IgnoreRules {
  /** Whether the scan skips `path` (folder-relative, NFC). */
  ignores(path: string, kind: EntryKind): boolean;
}

/** No rules: nothing is ignored (a folder without `.tandemignore`). */
export const NO_IGNORE_RULES: IgnoreRules = { ignores: () => false };

/** The rules in `text`, the content of a `.tandemignore`. */
export function parseIgnoreRules(text: string): IgnoreRules {
  const rules = ignore({ ignorecase: true }).add(text);
  return {
    ignores(path, kind) {
      if (path === IGNORE_FILE) return false;
      const key = kind === 'directory' ? `${path}/` : path;
      // A path the package cannot test (`./x`, `../x`, `/x`) is not ignored: it reaches
      // path validation instead, which reports it.
      return ignore.isPathValid(path) && rules.ignores(key);
    },
  };
}

/**
 * The rules of the folder's `.tandemignore` (none when absent), or why they cannot be read
 * now: too large, or changed while being read. Volume errors other than those reject.
 */
export async function readIgnoreRules(
  volume: Volume,
): Promise<IgnoreRules | { readonly unreadable: string }> {
  const entry = await volume.stat(IGNORE_FILE);
  if (entry?.kind !== 'file') return NO_IGNORE_RULES;
  try {
    const source = await volume.source(IGNORE_FILE);
    if (source.size > MAX_IGNORE_FILE_BYTES) {
      return { unreadable: `${IGNORE_FILE} is larger than 1 MiB; shorten it so the folder can be scanned.` };
    }
    const bytes = source.size === 0 ? new Uint8Array(0) : await source.read(0, source.size);
    return parseIgnoreRules(new TextDecoder().decode(bytes));
  } catch (error) {
    if (error instanceof ChangedMeanwhileError || error instanceof NotFoundError) {
      return { unreadable: `${IGNORE_FILE} changed while it was being read; the next scan reads it again.` };
    }
    throw error;
  }
}
