/**
 * The scan (DESIGN.md, "Sync" step 1): compares a folder on disk with this device's index
 * of it and records what changed, as new versions and tombstones.
 *
 * Invariants:
 *
 * 1. A folder that is not there is never read as empty. The scan checks the marker first
 *    and again just before writing; a missing marker or any `VolumeUnavailableError` ends
 *    it as `paused`, with nothing written.
 * 2. Nothing is written until the listing completed. All changes go to the index in one
 *    `putLocal` at the end (all-or-nothing), so a scan cut short changes nothing; the
 *    observed stats of touched files (invariant 4) are set just after it.
 * 3. The scan compares the disk with what this device last saw there, not with the synced
 *    record: a record's `observed` stat (the size and mtime the volume reported for its
 *    content), or the record's own size and mtime when it has none. Only files whose size
 *    and mtime match it, and that the watch did not name (`rehash`), skip hashing, so a
 *    record written by a sync (stored with the committed file's stat as `observed`, its
 *    mtime the author's: browsers cannot set a file's mtime) is unchanged for the next scan.
 *    Any other file is read and hashed; what the scan records describes exactly the bytes
 *    hashed (the size and mtime of the opened source, not of the listing).
 * 4. New content gets a new version: the device's counter becomes max(previous + 1, now in
 *    seconds) (`bumpVersion`), so a file back after a tombstone dominates the tombstone.
 *    Its record's mtime is the disk mtime (this device authored it), and `observed` the
 *    disk stat. Content equal to the record's (a touch) changes only the observed stat
 *    (`setObserved`): record, version, mtime and sequence stay as they are, peers get
 *    nothing, and the next scan does not read the file again. The synced mtime decides
 *    conflicts (conflictName.ts), and the planner takes equal versions for identical
 *    records: a touch that rewrote it under the same version would let two devices hold
 *    one version with two mtimes, and resolve a later conflict differently.
 * 5. A live record whose path is not on disk, and not ignored, becomes a tombstone:
 *    deleted, size 0, no hash or chunks, version bumped, mtime the time the scan saw it
 *    gone (tombstones expire counting from there). A tombstone stays as it is. A record
 *    whose path is now ignored stays as it is too: ignoring a file is not deleting it.
 * 6. A path the scan cannot take this round is reported and left alone, never tombstoned:
 *    a name that fails `validatePath` (after NFC), names that differ only by case (they
 *    cannot coexist on Windows or macOS) or only by Unicode normal form, and a file that
 *    changed or vanished while being hashed (the next scan takes it up). Problems are
 *    data (`ScanProblem`), not exceptions.
 * 7. Files only. Directories get no records yet, so an empty directory is not synced;
 *    directories are created as parents of the files written into them.
 *
 * The scan assumes it is the only writer of the folder's local index while it runs (the
 * engine serialises scans and commits per folder): a record committed between its read
 * and the final write would be replaced.
 */
import type { FileDigest } from '../content/chunk.ts';
import { equalBytes } from '../content/bytes.ts';
import type { ChunkRef, DeviceShortId, FileRecord } from '../model/fileRecord.ts';
import { findCaseCollisions, normalizePath, validatePath } from '../model/paths.ts';
import { bumpVersion } from '../model/versionVector.ts';
import type { Clock } from '../../ports/Clock.ts';
import type { FolderId, LocalChange, ObservedStat, Store } from '../../ports/Store.ts';
import { SourceChangedError } from '../content/byteSource.ts';
import {
  ChangedMeanwhileError,
  NotFoundError,
  VolumeUnavailableError,
  WrongKindError,
  type FileSource,
  type Volume,
  type VolumeEntry,
} from '../../ports/Volume.ts';
import { IGNORE_FILE, readIgnoreRules, type IgnoreRules } from './ignore.ts';
import { forEachLimited } from './forEachLimited.ts';

/**
 * Chunks and hashes one opened file. In Node and the simulation `(source) =>
 * digestSource(source)`; in the browser the worker pool. Rejects as the source's reads do
 * (`ChangedMeanwhileError` when the file changed while being read).
 */
