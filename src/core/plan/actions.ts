/**
 * What the planner asks the transfer and commit steps to do (DESIGN.md, "Sync" steps 3–6):
 * a union on `kind`. Every action that changes the folder carries the records the local
 * index holds once it is done (`record`, and `copy` for a conflict), and what the local
 * file must still look like for the change to go ahead (`expect`, checked at commit: a
 * file changed meanwhile is not overwritten).
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
 * What the executor does, by `local`:
 * - `'loser'` with a copy: rename `path` to `copyName` (checking `expect`), then fetch
 *   `record` into `path`;
 * - `'loser'` without a copy (the local side was the delete): fetch `record` into `path`;
 * - `'winner'` with a copy: fetch `copy` into `copyName`; `path` keeps its bytes;
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
}

/** Why a remote change was not planned: a closed set, shown to the user. */
export type BlockedReason =
  /** The path differs only by case from a live local file: on a case-insensitive volume it would overwrite it. */
  | 'case-collision'
  /** The conflict copy's name is already taken in the local index. */
  | 'conflict-copy-exists';

/** A remote change left alone this round, and why. */
export interface BlockedAction {
  readonly kind: 'blocked';
  readonly path: string;
  readonly reason: BlockedReason;
}

export type PlannedAction =
  FetchAction | CopyLocalAction | DeleteAction | AdoptAction | ConflictAction | BlockedAction;
