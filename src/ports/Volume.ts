/**
 * Volume: the files of one shared folder, as the engine sees them.
 *
 * The engine scans through `list`/`stat`/`source`, commits downloads through
 * `writeAtomically` (or, for files of several chunks, through a `PartialFile` it can resume
 * after a disconnect or a restart), applies remote deletes and conflict renames through
 * `remove`/`rename`, and checks `hasMarker` before trusting an empty or vanished folder
 * (DESIGN.md, "Data model": a folder whose marker is missing pauses). Adapters: File System Access directory
 * handle, OPFS, Node fs, memory; wrappers add failures and case folding for tests.
 *
 * Paths are folder-relative, `/`-separated, without a leading `/`, empty segments, `.` or
 * `..` (the engine validates them first: core/model/paths.ts). A volume still refuses any
 * other path with `InvalidPathError`, so nothing it does reaches outside its root. The
 * marker `.tandem` and the volume's own temporary and partial files are reserved: no path
 * may name them, and neither `list` nor `watch` ever reports them.
 *
 * Every operation but `hasMarker` and `placeMarker` first checks the marker and rejects
 * with `VolumeUnavailableError` when it is missing, so "the folder vanished" can never read
 * as "every file was deleted".
 *
 * Errors are the closed set of classes below, each with a `code` and fields; an adapter
 * maps its platform's errors onto them and passes the original as `cause`.
 */
import type { ByteSource } from '../core/content/byteSource.ts';

export type EntryKind = 'file' | 'directory';

/** One file or directory under the root. */
export interface VolumeEntry {
  readonly path: string;
  readonly kind: EntryKind;
  /** Bytes for a file; 0 for a directory. */
  readonly size: number;
  /** Modification time, milliseconds since the epoch, at the volume's own precision. */
  readonly mtime: number;
}

/**
 * What the engine believes is at a path before it changes it: a file of this size and
 * mtime, or nothing. A same-size change within the volume's mtime precision is invisible
 * here, as it is on every real file system.
 */
export type Expectation = { readonly size: number; readonly mtime: number } | 'absent';

/** A file opened for reading: its bytes as of opening, plus the mtime they had. */
export interface FileSource extends ByteSource {
  readonly mtime: number;
  /**
   * The same bytes as a Blob, where the volume has one (a browser `File`): the app can
   * then hash the file in a worker without its bytes passing through the engine's thread.
   * Reading it fails once the file changes, as `read` does.
   */
  readonly blob?: Blob;
}

/** Tells the engine that something changed; it decides when to rescan. */
export interface VolumeChange {
  /** The path that changed, or `undefined` when the volume cannot say (rescan all). */
  readonly path: string | undefined;
}

export type Unsubscribe = () => void;

/**
 * A download kept aside until it is whole (DESIGN.md, Sync step 5: "partial downloads are
 * kept and resumed"): the bytes of one version (`key`) of the file at `path`, invisible
 * there until `commit`. It outlives the process that wrote it: `openPartial` with the same
 * path and key, or `partials`, finds it again after a restart.
 *
 * The commit step writes verified chunks at their offsets, in any order; bytes never
 * written read as zeros. Writes are not durable before `commit`: after a crash or power cut
 * a range written may read back as anything, so whoever resumes re-verifies what it reads.
 * One writer at a time. Once the partial is committed or discarded (or another key was
 * opened at its path), every call but `discard` rejects with `NotFoundError`. Like every
 * operation, each call first checks the marker.
 */
export interface PartialFile {
  /** The path it will replace on `commit`. */
  readonly path: string;
  /** The version it holds: the wanted file hash, in lowercase hex. */
  readonly key: string;

  /** One past the furthest byte written so far; 0 for a new partial. */
  size(): Promise<number>;

  /** The bytes at `[offset, offset + length)`, short only at `size()`. */
  read(offset: number, length: number): Promise<Uint8Array>;

  /**
   * Writes `bytes` at `offset`, growing the partial as needed. The volume may keep `bytes`
   * until the commit instead of copying them: the caller must not change them afterwards.
   */
  write(offset: number, bytes: Uint8Array): Promise<void>;

