/**
 * How `NodeVolume` turns Node's errno errors into the Volume port's closed set, and the
 * few platform differences it has to know about. The original error is always the `cause`.
 */
import { constants } from 'node:fs';
import {
  AlreadyExistsError,
  InvalidPathError,
  NotEmptyError,
  NotFoundError,
  VolumeError,
  VolumeUnavailableError,
  WrongKindError,
} from '../../ports/Volume.ts';

/** Open flag that makes `open` fail with ELOOP on a symbolic link; Windows has none (0). */
export const O_NOFOLLOW: number = (constants.O_NOFOLLOW as number | undefined) ?? 0;

/** Codes `link` gives where the file system has no hard links (FAT, exFAT, some shares). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** The errno code of a Node file-system error, or `undefined` for anything else. */
export function errnoCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, syscall } = error as NodeJS.ErrnoException;
  return typeof code === 'string' && typeof syscall === 'string' ? code : undefined;
}

/** Whether `link` failed because hard links are unsupported here, not because of the paths. */
export function hardLinksUnsupported(error: unknown): boolean {
  return NO_HARD_LINKS.has(errnoCode(error) ?? '');
}

/**
 * The port's error for a failed file-system call on `path`. Volume errors and errors that
 * did not come from the file system (a chunk source that threw) pass through unchanged.
 *
 * EACCES/EPERM become `VolumeUnavailableError('permission')`, which pauses the whole
 * folder: the port has no per-file "denied", and a folder that silently skips what it
 * cannot read would turn those files into deletions.
 */
export function volumeError(error: unknown, path: string): unknown {
  if (error instanceof VolumeError) return error;
  const code = errnoCode(error);
  const cause = { cause: error };
  switch (code) {
    case undefined:
      return error;
    case 'ENOENT':
      return new NotFoundError(path, cause);
    case 'EEXIST':
      return new AlreadyExistsError(path, cause);
    case 'ENOTEMPTY':
      return new NotEmptyError(path, cause);
    case 'EISDIR':
      return new WrongKindError(path, 'directory', cause);
    case 'ENOTDIR':
      return new WrongKindError(path, 'file', cause);
    case 'ELOOP':
      return new InvalidPathError(path, 'a symbolic link is in the way; Tandem never follows links', cause);
    case 'ENAMETOOLONG':
      return new InvalidPathError(path, 'too long for this file system', cause);
    case 'EINVAL':
      return new InvalidPathError(path, 'refused by this file system', cause);
    case 'EACCES':
    case 'EPERM':
      return new VolumeUnavailableError('permission', `no permission to use "${path}"`, cause);
    case 'ENOSPC':
      return new VolumeUnavailableError('io', `the disk is full (writing "${path}")`, cause);
    default:
      return new VolumeUnavailableError('io', `${code} on "${path}"`, cause);
  }
}

/** Why the root itself cannot be reached, from the error that reaching it gave. */
export function rootUnavailable(error: unknown, root: string): VolumeUnavailableError {
  const cause = { cause: error };
  switch (errnoCode(error)) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new VolumeUnavailableError(
        'gone',
        `the folder ${root} is gone (moved, deleted or unmounted)`,
        cause,
      );
    case 'EACCES':
    case 'EPERM':
      return new VolumeUnavailableError('permission', `no permission to use the folder ${root}`, cause);
    default:
      return new VolumeUnavailableError('io', `cannot reach the folder ${root}`, cause);
  }
}

/**
 * Refuses segments that are harmless on POSIX but separators on Windows (`a\..\..\x`,
 * `C:x`): there they would climb out of the root. Other names Windows forbids (`CON`,
 * trailing dots) are the engine's to refuse (DESIGN.md, "Rules of the house").
 */
export function checkPlatformSegments(path: string, segments: readonly string[]): void {
  if (process.platform !== 'win32') return;
  for (const segment of segments) {
    if (/[\\:]/.test(segment)) throw new InvalidPathError(path, `"${segment}" holds \\ or : (Windows)`);
  }
}

/** Runs one file-system call, mapping its failure onto the port's errors for `path`. */
export async function fsCall<T>(path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw volumeError(error, path);
  }
}
