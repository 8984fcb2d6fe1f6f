/**
 * How `HandleVolume` turns the File System Access API's DOMExceptions into the Volume
 * port's closed set, and the path rules it adds for browser folders. The original error is
 * always the `cause`.
 */
import {
  InvalidPathError,
  NotEmptyError,
  NotFoundError,
  VolumeError,
  VolumeUnavailableError,
  WrongKindError,
} from '../../ports/Volume.ts';
import { pathSegments } from './volumePaths.ts';

/**
 * Chromium's swap files: `createWritable` writes to `<name>.crswap` beside the file until
 * `close()`. In a real folder they are visible; they are never listed, watched or written.
 */
export const SWAP_SUFFIX = '.crswap';

/** Real folders may be case-insensitive (macOS, Windows): reserved names are, everywhere. */
export const fold = (s: string): string => s.toLowerCase();

/** Checks `path` for a browser folder and returns its segments (`InvalidPathError` if bad). */
export function handleSegments(path: string): string[] {
  const segments = pathSegments(path, fold);
  for (const segment of segments) {
    if (fold(segment).endsWith(SWAP_SUFFIX)) {
      throw new InvalidPathError(path, `"${segment}" looks like a browser swap file (${SWAP_SUFFIX})`);
    }
  }
  return segments;
}

/** The `name` of a DOMException (or TypeError), or `undefined` for anything else. */
export function domName(error: unknown): string | undefined {
  if (typeof DOMException !== 'undefined' && error instanceof DOMException) return error.name;
  if (error instanceof TypeError) return 'TypeError';
  return undefined;
}

/**
 * The port's error for a failed handle call on `path`. Volume errors, and errors that did
 * not come from the file system (a chunk source that threw), pass through unchanged.
 *
 * A lost permission pauses the whole folder, as in NodeVolume: a folder that skips what it
 * cannot read would turn those files into deletions.
 */
export function volumeError(error: unknown, path: string): unknown {
  if (error instanceof VolumeError) return error;
  const cause = { cause: error };
  switch (domName(error)) {
    case undefined:
      return error;
    case 'NotFoundError':
      return new NotFoundError(path, cause);
    case 'TypeMismatchError':
      // Only reached where the caller did not look first: a file where a directory was asked.
      return new WrongKindError(path, 'file', cause);
    case 'InvalidModificationError':
      return new NotEmptyError(path, cause);
    case 'TypeError':
      return new InvalidPathError(
        path,
        `refused by this file system (${(error as TypeError).message})`,
        cause,
      );
    case 'NotAllowedError':
    case 'SecurityError':
      return new VolumeUnavailableError('permission', `no permission to use "${path}"`, cause);
    case 'QuotaExceededError':
      return new VolumeUnavailableError('io', `out of storage space (writing "${path}")`, cause);
    case 'NoModificationAllowedError':
      return new VolumeUnavailableError('io', `"${path}" is locked by another writer`, cause);
    default:
      return new VolumeUnavailableError('io', `${domName(error)} on "${path}"`, cause);
  }
}

/** Why the root itself cannot be reached, from the error that reaching it gave. */
export function rootUnavailable(error: unknown): VolumeUnavailableError {
  const cause = { cause: error };
  switch (domName(error)) {
    case 'NotFoundError':
      return new VolumeUnavailableError('gone', 'the folder is gone (moved or deleted)', cause);
    case 'NotAllowedError':
    case 'SecurityError':
      return new VolumeUnavailableError('permission', 'no permission to use the folder', cause);
    default:
      return new VolumeUnavailableError('io', 'cannot reach the folder', cause);
  }
}

/** Runs one handle call, mapping its failure onto the port's errors for `path`. */
export async function fsCall<T>(path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw volumeError(error, path);
  }
}

/** Whether `error` is the DOMException `name`. */
export function isDom(error: unknown, name: string): boolean {
  return domName(error) === name;
}

/** SHA-256 hex of `text`: a partial's file name id, so any path fits in one name. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