  /**
   * Replaces whatever is at `path` with the partial's bytes in one step, as
   * `writeAtomically` does: missing parents are created, and just before replacing, the
   * target is compared with `expect`; on a mismatch it rejects with
   * `ChangedMeanwhileError` and both the target and the partial stay as they are. Rejects
   * with `WrongKindError` when a directory is at `path` or a file at a parent. The content
   * is not checked: the engine verified it. Resolves with the new entry; the partial is
   * gone.
   */
  commit(expect?: Expectation): Promise<VolumeEntry>;

  /** Removes the partial (a download abandoned or superseded); resolves if already gone. */
  discard(): Promise<void>;
}

export interface Volume {
  /**
   * Whether the marker `.tandem` is at the root. The engine calls it before each scan and
   * whenever an operation rejects with `VolumeUnavailableError`. Rejects with
   * `VolumeUnavailableError` only when the root itself cannot be reached.
   */
  hasMarker(): Promise<boolean>;

  /**
   * Puts the marker at the root (idempotent). The app calls it once, when the user shares
   * or accepts a folder into this directory; the engine never does.
   */
  placeMarker(): Promise<void>;

  /**
   * Every file and directory under the root, each exactly once, parents before their
   * children, never following links out of the root. Called by the scan. Entries changed
   * while listing may show either state. Iterating rejects with `VolumeUnavailableError`
   * when the marker is missing or the root becomes unreachable.
   */
  list(): AsyncIterable<VolumeEntry>;

  /**
   * The entry at `path`, or `undefined` when nothing is there. Called by the scan and
   * before the engine changes a path.
   */
  stat(path: string): Promise<VolumeEntry | undefined>;

  /**
   * Opens the file at `path` for reading ranges (hashing, rsync base, serving chunks to
   * peers). Reads return the bytes as of opening, or reject with `ChangedMeanwhileError`
   * once the file changed; they never mix two versions. Rejects with `NotFoundError` when
   * nothing is there and `WrongKindError` for a directory.
   */
  source(path: string): Promise<FileSource>;

  /**
   * Writes the file at `path` from `chunks`, aside first, then replaces whatever was there
   * in one step; missing parent directories are created. Called by the commit step once
   * the content is verified. Just before replacing, compares the current file with
   * `expect` (DESIGN.md, Sync step 5, "re-check the target") and on a mismatch rejects
   * with `ChangedMeanwhileError`, leaving the target untouched. If `chunks` throws or
   * anything fails, the target is untouched and the temporary file is gone. Resolves with
   * the new entry (its mtime is the volume's, for the record). Rejects with
   * `WrongKindError` when a directory is at `path` or at a parent.
   */
  writeAtomically(
    path: string,
    chunks: AsyncIterable<Uint8Array>,
    expect?: Expectation,
  ): Promise<VolumeEntry>;

  /**
   * Removes the file or the empty directory at `path` (a remote delete). With `expect`, a
   * file that no longer matches it is left alone: rejects with `ChangedMeanwhileError`.
   * Rejects with `NotFoundError` when nothing is there (without `expect`) and
   * `NotEmptyError` for a directory that still holds entries.
   */
  remove(path: string, expect?: Expectation): Promise<void>;

  /**
   * Moves the file at `from` to `to` (conflict copies, local moves), creating missing
   * parents; never overwrites. Rejects with `NotFoundError` when `from` is absent,
   * `AlreadyExistsError` when something is at `to`, and `WrongKindError` when `from` is a
   * directory. On a case-insensitive volume a change of case only is allowed.
   */
  rename(from: string, to: string): Promise<void>;

  /**
   * Makes the directory at `path` and any missing parents (a remote directory record).
   * Resolves if it already exists; rejects with `WrongKindError` if a file is in the way.
   */
  mkdir(path: string): Promise<void>;

