/**
 * The planner (DESIGN.md, "Sync" steps 3 and 6): given this device's records of a folder
 * and what its peers announced, the actions that bring the folder up to date. Pure: no
 * I/O, no clock, no randomness; it makes no new versions, so it needs neither time nor
 * this device's ID.
 *
 * Invariants:
 *
 * 1. One remote record per path: of the peers' records, those no other record dominates
 *    and no tombstone among them supersedes (`deleteSupersedes`), then of those the one
 *    `chooseConflictWinner` prefers, unchanged (`pickRemote`). Peers
 *    concurrent with each other are not merged here: the losing peer sees the winner as
 *    concurrent with its own record and keeps its content as a conflict copy itself.
 * 2. Nothing when the local record dominates or equals the remote one.
 * 3. Remote dominates (or no local record): the local record is replaced by the remote one,
 *    unchanged. Same outcome on disk (same hash, or both deleted, or no local record and a
 *    tombstone) → `adopt`; a tombstone over a live file → `delete`; live content → a write,
 *    `copyLocal` when a live local file elsewhere has that hash and still has it when the
 *    copy is made (invariant 9): one this plan writes never is a source (a rename or copy
 *    costs no transfer), else `fetch`.
 * 4. Concurrent with the same outcome (`isRealConflict` false): `adopt` the record
 *    `chooseConflictWinner` picks, with the merged version. Identical content is never a
 *    conflict.
 * 5. Concurrent with different outcomes: a `conflict`. The winner (`chooseConflictWinner`:
 *    an edit beats a delete, then the newer mtime, then the device ID) keeps `path`, with
 *    version = merge(both versions), not bumped; a live loser is kept as a conflict copy
 *    (invariant 6) with the loser's own record (its version, mtime, author). Both devices
 *    compute the same two records from the same pair, whichever side each holds, so they
 *    end equal and neither sees a conflict again: the merged version dominates both
 *    originals, and equals itself. Not bumping is what makes this so: a bump would carry
 *    each device's own clock and conflict anew.
 *    Except when one side is a tombstone that deleted the other side's very content
 *    (`deleteSupersedes`: a conflict was resolved elsewhere while this delete was made):
 *    the delete stands, unchanged and with no copy: `delete` when the file is the local
 *    side, nothing when the tombstone is. Merging instead would give the tombstone a
 *    version that an "edit beats delete" merge elsewhere may give to live content.
 * 6. The copy is named `conflictCopyName(path, loser.mtime, loser.modifiedBy, n)` for the
 *    first n = 1, 2, … whose name holds nothing but the copy (copyPlacement.ts): no live
 *    record there, local or announced, with other content, no tombstone there newer than
 *    every copy of it, no live path that differs from it only by case or has it as a
 *    directory. Decided from what both sides of the conflict see alike, the name is the
 *    same on every device, and a copy already there (made earlier, or fetched from the
 *    peer that made it) is reused, never duplicated: `copyExists`, and the record kept
 *    there merges the versions when they are concurrent. Other content is never
 *    overwritten. The plan for the copy's name itself waits a round, since the conflict
 *    fills it with a record no record there is newer than.
 * 7. Names (names.ts): every volume may be case-insensitive. A write needs its path as a
 *    file and each directory on it as a directory; a needed name that differs only by case
 *    from a live local file or directory is a 'case-collision', one where a live local
 *    file is a directory, or the reverse, a 'file-directory-clash'. When every local file
 *    in the way is deleted by this plan, the write goes ahead after those deletes (they are
 *    marked `frees`), so a case-only rename or a file turned directory takes one round;
 *    else it is `blocked`, naming what `collidesWith` it, and never done.
 * 8. Writes of one plan that clash with each other (two announced paths differing only by
 *    case, from one peer or several; a file and a directory of one name) claim names in
 *    code-unit order of their paths: the smaller path is written, the others blocked.
 *    Any other choice would leave the folder different from device to device; blocking
 *    all of them would leave a new device without either file. Once written, the file is
 *    local and keeps blocking the others (invariant 7) until one is renamed or deleted.
 * 9. Order, in four runs, each by path in code-unit order: `copyLocal` that needs no name
 *    freed; the deletes marked `frees`; `copyLocal` that needs a name they freed; all the
 *    rest. So a renamed file is copied before its old path is deleted or replaced (a
 *    `copyLocal` never reads from a file this plan writes, nor, in the third run, from one
 *    a `frees` delete removed), and a freed name is free before it is written. With
 *    nothing to free, this is "copies first, then the rest". The output depends only on
 *    the records, not on the maps' insertion order.
 * 10. Records are as they came: the commit step gives them their local `sequence`.
 *
 * Every record's own `version` is assumed to name one outcome: records equal in version
 * have equal content (scan invariant 4 keeps it for touches).
 */
import { equalBytes, toHex } from '../content/bytes.ts';
import { chooseConflictWinner, deleteSupersedes, isRealConflict } from '../model/conflictName.ts';
import type { FileRecord } from '../model/fileRecord.ts';
import { compareVersions, dominates, mergeVersions } from '../model/versionVector.ts';
import type { Expect, PlannedAction } from './actions.ts';
import { copyPlacer, type PlaceCopy } from './copyPlacement.ts';
import { compareCodeUnits, screenNames } from './names.ts';

