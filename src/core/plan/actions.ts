/**
 * What the planner asks the transfer and commit steps to do (DESIGN.md, "Sync" steps 3–6):
 * a union on `kind`. Every action that changes the folder carries the records the local
 * index holds once it is done (`record`, and `copy` for a conflict), and what the local
 * file must still look like for the change to go ahead (`expect`, checked at commit: a
 * file changed meanwhile is not overwritten).
 *
 * Carry the actions out in the order given (planFolder.ts, invariant 9): `copyLocal`
 * needing nothing freed, then `delete`s marked `frees`, then `copyLocal` needing what they
 * freed, then everything else. Actions within one of these runs do not depend on each
 * other and may overlap; a run completes before the next one starts.
 *
 * Added since the first version, all optional: `DeleteAction.frees`,
 * `ConflictAction.copyExists`, `BlockedAction.collidesWith`, and the
 * `'file-directory-clash'` reason. An executor that ignores them, carrying actions out one
 * by one in order, overwrites nothing (the volume's checks hold), though it may fail a
 * `copyExists` copy it had no need to write.
 */
import type { FileRecord } from '../model/fileRecord.ts';

/** The local file the action replaces, as the index last saw it, or `'absent'` for none. */
export type Expect = { readonly size: number; readonly mtime: number } | 'absent';

/** Get `record`'s content from peers and write it at `path`. */
export interface FetchAction {
  readonly kind: 'fetch';
  readonly path: string;
  readonly record: FileRecord;
  readonly expect: Expect;
}

/**
 * Write `record`'s content at `path` by copying the live local file `from`, which has the
 * same content hash (a rename or a copy made on a peer): nothing is transferred. The
 * executor verifies the copied bytes against `record.hash` and falls back to a fetch.
 */
export interface CopyLocalAction {
  readonly kind: 'copyLocal';
  readonly path: string;
  readonly record: FileRecord;
  readonly from: string;
  readonly fromExpect: { readonly size: number; readonly mtime: number };
  readonly expect: Expect;
}

/** Remove the live local file at `path`; `record` is the peer's tombstone. */
export interface DeleteAction {
  readonly kind: 'delete';
  readonly path: string;
  readonly record: FileRecord;
  readonly expect: { readonly size: number; readonly mtime: number };
  /**
   * Present (true) when a later write of this plan needs the name this file, or the
   * directories above it, hold: a case-only rename (`README.md` → `Readme.md`), a file
   * replaced by a directory of that name or the reverse. Such deletes come before every
   * write that needs them; the executor completes them first and then removes the
   * directories they leave empty, so the names are really free. Should one fail (the file
   * changed meanwhile), the writes after it meet the volume's own checks (`expect`, a
   * directory or file in the way) and are planned again, or blocked, next round.
   */
  readonly frees?: true;
}

/** Record `record` at `path`; the disk already holds its content (or its absence). */
export interface AdoptAction {
  readonly kind: 'adopt';
  readonly path: string;
  readonly record: FileRecord;
}

/**
 * Concurrent versions with different outcomes. `winner` and `loser` are the two records
 * as found; `record` is what `path` holds after (the winner's content, the merged
 * version); `copy` is the loser's content kept at `copyName`, or both are null when the
 * loser is a tombstone (an edit concurrent with a delete: the edit stays, nothing to keep).
 *
 * `copyName` is `conflictCopyName(path, loser.mtime, loser.modifiedBy, n)` for the first
 * `n` whose name holds nothing but the copy (planFolder.ts, invariant 6): the same on
 * every device that sees the same records. Nothing local is at `copyName` (no record,
 * or a tombstone), unless `copyExists`.
 *
 * What the executor does, by `local`:
 * - `'loser'` with a copy: rename `path` to `copyName` (checking `expect`), then fetch
 *   `record` into `path`. With `copyExists` the rename finds the same bytes already there
 *   (`keepConflictCopy` answers `already-kept` and removes `path`); the fetch follows.
 * - `'loser'` without a copy (the local side was the delete): fetch `record` into `path`;
 * - `'winner'` with a copy: fetch `copy` into `copyName` (expecting nothing there), unless
 *   `copyExists`; `path` keeps its bytes;
 * - `'winner'` without a copy: nothing on disk.
 * In every case the index gets `record` at `path` and `copy` (if any) at `copyName`.
 */
export interface ConflictAction {
  readonly kind: 'conflict';
  readonly path: string;
  readonly winner: FileRecord;
  readonly loser: FileRecord;
  readonly local: 'winner' | 'loser';
  readonly record: FileRecord;
  readonly copyName: string | null;
  readonly copy: FileRecord | null;
  readonly expect: Expect;
  /**
   * Present (true) when the local file at `copyName` already holds the loser's content
   * (the local record there is live with the loser's hash: the copy was made here before,
   * or fetched from a peer that made it). Nothing is written at `copyName`; `copy` is the
   * record kept there: the local one, or one with a version that also covers the loser's.
   */
  readonly copyExists?: true;
}

/** Why a remote change was not planned: a closed set, shown to the user. */
export type BlockedReason =
  /**
   * The path, or a directory on it, differs only by case from a live local file or
   * directory, or from one another write of this plan makes first: on a case-insensitive
   * volume it would overwrite that file or land in that directory.
   */
  | 'case-collision'
  /**
   * The path needs a directory where a live local file is (remote `a/b`, local file `a`),
   * or a file where live local files are inside a directory of that name (remote file
   * `a`, local `a/b`), or where another write of this plan makes the other kind first.
   */
  | 'file-directory-clash'
  /**
   * Not planned any more: a taken copy name now gives way to the next one
   * (`…-<device>-2.ext`). Kept so that stored or displayed reasons still type-check.
   */
  | 'conflict-copy-exists';

/** A remote change left alone this round, and why. */
export interface BlockedAction {
  readonly kind: 'blocked';
  readonly path: string;
  readonly reason: BlockedReason;
  /**
   * For 'case-collision' and 'file-directory-clash': the file or directory in the way, as
   * spelled locally or by the write that takes it (`README.md`, or `docs` for a clash on a
   * directory), for the message "rename one so both can sync".
   */
  readonly collidesWith?: string;
}

export type PlannedAction =
  FetchAction | CopyLocalAction | DeleteAction | AdoptAction | ConflictAction | BlockedAction;