  /**
   * The partial download of version `key` (the wanted file hash, lowercase hex: 1–128 of
   * `0-9a-z_-`) of `path`: the one kept from an earlier attempt, after a restart too, or a
   * new empty one. A path has at most one partial: opening another key discards the old
   * one (a newer version superseded it). Called by the commit step before fetching a file
   * of several chunks. Nothing appears at `path`, and no parent is created, until
   * `commit`. Rejects with `InvalidPathError` for a bad path or key.
   *
   * Optional only so that thin test doubles need not implement it: every adapter does, the
   * contract suite insists on it, and the engine without it downloads through
   * `writeAtomically` and cannot resume.
   */
  openPartial?(path: string, key: string): Promise<PartialFile>;

  /**
   * Every partial download kept, in no particular order. Called at start-up, to discard
   * those no journal entry names (core/engine/resumableCommit.ts). Leftovers the volume can
   * no longer tie to a path (torn by a crash) are removed as it goes.
   */
  partials?(): AsyncIterable<PartialFile>;

  /**
   * Present where the platform reports changes (FileSystemObserver, Node watch, memory).
   * Calls `onChange` after a change is visible, at least once per change, possibly late or
   * batched, including changes made through this volume; the engine without it rescans
   * periodically. `onChange` must only record the fact: it may run inside the operation
   * that made the change.
   */
  watch?(onChange: (change: VolumeChange) => void): Unsubscribe;
}

/** The closed set of volume failures (see `VolumeError`). */
export type VolumeErrorCode =
  | 'not-found'
  | 'changed-meanwhile'
  | 'already-exists'
  | 'not-empty'
  | 'wrong-kind'
  | 'invalid-path'
  | 'unavailable';

/** Base of every volume failure: which path, and which of the closed set. */
export abstract class VolumeError extends Error {
  abstract readonly code: VolumeErrorCode;
  constructor(
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class NotFoundError extends VolumeError {
  readonly code = 'not-found';
  override readonly name = 'NotFoundError';
  constructor(path: string, options?: ErrorOptions) {
    super(path, `nothing at "${path}"`, options);
  }
}

/** The target no longer matches what the engine expected: a local edit raced a commit. */
export class ChangedMeanwhileError extends VolumeError {
  readonly code = 'changed-meanwhile';
  override readonly name = 'ChangedMeanwhileError';
  constructor(
    path: string,
    readonly expected: Expectation | undefined,
    /** What is there now: `undefined` when nothing is, or when a reader saw it change. */
    readonly actual: VolumeEntry | undefined,
    options?: ErrorOptions,
  ) {
    super(path, `"${path}" changed on disk meanwhile; sync will look at it again`, options);
  }
}

export class AlreadyExistsError extends VolumeError {
  readonly code = 'already-exists';
  override readonly name = 'AlreadyExistsError';
  constructor(path: string, options?: ErrorOptions) {
    super(path, `"${path}" already exists`, options);
  }
}

export class NotEmptyError extends VolumeError {
  readonly code = 'not-empty';
  override readonly name = 'NotEmptyError';
  constructor(path: string, options?: ErrorOptions) {
    super(path, `directory "${path}" is not empty`, options);
  }
}

/** A file where a directory was needed, or the other way round. */
export class WrongKindError extends VolumeError {
  readonly code = 'wrong-kind';
  override readonly name = 'WrongKindError';
  constructor(
    path: string,
    readonly found: EntryKind,
    options?: ErrorOptions,
  ) {
    super(path, `"${path}" is a ${found}`, options);
  }
}

/** A path that is not folder-relative, escapes the root, or names a reserved file. */
export class InvalidPathError extends VolumeError {
  readonly code = 'invalid-path';
  override readonly name = 'InvalidPathError';
  constructor(
    path: string,
    readonly why: string,
    options?: ErrorOptions,
  ) {
    super(path, `invalid path "${path}": ${why}`, options);
  }
}

/**
 * The folder cannot be used now: marker missing, permission lost, handle or disk gone.
 * The engine pauses the folder and tells the user `why`.
 */
export class VolumeUnavailableError extends VolumeError {
  readonly code = 'unavailable';
  override readonly name = 'VolumeUnavailableError';
  constructor(
    readonly why: 'marker-missing' | 'permission' | 'gone' | 'io',
    message: string,
    options?: ErrorOptions,
  ) {
    super('', message, options);
  }
}