export type HashFile = (source: FileSource, path: string) => Promise<FileDigest>;

/** What the scan needs, and nothing more. */
export interface ScanDeps {
  readonly volume: Volume;
  readonly index: Pick<Store, 'getLocal' | 'putLocal' | 'localSince' | 'setObserved'>;
  readonly hash: HashFile;
  readonly clock: Pick<Clock, 'now'>;
  /** This device, the author of every version the scan makes. */
  readonly device: DeviceShortId;
}

export interface ScanOptions {
  readonly folder: FolderId;
  /**
   * Paths (NFC) to hash even when their size and mtime match their record: those the
   * volume's watch named since the last scan, the engine's own writes aside. A write can
   * keep a file's stat (Chromium's in-memory OPFS keeps `lastModified` through an in-place
   * write), and the watch is then the only sign of it.
   */
  readonly rehash?: ReadonlySet<string>;
  /** Files hashed at once (e.g. the worker pool's size). Default 4. */
  readonly concurrency?: number;
}

/** Why a path was left out of this scan: a closed set. */
export type ScanProblemCode =
  | 'invalid-path'
  | 'case-collision'
  | 'unicode-collision'
  | 'changed-while-scanning'
  | 'ignore-file-unreadable';

export interface ScanProblem {
  /** The path as the volume lists it (it may not be valid). */
  readonly path: string;
  readonly code: ScanProblemCode;
  /** For people: what is wrong and what to do. */
  readonly message: string;
}

export interface ScanStats {
  /** Files on disk the scan considered: listed and not ignored, problems included. */
  readonly files: number;
  /** Bytes read and hashed. */
  readonly hashedBytes: number;
  /** Files not read because size and mtime matched their record's observed stat (invariant 3). */
  readonly skippedUnchanged: number;
}

/** Why a scan paused: `VolumeUnavailableError.why`. */
export type ScanPauseReason = VolumeUnavailableError['why'];

export type ScanResult =
  | {
      readonly status: 'done';
      /**
       * The records written, as stored (with their sequences), in path order. Touched files
       * are not among them: only their observed stat changed (invariant 4).
       */
      readonly changed: readonly FileRecord[];
      /** In path order. */
      readonly problems: readonly ScanProblem[];
      readonly stats: ScanStats;
    }
  | { readonly status: 'paused'; readonly reason: ScanPauseReason; readonly message: string };

/** A file the listing gave, under its NFC path; `entry.path` is the volume's spelling. */
interface Candidate {
  readonly path: string;
  readonly entry: VolumeEntry;
}

/** What the scan needs to know of a record before deciding to read the file. */
interface Known {
  /** The disk stat to compare with: the observed stat, else the record's size and mtime. */
  readonly stat: ObservedStat;
  readonly deleted: boolean;
}

/** A touched file: same content as its record, a new disk stat (invariant 4). */
interface Touch {
  readonly path: string;
  readonly observed: ObservedStat;
}

/** Scans the folder once (see the invariants above). */
export async function scanFolder(deps: ScanDeps, options: ScanOptions): Promise<ScanResult> {
  try {
    return await scan(deps, options);
  } catch (error) {
    if (error instanceof VolumeUnavailableError) return paused(error.why, error.message);
    throw error;
  }
}

