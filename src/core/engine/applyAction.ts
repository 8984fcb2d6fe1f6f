/**
 * Carries out one planned action (core/plan) on the volume, then records its outcome in
 * the local index (DESIGN.md, "Sync" steps 4–6).
 *
 * Invariants:
 *
 * 1. The disk changes first, the index after, and the index only describes what the disk
 *    now holds. A crash in between leaves a disk the next scan explains (a new version
 *    with the same content, or a tombstone), never an index that claims bytes the disk
 *    lacks.
 * 2. The record stored is the planned one, unchanged (its version, mtime and author are
 *    synced state); only `observed` is this device's: the stat of the file as written.
 * 3. Nothing is replaced or removed unless it is still what the index saw: writes and
 *    deletes carry the local record's observed stat as their expectation, and a mismatch
 *    is `changed-meanwhile` (rescan, then the next plan sees a conflict), never an
 *    overwrite.
 * 4. A conflict the local side loses first moves the local file to its conflict name;
 *    if the winner then cannot be fetched, the file is moved back, so disk and index agree
 *    again and nothing is left half-done.
 * 5. Outcomes are data; nothing here throws for a per-file failure.
 */
import { equalBytes } from '../content/bytes.ts';
import type { Sha256 } from '../content/hash.ts';
import type { FileRecord } from '../model/fileRecord.ts';
import type { BlockedReason, ConflictAction, PlannedAction } from '../plan/actions.ts';
import type { ByteSource } from '../content/byteSource.ts';
import { ChunkFetchError } from '../transfer/chunkRequester.ts';
import { chooseTransfer, fetchChunkFromBytes } from '../transfer/chooseTransfer.ts';
import type { FolderId, LocalChange, LocalRecord, ObservedStat, Store } from '../../ports/Store.ts';
import {
  ChangedMeanwhileError,
  NotEmptyError,
  NotFoundError,
  VolumeUnavailableError,
  WrongKindError,
  type Expectation,
  type Volume,
  type VolumeEntry,
} from '../../ports/Volume.ts';
import type { ChunkIndex } from './chunkIndex.ts';
import { commitFile, type CommitProgress, type FetchChunk } from './commit.ts';
import { keepConflictCopy } from './conflictCopy.ts';

export interface ApplyDeps {
  readonly folder: FolderId;
  readonly volume: Volume;
  /** The local index, and the journal of partial downloads (resumed after a cut or crash). */
  readonly store: Pick<Store, 'putLocal' | 'getJournal' | 'putJournal' | 'deleteJournal'>;
  /** Where local chunks are; kept current with every record stored here. */
  readonly chunks: ChunkIndex;
  /** Fetches a chunk of `record` from peers, asking for it at `record.path`. */
  readonly fetcherFor: (record: FileRecord) => FetchChunk;
  /**
   * Fetches `record`'s whole content as an rsync delta against `base`, the local old
   * version, refusing deltas larger than `maxDelta` (core/transfer/deltaFetcher.ts).
   * Absent: chunks only.
   */
  readonly fetchDelta?: (record: FileRecord, base: ByteSource, maxDelta: number) => Promise<Uint8Array>;
  readonly sha256?: Sha256;
  readonly onProgress?: (progress: CommitProgress) => void;
}

export type ApplyOutcome =
  /** Done; `records` as stored (with their new sequences). */
  | { readonly status: 'done'; readonly records: readonly LocalRecord[] }
  /** The local file is not what the plan saw: rescan before planning again. */
  | { readonly status: 'changed-meanwhile' }
  | { readonly status: 'blocked'; readonly reason: BlockedReason }
  /** No connected peer had the content: try again when one connects. */
  | { readonly status: 'waiting-for-peer'; readonly error: Error }
  /** Try again later. */
  | { readonly status: 'failed'; readonly error: Error }
  /** The folder went away: pause it. */
  | { readonly status: 'unavailable'; readonly error: VolumeUnavailableError };

type Failure = Exclude<ApplyOutcome, { status: 'done' }>;

/** Carries out `action`; `local` is the index the plan was made from (path → record). */
export async function applyAction(
  deps: ApplyDeps,
  action: PlannedAction,
  local: ReadonlyMap<string, LocalRecord>,
): Promise<ApplyOutcome> {
  try {
    return await apply(deps, action, local);
  } catch (error) {
    return failure(error);
  }
}

