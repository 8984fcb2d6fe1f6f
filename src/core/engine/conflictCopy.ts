/**
 * Keeps the local loser of a conflict (DESIGN.md, "Sync" step 6): moves it aside under its
 * conflict name, so the winner can take the path and nothing the user had is lost.
 *
 * The conflict name is the same on every device, so the copy may already be there (a peer
 * sent it, or an earlier attempt got halfway). Same content there: the copy is already
 * kept, and the local file is removed only if it is still exactly what was compared. Other
 * content: both are left alone and the engine is told. Rename never overwrites.
 */
import { equalBytes } from '../content/bytes.ts';
import {
  AlreadyExistsError,
  ChangedMeanwhileError,
  NotFoundError,
  type FileSource,
  type Volume,
} from '../../ports/Volume.ts';

export type ConflictCopyResult =
  /** The loser now lives at the copy name; the path is free. */
  | { readonly status: 'kept' }
  /** The same content was already at the copy name; the path is free. */
  | { readonly status: 'already-kept' }
  /** Nothing at the path (already moved, or deleted meanwhile): nothing to keep. */
  | { readonly status: 'missing' }
  /** Other content is at the copy name: nothing was moved; the engine must pick another name. */
  | { readonly status: 'name-taken' }
  /** The local file changed while it was compared: look again after the next scan. */
  | { readonly status: 'changed-meanwhile' }
  | { readonly status: 'failed'; readonly error: Error };

export interface ConflictCopyOptions {
  /** Bytes compared at a time. Default 1 MiB. */
  readonly windowSize?: number;
}

/** Moves the file at `path` to `copyName` (see above). */
export async function keepConflictCopy(
  volume: Pick<Volume, 'rename' | 'source' | 'remove'>,
  path: string,
  copyName: string,
  options: ConflictCopyOptions = {},
): Promise<ConflictCopyResult> {
  try {
    await volume.rename(path, copyName);
    return { status: 'kept' };
  } catch (error) {
    if (error instanceof NotFoundError && error.path === path) return { status: 'missing' };
    if (!(error instanceof AlreadyExistsError)) return failed(error);
  }
  try {
    const [local, copy] = await Promise.all([volume.source(path), volume.source(copyName)]);
    if (!(await sameBytes(local, copy, options.windowSize ?? 1 << 20))) return { status: 'name-taken' };
    await volume.remove(path, { size: local.size, mtime: local.mtime });
    return { status: 'already-kept' };
  } catch (error) {
    if (error instanceof NotFoundError && error.path === path) return { status: 'missing' };
    if (error instanceof ChangedMeanwhileError) return { status: 'changed-meanwhile' };
    return failed(error);
  }
}

async function sameBytes(a: FileSource, b: FileSource, windowSize: number): Promise<boolean> {
  if (a.size !== b.size) return false;
  for (let offset = 0; offset < a.size;) {
    const length = Math.min(windowSize, a.size - offset);
    const [x, y] = await Promise.all([a.read(offset, length), b.read(offset, length)]);
    if (x.length === 0 || !equalBytes(x, y)) return false;
    offset += x.length;
  }
  return true;
}

function failed(error: unknown): ConflictCopyResult {
  return { status: 'failed', error: error instanceof Error ? error : new Error(String(error)) };
}