async function scan(deps: ScanDeps, options: ScanOptions): Promise<ScanResult> {
  const { volume, index, clock, device } = deps;
  const { folder } = options;
  if (!(await volume.hasMarker())) return paused('marker-missing', 'the folder marker .tandem is missing');

  const problems: ScanProblem[] = [];
  const rules = await readIgnoreRules(volume);
  if ('unreadable' in rules) {
    // Scanning without the rules would index what the user excluded: wait for them.
    const problem: ScanProblem = {
      path: IGNORE_FILE,
      code: 'ignore-file-unreadable',
      message: rules.unreadable,
    };
    return done([], [problem], { files: 0, hashedBytes: 0, skippedUnchanged: 0 });
  }

  const { candidates, seen, files } = await listFiles(volume, rules, problems);
  const known = await knownRecords(index, folder);

  const toHash: Candidate[] = [];
  let skippedUnchanged = 0;
  for (const candidate of candidates) {
    const record = known.get(candidate.path);
    const same =
      record !== undefined &&
      !record.deleted &&
      !options.rehash?.has(candidate.path) &&
      record.stat.size === candidate.entry.size &&
      record.stat.mtime === candidate.entry.mtime;
    if (same) skippedUnchanged++;
    else toHash.push(candidate);
  }

  const changes: LocalChange[] = [];
  const touches: Touch[] = [];
  let hashedBytes = 0;
  await forEachLimited(toHash, options.concurrency ?? 4, async ({ path, entry }) => {
    const digest = await hashFile(deps, path, entry.path, problems);
    if (!digest) return;
    hashedBytes += digest.size;
    const previous = await index.getLocal(folder, path);
    const observed: ObservedStat = { size: digest.size, mtime: digest.mtime };
    if (previous && !previous.deleted && equalBytes(previous.hash, digest.hash)) {
      if (!sameStat(previous.observed, observed)) touches.push({ path, observed });
    } else {
      changes.push(fileChange(previous, path, digest, observed, device, clock.now()));
    }
  });

  const now = clock.now();
  for (const [path, record] of known) {
    if (record.deleted || seen.has(path) || rules.ignores(path, 'file')) continue;
    const previous = await index.getLocal(folder, path);
    if (previous && !previous.deleted) changes.push(tombstone(previous, device, now));
  }

  const stats = { files, hashedBytes, skippedUnchanged };
  if (changes.length === 0 && touches.length === 0) return done([], problems, stats);
  // The listing may have ended cleanly just as the folder went away: look once more.
  if (!(await volume.hasMarker())) return paused('marker-missing', 'the folder marker .tandem is missing');
  changes.sort((a, b) => compareCodeUnits(a.path, b.path));
  const changed = changes.length === 0 ? [] : await index.putLocal(folder, changes);
  // Local bookkeeping only; if the page closes before these, the next scan hashes again.
  for (const touch of touches) await index.setObserved(folder, touch.path, touch.observed);
  return done(changed, problems, stats);
}

/**
 * The files to consider, under their NFC paths, with every path the listing showed (`seen`:
 * never tombstoned) and how many files were not ignored. Problems go to `problems`.
 */
async function listFiles(
  volume: Volume,
  rules: IgnoreRules,
  problems: ScanProblem[],
): Promise<{ candidates: Candidate[]; seen: Set<string>; files: number }> {
  const byPath = new Map<string, VolumeEntry[]>();
  const seen = new Set<string>();
  let files = 0;
  // `list` cannot prune a subtree, so children of an ignored directory are filtered here.
  for await (const entry of volume.list()) {
    const path = normalizePath(entry.path);
    if (rules.ignores(path, entry.kind) || entry.kind !== 'file') continue;
    files++;
    seen.add(path);
    const valid = validatePath(path);
    if (!valid.ok) {
      problems.push({
        path: entry.path,
        code: 'invalid-path',
        message: `${valid.message} It is not synced.`,
      });
      continue;
    }
    byPath.set(path, [...(byPath.get(path) ?? []), entry]);
  }

  const candidates: Candidate[] = [];
  for (const [path, entries] of byPath) {
    if (entries.length === 1) candidates.push({ path, entry: entries[0]! });
    else
      for (const entry of entries)
        problems.push({
          path: entry.path,
          code: 'unicode-collision',
          message: `${entries.length} names here differ only in Unicode form (NFC/NFD) from "${path}"; rename all but one so they can sync.`,
        });
  }
  return { candidates: withoutCaseCollisions(candidates, problems), seen, files };
}

