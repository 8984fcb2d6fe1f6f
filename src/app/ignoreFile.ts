/**
 * Editing a folder's `.tandemignore` from the page: read it, find the lines that cannot do
 * what they seem to (the engine's parser, `parseIgnoreRules`, drops them or they match
 * nothing), and write it back unless it changed meanwhile (a sync from another device
 * rewrote it since it was read). The caller asks the folder service to rescan after a write.
 */
import { IGNORE_FILE, MAX_IGNORE_FILE_BYTES, parseIgnoreRules } from '../core/engine/ignore.ts';

export { IGNORE_FILE };

/** A line that does nothing useful, and why; `line` counts from 1 (0: the whole file). */
export interface IgnoreLineProblem {
  readonly line: number;
  readonly text: string;
  readonly message: string;
}

/** What the file was when it was read: its size and mtime, or absent. */
export type IgnoreStamp = { readonly size: number; readonly lastModified: number } | 'absent';

export interface IgnoreFileContent {
  readonly text: string;
  readonly stamp: IgnoreStamp;
}

/** A short help text for people, with examples (gitignore syntax). */
export const IGNORE_HELP: readonly { readonly rule: string; readonly meaning: string }[] = [
  { rule: '*.tmp', meaning: 'every file ending in .tmp, in any folder' },
  { rule: 'build/', meaning: 'every folder named build, with all it holds' },
  { rule: '/notes.txt', meaning: 'notes.txt at the top of the folder only' },
  { rule: 'photos/**/*.raw', meaning: '.raw files anywhere under photos' },
  { rule: '!keep.tmp', meaning: 'keep keep.tmp after all (not inside an ignored folder)' },
  { rule: '# a comment', meaning: 'a line starting with # is a note' },
];

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Whether `body` ends with an odd run of backslashes (git drops such a line). */
function endsWithLoneBackslash(body: string): boolean {
  let count = 0;
  while (body[body.length - 1 - count] === '\\') count++;
  return count % 2 === 1;
}

/** Whether a `[` opens a bracket expression that is never closed, as git's wildmatch reads one. */
function hasUnclosedBracket(body: string): boolean {
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') {
      i++;
      continue;
    }
    if (body[i] !== '[') continue;
    let j = i + 1;
    if (body[j] === '!' || body[j] === '^') j++;
    if (body[j] === ']') j++; // a `]` first is a member, not the end
    for (; j < body.length && body[j] !== ']'; j++) if (body[j] === '\\') j++;
    if (j >= body.length) return true;
    i = j;
  }
  return false;
}

/** Why one line does nothing, or undefined for a good line (blank lines and comments are good). */
function lineProblem(raw: string): string | undefined {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.trim() === '' || line.startsWith('#')) return undefined;
  if (CONTROL.test(line)) return 'it holds a control character, which no file name has';
  const body = line.startsWith('!') ? line.slice(1) : line;
  if (body.trim() === '') return 'a lone “!” matches nothing';
  // Trailing spaces are trimmed unless escaped: a backslash right before them escapes one.
  if (!/ $/.test(body) && endsWithLoneBackslash(body))
    return 'it ends with a lone “\\”, so it is dropped (write “\\\\” for a backslash)';
  if (hasUnclosedBracket(body))
    return 'a “[” is never closed, so it matches nothing (write “\\[” for a bracket)';
  if (body.split('/').some((s) => s === '.' || s === '..'))
    return 'paths never hold “.” or “..”: rules start at the top of the folder (write “/name” for the top)';
  try {
    parseIgnoreRules(line).ignores('probe', 'file');
  } catch (error) {
    return `it cannot be read: ${(error as Error).message}`;
  }
  return undefined;
}

/** The lines of a `.tandemignore` text that do nothing useful, in order. */
export function checkIgnoreText(text: string): IgnoreLineProblem[] {
  const problems: IgnoreLineProblem[] = [];
  if (new TextEncoder().encode(text).length > MAX_IGNORE_FILE_BYTES)
    problems.push({ line: 0, text: '', message: `${IGNORE_FILE} may be at most 1 MiB` });
  text.split('\n').forEach((raw, i) => {
    const message = lineProblem(raw);
    if (message !== undefined) problems.push({ line: i + 1, text: raw, message });
  });
  return problems;
}

async function currentFile(dir: FileSystemDirectoryHandle): Promise<File | undefined> {
  try {
    return await (await dir.getFileHandle(IGNORE_FILE)).getFile();
  } catch (error) {
    if ((error as DOMException).name === 'NotFoundError') return undefined;
    throw error;
  }
}

function stampOf(file: File | undefined): IgnoreStamp {
  return file === undefined ? 'absent' : { size: file.size, lastModified: file.lastModified };
}

function sameStamp(a: IgnoreStamp, b: IgnoreStamp): boolean {
  if (a === 'absent' || b === 'absent') return a === b;
  return a.size === b.size && a.lastModified === b.lastModified;
}

/** The folder's `.tandemignore` (empty when there is none) and its stamp. */
export async function readIgnoreFile(dir: FileSystemDirectoryHandle): Promise<IgnoreFileContent> {
  const file = await currentFile(dir);
  if (file && file.size > MAX_IGNORE_FILE_BYTES)
    throw new Error(`${IGNORE_FILE} is larger than 1 MiB; edit it with another program`);
  return { text: file ? await file.text() : '', stamp: stampOf(file) };
}

/**
 * Writes `text` as the folder's `.tandemignore` if the file is still as `expected` (as
 * read), else rejects and leaves it alone. Resolves with the new content and stamp.
 */
export async function writeIgnoreFile(
  dir: FileSystemDirectoryHandle,
  text: string,
  expected: IgnoreStamp,
): Promise<IgnoreFileContent> {
  const bad = checkIgnoreText(text);
  if (bad.length > 0) {
    const first = bad[0]!;
    throw new Error(first.line === 0 ? first.message : `line ${first.line}: ${first.message}`);
  }
  if (!sameStamp(stampOf(await currentFile(dir)), expected))
    throw new Error(
      `${IGNORE_FILE} changed since it was opened (another device may have synced it): reload it`,
    );
  const handle = await dir.getFileHandle(IGNORE_FILE, { create: true });
  const writable = await handle.createWritable();
  try {
    await writable.write(text);
    await writable.close();
  } catch (error) {
    await writable.abort().catch(() => undefined);
    throw error;
  }
  return { text, stamp: stampOf(await currentFile(dir)) };
}
