/**
 * Path rules for every folder-relative path Tandem scans, stores or receives (DESIGN.md,
 * "Data model" and "Rules of the house").
 *
 * A valid path is `/`-separated, relative, in Unicode NFC, and nameable on every system a
 * folder may be shared to (Windows included):
 *
 * - not empty; no leading `/`; no `\`; no empty segment (`a//b`, trailing `/`); no `.` or
 *   `..` segment;
 * - no control character (C0 including NUL, DEL, C1) and no unpaired UTF-16 surrogate
 *   (it has no UTF-8 form, so it could not cross the wire unchanged);
 * - at most 255 UTF-8 bytes per segment and 4096 for the whole path;
 * - already NFC: local names go through `normalizePath` first; a received path that is
 *   not NFC is refused, never silently renamed;
 * - no Windows-reserved name (CON, PRN, AUX, NUL, COM1–COM9, LPT1–LPT9, also with the
 *   superscript digits ¹²³ Windows treats alike, any case, with or without an extension),
 *   none of `<>:"|?*`, and no segment ending in a space or a dot.
 *
 * `.tandem` and `.tandemignore` are ordinary valid names here; what they mean is decided
 * elsewhere. Case-only collisions (`Readme.md` next to `README.md`) are valid paths, but
 * cannot coexist on case-insensitive systems: `findCaseCollisions` reports them.
 */

/** Why a path was refused: a closed set of codes, each with a message for people. */
export type PathProblem =
  | 'empty'
  | 'absolute'
  | 'backslash'
  | 'dot-segment'
  | 'empty-segment'
  | 'control-character'
  | 'invalid-unicode'
  | 'segment-too-long'
  | 'path-too-long'
  | 'not-nfc'
  | 'reserved-name'
  | 'forbidden-character'
  | 'trailing-space-or-dot';

export const PATH_PROBLEM_MESSAGES: Readonly<Record<PathProblem, string>> = {
  empty: 'The path is empty.',
  absolute: 'The path starts with "/"; paths must be relative to the folder.',
  backslash: 'The path contains "\\"; paths are separated by "/".',
  'dot-segment': 'The path contains a "." or ".." segment.',
  'empty-segment': 'The path contains an empty name ("//" or a trailing "/").',
  'control-character': 'The path contains a control character (such as NUL or a line break).',
  'invalid-unicode': 'The path contains an unpaired surrogate, which has no UTF-8 form.',
  'segment-too-long': 'A name in the path is longer than 255 bytes (UTF-8).',
  'path-too-long': 'The path is longer than 4096 bytes (UTF-8).',
  'not-nfc': 'The path is not in Unicode normal form C (NFC).',
  'reserved-name': 'A name in the path is reserved on Windows (CON, PRN, AUX, NUL, COM1–9, LPT1–9).',
  'forbidden-character': 'The path contains a character Windows forbids in names: < > : " | ? *',
  'trailing-space-or-dot': 'A name in the path ends with a space or a dot, which Windows cannot store.',
};

export type PathResult =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly reason: PathProblem; readonly message: string };

export const MAX_SEGMENT_BYTES = 255;
export const MAX_PATH_BYTES = 4096;

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const WINDOWS_FORBIDDEN = /[<>:"|?*]/;
const WINDOWS_RESERVED = /^(?:CON|PRN|AUX|NUL|COM[1-9¹²³]|LPT[1-9¹²³])$/i;

/** Checks `path` against the rules above; the first problem found is the reason. */
export function validatePath(path: string): PathResult {
  const problem = findProblem(path);
  return problem === undefined
    ? { ok: true, path }
    : { ok: false, reason: problem, message: PATH_PROBLEM_MESSAGES[problem] };
}

function findProblem(path: string): PathProblem | undefined {
  if (path.length === 0) return 'empty';
  if (UNPAIRED_SURROGATE.test(path)) return 'invalid-unicode';
  if (hasControlCharacter(path)) return 'control-character';
  if (path.includes('\\')) return 'backslash';
  if (path.startsWith('/')) return 'absolute';
  if (path.normalize('NFC') !== path) return 'not-nfc';
  if (utf8Length(path) > MAX_PATH_BYTES) return 'path-too-long';
  for (const segment of path.split('/')) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function segmentProblem(segment: string): PathProblem | undefined {
  if (segment.length === 0) return 'empty-segment';
  if (segment === '.' || segment === '..') return 'dot-segment';
  if (utf8Length(segment) > MAX_SEGMENT_BYTES) return 'segment-too-long';
  if (WINDOWS_FORBIDDEN.test(segment)) return 'forbidden-character';
  if (segment.endsWith(' ') || segment.endsWith('.')) return 'trailing-space-or-dot';
  // Windows reserves the name whatever the extension: `nul.txt` and `con.tar.gz` too,
  // and ignores spaces before the extension (`CON .txt`).
  const stem = segment.split('.', 1)[0]!.trimEnd();
  if (WINDOWS_RESERVED.test(stem)) return 'reserved-name';
  return undefined;
}

/** C0 controls (NUL included), DEL and C1 controls. */
function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** Bytes `s` takes in UTF-8 (an unpaired surrogate counts as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** The NFC form of a locally scanned name; validate the result with `validatePath`. */
export function normalizePath(raw: string): string {
  return raw.normalize('NFC');
}

/** The directory holding `path` (`a/b/c` → `a/b`); `''` for a top-level name. */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** The last segment of `path` (`a/b/c` → `c`). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * A key equal for paths that differ only by case: NFC, then upper- and lower-cased with
 * the locale-independent `String` methods, then NFC again. Upper-then-lower approximates
 * Unicode full case folding (`ß` ~ `SS`, final `ς` ~ `Σ`), so it flags a few pairs a
 * given file system may tell apart: a reported collision is a warning, never a loss.
 */
export function caseFoldKey(path: string): string {
  // ASCII, by far the common case, needs neither normalizing nor the upper-casing step:
  // the result is the same, at a fraction of the cost (the planner folds every path).
  if (ASCII.test(path)) return path.toLowerCase();
  return path.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

// eslint-disable-next-line no-control-regex -- the whole ASCII range, control characters included
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Groups of two or more distinct spellings that differ only by case, so cannot coexist
 * on a case-insensitive volume. Directories count: `Docs/a` and `docs/b` give the group
 * `['Docs', 'docs']`, since both files would land in one directory. Each listed path and
 * every directory it implies is considered; duplicates of one spelling are one path.
 * Groups are sorted by key and their members by code unit, so the answer is stable.
 */
export function findCaseCollisions(paths: Iterable<string>): string[][] {
  const spellings = new Map<string, Set<string>>();
  for (const path of paths) {
    for (let end = path.indexOf('/'); end >= 0; end = path.indexOf('/', end + 1)) {
      addSpelling(spellings, path.slice(0, end));
    }
    addSpelling(spellings, path);
  }
  return [...spellings.entries()]
    .filter(([, group]) => group.size > 1)
    .sort(([a], [b]) => compareCodeUnits(a, b))
    .map(([, group]) => [...group].sort(compareCodeUnits));
}

function addSpelling(spellings: Map<string, Set<string>>, path: string): void {
  const key = caseFoldKey(path);
  const group = spellings.get(key);
  if (group === undefined) spellings.set(key, new Set([path]));
  else group.add(path);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