async function apply(
  deps: ApplyDeps,
  action: PlannedAction,
  local: ReadonlyMap<string, LocalRecord>,
): Promise<ApplyOutcome> {
  const here = local.get(action.path);
  switch (action.kind) {
    case 'fetch':
    case 'copyLocal': {
      // A copyLocal's chunks are all in the chunk index (same hash, same chunks), so the
      // commit reads them from the local file and fetches only if that file changed.
      const fetchChunk = await fetcherFor(deps, action.record, here);
      const written = await write(deps, action.record, diskExpect(here), fetchChunk);
      return 'observed' in written ? store(deps, [change(action.record, written.observed)]) : written;
    }
    case 'delete':
      return remove(deps, action.record, diskExpect(here));
    case 'adopt':
      return store(deps, [
        change(action.record, sameContent(here, action.record) ? here?.observed : undefined),
      ]);
    case 'conflict':
      return action.local === 'winner'
        ? keepRemoteLoser(deps, action, here)
        : replaceLocalLoser(deps, action, here);
    case 'blocked':
      return { status: 'blocked', reason: action.reason };
  }
}

/** We keep `path`; the peer's losing version goes to its conflict name (fetched). */
async function keepRemoteLoser(
  deps: ApplyDeps,
  action: ConflictAction,
  here: LocalRecord | undefined,
): Promise<ApplyOutcome> {
  const observed = sameContent(here, action.record) ? here?.observed : undefined;
  const changes = [change(action.record, observed)];
  if (action.copy !== null && action.copyExists) {
    // The copy is already on disk here: only its (merged) record is stored.
    const there = await deps.volume.stat(action.copy.path);
    changes.push(change(action.copy, there?.kind === 'file' ? statOf(there) : undefined));
  } else if (action.copy !== null) {
    const written = await write(deps, action.copy, 'absent', loserFetcher(deps, action));
    if (!('observed' in written)) return written;
    changes.push(change(action.copy, written.observed));
  }
  return store(deps, changes);
}

/** The peer's version takes `path`; ours, if it is a file, moves to its conflict name first. */
async function replaceLocalLoser(
  deps: ApplyDeps,
  action: ConflictAction,
  here: LocalRecord | undefined,
): Promise<ApplyOutcome> {
  const { volume } = deps;
  if (action.copy === null || action.copyName === null) {
    // Our side was a delete: the edit wins and simply arrives.
    const written = await write(deps, action.record, diskExpect(here), deps.fetcherFor(action.record));
    return 'observed' in written ? store(deps, [change(action.record, written.observed)]) : written;
  }
  if (!matches(await volume.stat(action.path), diskExpect(here))) return { status: 'changed-meanwhile' };
  const kept = await keepConflictCopy(volume, action.path, action.copyName);
  switch (kept.status) {
    case 'kept':
    case 'already-kept':
      break;
    case 'name-taken':
      return { status: 'blocked', reason: 'conflict-copy-exists' };
    case 'missing':
    case 'changed-meanwhile':
      return { status: 'changed-meanwhile' };
    case 'failed':
      return failure(kept.error);
  }
  const copyEntry = await volume.stat(action.copyName);
  // The loser's chunks now live at the copy name: the winner may reuse some of them.
  deps.chunks.add(action.copy);
  deps.chunks.remove(action.path);
  const written = await write(deps, action.record, 'absent', deps.fetcherFor(action.record));
  if (!('observed' in written)) {
    // Invariant 4: put our file back where the index says it is.
    await volume.rename(action.copyName, action.path).catch(() => undefined);
    deps.chunks.remove(action.copy.path);
    if (here) deps.chunks.add(here);
    return written;
  }
  return store(deps, [
    change(action.record, written.observed),
    change(action.copy, copyEntry?.kind === 'file' ? statOf(copyEntry) : undefined),
  ]);
}

/**
 * How to get `record`'s missing chunks (DESIGN.md, Sync step 4): as an rsync delta against
 * the local old version when `chooseTransfer` says it sends less, else chunk by chunk. A
 * delta that fails for any reason falls back to chunks; a delta whose bytes fail the
 * commit's verification is fetched again as chunks.
 */
async function fetcherFor(
  deps: ApplyDeps,
  record: FileRecord,
  here: LocalRecord | undefined,
): Promise<FetchChunk> {
  const chunked = deps.fetcherFor(record);
  if (deps.fetchDelta === undefined || here === undefined || here.deleted) return chunked;
  const wishlist = deps.chunks.wishlist(record);
  if (chooseTransfer(record, wishlist, here.size) !== 'delta') return chunked;
  try {
    const base = await deps.volume.source(record.path);
    const bytes = await deps.fetchDelta(record, base, wishlist.fetchBytes);
    return fetchChunkFromBytes(record, bytes, chunked);
  } catch {
    return chunked;
  }
}