export interface PlanInput {
  /** This device's index of the folder, path → record, tombstones included. */
  readonly local: ReadonlyMap<string, FileRecord>;
  /** What peers announced, path → each peer's record of it (any order). */
  readonly remote: ReadonlyMap<string, readonly FileRecord[]>;
}

/** The record taken as "the remote one" for a path (invariant 1); undefined for none. */
export function pickRemote(records: readonly FileRecord[]): FileRecord | undefined {
  const maximal = records.filter((r) => !records.some((other) => dominates(other.version, r.version)));
  const standing = maximal.filter((r) => !maximal.some((t) => deleteSupersedes(t, r)));
  return standing.reduce<FileRecord | undefined>(
    (best, r) => (best === undefined ? r : chooseConflictWinner(best, r)),
    undefined,
  );
}

/** The actions that bring the local folder up to date with `input.remote`. */
export function planFolder(input: PlanInput): PlannedAction[] {
  const { local, remote } = input;
  const paths = [...new Set([...local.keys(), ...remote.keys()])].sort(compareCodeUnits);
  const placeCopy = copyPlacer(local, remote);
  const decided: PlannedAction[] = [];
  for (const path of paths) {
    const theirs = pickRemote(remote.get(path) ?? []);
    if (theirs === undefined) continue;
    const action = decide(path, local.get(path), theirs, placeCopy);
    if (action !== undefined) decided.push(action);
  }

  // Invariant 6: a copy name a conflict fills is not planned on its own this round.
  const copies = new Set(
    decided.flatMap((a) => (a.kind === 'conflict' && a.copyName !== null ? [a.copyName] : [])),
  );
  // Invariants 7 and 8.
  const screened = screenNames(
    local,
    decided.filter((a) => !copies.has(a.path)),
  );
  const { waiting, freeing } = screened;

  // Invariant 3: a source keeps its bytes until copied, so nothing this plan writes is one,
  // nor, for a copy that waits for a freed name, a file deleted to free it (invariant 9).
  const liveByHash = new Map<string, string[]>();
  for (const path of paths) {
    const record = local.get(path);
    if (record !== undefined && !record.deleted) push(liveByHash, toHex(record.hash), path);
  }
  const written = new Set(screened.actions.filter(writesAtPath).map((a) => a.path));
  const actions = screened.actions.map((a): PlannedAction => {
    if (a.kind === 'delete') return freeing.has(a.path) ? { ...a, frees: true } : a;
    if (a.kind !== 'fetch') return a;
    const from = (liveByHash.get(toHex(a.record.hash)) ?? []).find(
      (p) => p !== a.path && !written.has(p) && !(waiting.has(a.path) && freeing.has(p)),
    );
    const source = from === undefined ? undefined : local.get(from);
    if (from === undefined || source === undefined) return a;
    return { ...a, kind: 'copyLocal', from, fromExpect: stat(source) };
  });

  const run = (a: PlannedAction): number =>
    a.kind === 'copyLocal' ? (waiting.has(a.path) ? 2 : 0) : a.kind === 'delete' && a.frees ? 1 : 3;
  return actions.sort((a, b) => run(a) - run(b) || compareCodeUnits(a.path, b.path));
}

/** The single-path decision (invariants 2–6), before names are screened and local copies found. */
function decide(
  path: string,
  local: FileRecord | undefined,
  remote: FileRecord,
  placeCopy: PlaceCopy,
): PlannedAction | undefined {
  if (local === undefined) {
    return remote.deleted
      ? { kind: 'adopt', path, record: remote }
      : { kind: 'fetch', path, record: remote, expect: 'absent' };
  }
  const order = compareVersions(remote.version, local.version);
  if (order === 'equal' || order === 'lesser') return undefined;
  if (order === 'greater') {
    if (sameOutcome(local, remote)) return { kind: 'adopt', path, record: remote };
    if (remote.deleted) return { kind: 'delete', path, record: remote, expect: stat(local) };
    return { kind: 'fetch', path, record: remote, expect: expectOf(local) };
  }
  if (deleteSupersedes(remote, local)) return { kind: 'delete', path, record: remote, expect: stat(local) };
  if (deleteSupersedes(local, remote)) return undefined;
  const version = mergeVersions(local.version, remote.version);
  const winner = chooseConflictWinner(local, remote);
  if (!isRealConflict(local, remote)) return { kind: 'adopt', path, record: { ...winner, path, version } };
  const loser = winner === local ? remote : local;
  const placed = loser.deleted ? undefined : placeCopy(path, loser);
  return {
    kind: 'conflict',
    path,
    winner,
    loser,
    local: winner === local ? 'winner' : 'loser',
    record: { ...winner, path, version },
    copyName: placed?.copyName ?? null,
    copy: placed?.copy ?? null,
    expect: expectOf(local),
    ...(placed?.exists === true ? { copyExists: true } : {}),
  };
}

/** True when the action puts other bytes at its own path. */
function writesAtPath(a: PlannedAction): boolean {
  return a.kind === 'fetch' || a.kind === 'copyLocal' || (a.kind === 'conflict' && a.local === 'loser');
}

function sameOutcome(a: FileRecord, b: FileRecord): boolean {
  if (a.deleted || b.deleted) return a.deleted && b.deleted;
  return equalBytes(a.hash, b.hash);
}

function stat(r: FileRecord): { readonly size: number; readonly mtime: number } {
  return { size: r.size, mtime: r.mtime };
}

function expectOf(r: FileRecord): Expect {
  return r.deleted ? 'absent' : stat(r);
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