/** `candidates` less those whose path, or a directory on it, differs from another only by case. */
function withoutCaseCollisions(candidates: Candidate[], problems: ScanProblem[]): Candidate[] {
  const groups = findCaseCollisions(candidates.map((c) => c.path));
  if (groups.length === 0) return candidates;
  const groupOf = new Map<string, string[]>();
  for (const group of groups) for (const member of group) groupOf.set(member, group);
  return candidates.filter(({ path, entry }) => {
    const clash = prefixes(path).find((prefix) => groupOf.has(prefix));
    if (clash === undefined) return true;
    const others = groupOf
      .get(clash)!
      .filter((p) => p !== clash)
      .map((p) => `"${p}"`)
      .join(', ');
    problems.push({
      path: entry.path,
      code: 'case-collision',
      message: `"${clash}" differs only by case from ${others}, and they cannot both exist on Windows or macOS; rename one so both can sync.`,
    });
    return false;
  });
}

/** `a`, `a/b`, `a/b/c` for `a/b/c`. */
function prefixes(path: string): string[] {
  const out: string[] = [];
  for (let end = path.indexOf('/'); end >= 0; end = path.indexOf('/', end + 1)) out.push(path.slice(0, end));
  out.push(path);
  return out;
}

/** The disk stat to compare with and the deleted flag of every local record, path → summary. */
async function knownRecords(index: ScanDeps['index'], folder: FolderId): Promise<Map<string, Known>> {
  // Summaries only: whole records carry chunk lists, too many to hold for a large folder.
  const known = new Map<string, Known>();
  for await (const r of index.localSince(folder, 0)) {
    const stat = r.observed ?? { size: r.size, mtime: r.mtime };
    known.set(r.path, { stat: { size: stat.size, mtime: stat.mtime }, deleted: r.deleted });
  }
  return known;
}

function sameStat(a: ObservedStat | undefined, b: ObservedStat): boolean {
  return a !== undefined && a.size === b.size && a.mtime === b.mtime;
}

/** The digest of the file, or `undefined` (and a problem) when it changed meanwhile. */
async function hashFile(
  deps: ScanDeps,
  path: string,
  volumePath: string,
  problems: ScanProblem[],
): Promise<(FileDigest & { readonly mtime: number }) | undefined> {
  try {
    const source = await deps.volume.source(volumePath);
    const digest = await deps.hash(source, path);
    return { ...digest, mtime: source.mtime };
  } catch (error) {
    if (!isChangedWhileReading(error)) throw error;
    problems.push({
      path: volumePath,
      code: 'changed-while-scanning',
      message: 'The file changed while it was being read; the next scan will look at it again.',
    });
    return undefined;
  }
}

/** The change recording new content of a hashed file (invariants 3 and 4). */
function fileChange(
  previous: FileRecord | undefined,
  path: string,
  digest: FileDigest & { readonly mtime: number },
  observed: ObservedStat,
  device: DeviceShortId,
  nowMs: number,
): LocalChange {
  return {
    path,
    size: digest.size,
    mtime: digest.mtime,
    observed,
    // Copies: a hasher may hand out views into one shared buffer (ContentService).
    hash: digest.hash.slice(),
    chunks: digest.chunks.map((c): ChunkRef => ({ hash: c.hash.slice(), size: c.size })),
    version: bumpVersion(previous?.version ?? {}, device, nowMs / 1000),
    deleted: false,
    modifiedBy: device,
  };
}

/** The tombstone of a live record whose file is gone (invariant 5). */
function tombstone(previous: FileRecord, device: DeviceShortId, nowMs: number): LocalChange {
  return {
    path: previous.path,
    size: 0,
    mtime: nowMs,
    hash: new Uint8Array(0),
    chunks: [],
    version: bumpVersion(previous.version, device, nowMs / 1000),
    deleted: true,
    modifiedBy: device,
  };
}

/** A file that changed, vanished or became a directory between listing and reading. */
function isChangedWhileReading(error: unknown): boolean {
  return (
    error instanceof ChangedMeanwhileError ||
    error instanceof SourceChangedError ||
    error instanceof NotFoundError ||
    error instanceof WrongKindError
  );
}

function done(changed: readonly FileRecord[], problems: ScanProblem[], stats: ScanStats): ScanResult {
  problems.sort((a, b) => compareCodeUnits(a.path, b.path));
  return { status: 'done', changed, problems, stats };
}

function paused(reason: ScanPauseReason, message: string): ScanResult {
  return { status: 'paused', reason, message };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