/**
 * Fetches the loser of a conflict: peers hold it at the conflicting path until they
 * resolve the conflict themselves, and at the copy name after.
 */
function loserFetcher(deps: ApplyDeps, action: ConflictAction): FetchChunk {
  const atPath = deps.fetcherFor({ ...action.loser, path: action.path });
  const atCopy = deps.fetcherFor(action.copy!);
  return async (chunk, index, attempt) => {
    try {
      return await atPath(chunk, index, attempt);
    } catch {
      return atCopy(chunk, index, attempt);
    }
  };
}

/** Writes `record`'s content at its path (commitFile: verified, atomic, `expect` re-checked). */
async function write(
  deps: ApplyDeps,
  record: FileRecord,
  expect: Expectation,
  fetchChunk: FetchChunk,
): Promise<{ readonly observed: ObservedStat } | Failure> {
  const result = await commitFile(
    {
      volume: deps.volume,
      fetchChunk,
      sha256: deps.sha256,
      resume: { folder: deps.folder, journal: deps.store },
    },
    { record, expect, wishlist: deps.chunks.wishlist(record) },
    { onProgress: deps.onProgress },
  );
  switch (result.status) {
    case 'committed':
      return { observed: statOf(result.entry) };
    case 'changed-meanwhile':
      return { status: 'changed-meanwhile' };
    case 'failed':
      return failure(result.error);
  }
}

/** Removes the local file for the peer's tombstone `record`. */
async function remove(deps: ApplyDeps, record: FileRecord, expect: Expectation): Promise<ApplyOutcome> {
  try {
    await deps.volume.remove(record.path, expect === 'absent' ? undefined : expect);
  } catch (error) {
    // Already gone: the tombstone describes the disk as it is.
    if (error instanceof NotFoundError) return store(deps, [change(record, undefined)]);
    // Edited meanwhile, or a directory now stands there: the scan will say what it is.
    if (
      error instanceof ChangedMeanwhileError ||
      error instanceof NotEmptyError ||
      error instanceof WrongKindError
    ) {
      return { status: 'changed-meanwhile' };
    }
    throw error;
  }
  await removeEmptyParents(deps.volume, record.path);
  return store(deps, [change(record, undefined)]);
}

/**
 * Removes the directories above `path` that its delete left empty, nearest first, so a
 * file may later take a directory's name (the peer's folder no longer has them either:
 * directories are not synced, they come and go with their files). Stops at the first
 * that still holds something; best effort.
 */
async function removeEmptyParents(volume: Volume, path: string): Promise<void> {
  for (let end = path.lastIndexOf('/'); end > 0; end = path.lastIndexOf('/', end - 1)) {
    try {
      await volume.remove(path.slice(0, end));
    } catch {
      return; // not empty, gone already, or a file: leave it
    }
  }
}

async function store(deps: ApplyDeps, changes: readonly LocalChange[]): Promise<ApplyOutcome> {
  const records = await deps.store.putLocal(deps.folder, changes);
  for (const record of records) deps.chunks.add(record);
  return { status: 'done', records };
}

/** The record as a local change: no sequence (the store assigns it), this device's stat. */
function change(
  record: FileRecord & { readonly observed?: unknown },
  observed: ObservedStat | undefined,
): LocalChange {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { sequence, observed: _ignored, ...rest } = record;
  return observed === undefined ? rest : { ...rest, observed };
}

/** What the disk holds at a local record's path, as this device last saw it. */
function diskExpect(here: LocalRecord | undefined): Expectation {
  if (here === undefined || here.deleted) return 'absent';
  return here.observed ?? { size: here.size, mtime: here.mtime };
}

function matches(entry: VolumeEntry | undefined, expect: Expectation): boolean {
  if (expect === 'absent') return entry === undefined;
  return entry?.kind === 'file' && entry.size === expect.size && entry.mtime === expect.mtime;
}

function sameContent(here: LocalRecord | undefined, record: FileRecord): boolean {
  if (here === undefined || here.deleted || record.deleted) return false;
  return equalBytes(here.hash, record.hash);
}

function statOf(entry: VolumeEntry): ObservedStat {
  return { size: entry.size, mtime: entry.mtime };
}

function failure(error: unknown): Failure {
  if (error instanceof VolumeUnavailableError) return { status: 'unavailable', error };
  const err = error instanceof Error ? error : new Error(String(error));
  if (err instanceof ChunkFetchError && err.attempts.length === 0)
    return { status: 'waiting-for-peer', error: err };
  return { status: 'failed', error: err };
}
