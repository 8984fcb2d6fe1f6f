/**
 * The planner (DESIGN.md, "Sync" steps 3 and 6): given this device's records of a folder
 * and what its peers announced, the actions that bring the folder up to date. Pure: no
 * I/O, no clock, no randomness; it makes no new versions, so it needs neither time nor
 * this device's ID.
 *
 * Invariants:
 *
 * 1. One remote record per path: of the peers' records, those no other record dominates,
 *    then of those the one `chooseConflictWinner` prefers, unchanged (`pickRemote`). Peers
 *    concurrent with each other are not merged here: the losing peer sees the winner as
 *    concurrent with its own record and keeps its content as a conflict copy itself.
 * 2. Nothing when the local record dominates or equals the remote one.
 * 3. Remote dominates (or no local record): the local record is replaced by the remote one,
 *    unchanged. Same outcome on disk (same hash, or both deleted, or no local record and a
 *    tombstone) → `adopt`; a tombstone over a live file → `delete`; live content → a write,
 *    `copyLocal` when a live local file elsewhere has that hash and is not itself written
 *    by this plan (a rename or copy costs no transfer), else `fetch`.
 * 4. Concurrent with the same outcome (`isRealConflict` false): `adopt` the record
 *    `chooseConflictWinner` picks, with the merged version. Identical content is never a
 *    conflict.
 * 5. Concurrent with different outcomes: a `conflict`. The winner (`chooseConflictWinner`:
 *    an edit beats a delete, then the newer mtime, then the device ID) keeps `path`, with
 *    version = merge(both versions), not bumped; a live loser is kept at
 *    `conflictCopyName(path, loser.mtime, loser.modifiedBy)` with the loser's own record
 *    (its version, mtime, author). Both devices compute the same two records from the same
 *    pair, whichever side each holds, so they end equal and neither sees a conflict again:
 *    the merged version dominates both originals, and equals itself. Not bumping is what
 *    makes this so: a bump would carry each device's own clock and conflict anew.
 * 6. A conflict copy is only made where the local index has no record at its name (else
 *    `blocked`, 'conflict-copy-exists'); the plan for the copy's name itself waits a
 *    round, since it would be the same record (or one that supersedes it next round).
 * 7. A write at a path that differs only by case from another live local file is
 *    `blocked` ('case-collision'), never done: on a case-insensitive volume it would
 *    overwrite that file. A case-only rename thus arrives in two rounds: the delete of the
 *    old spelling, then the new one.
 * 8. Order: every `copyLocal` first (so a renamed file is copied before its old path is
 *    deleted or replaced), then all other actions; each group by path in code-unit order.
 *    The output depends only on the records, not on the maps' insertion order.
 * 9. Records are as they came: the commit step gives them their local `sequence`.
 *
 * Every record's own `version` is assumed to name one outcome: records equal in version
 * have equal content (scan invariant 4 keeps it for touches).
 */
import { equalBytes, toHex } from '../content/bytes.ts';
import { chooseConflictWinner, conflictCopyName, isRealConflict } from '../model/conflictName.ts';
import type { FileRecord } from '../model/fileRecord.ts';
import { caseFoldKey } from '../model/paths.ts';
import { compareVersions, dominates, mergeVersions } from '../model/versionVector.ts';
import type { Expect, PlannedAction } from './actions.ts';

export interface PlanInput {
  /** This device's index of the folder, path → record, tombstones included. */
  readonly local: ReadonlyMap<string, FileRecord>;
  /** What peers announced, path → each peer's record of it (any order). */
  readonly remote: ReadonlyMap<string, readonly FileRecord[]>;
}

/** The record taken as "the remote one" for a path (invariant 1); undefined for none. */
export function pickRemote(records: readonly FileRecord[]): FileRecord | undefined {
  const maximal = records.filter((r) => !records.some((other) => dominates(other.version, r.version)));
  return maximal.reduce<FileRecord | undefined>(
    (best, r) => (best === undefined ? r : chooseConflictWinner(best, r)),
    undefined,
  );
}

/** The actions that bring the local folder up to date with `input.remote`. */
export function planFolder(input: PlanInput): PlannedAction[] {
  const { local } = input;
  const paths = [...new Set([...local.keys(), ...input.remote.keys()])].sort(compareCodeUnits);
  const liveByFold = new Map<string, string[]>();
  const liveByHash = new Map<string, string[]>();
  for (const path of paths) {
    const record = local.get(path);
    if (record === undefined || record.deleted) continue;
    push(liveByFold, caseFoldKey(path), path);
    push(liveByHash, toHex(record.hash), path);
  }

  const decided: PlannedAction[] = [];
  for (const path of paths) {
    const remote = pickRemote(input.remote.get(path) ?? []);
    if (remote === undefined) continue;
    const action = decide(path, local.get(path), remote);
    if (action === undefined) continue;
    const collides = (liveByFold.get(caseFoldKey(path)) ?? []).some((other) => other !== path);
    if (collides && writesAtPath(action)) decided.push({ kind: 'blocked', path, reason: 'case-collision' });
    else if (action.kind === 'conflict' && action.copyName !== null && local.has(action.copyName)) {
      decided.push({ kind: 'blocked', path, reason: 'conflict-copy-exists' });
    } else decided.push(action);
  }

  // Invariant 6: a copy name a conflict fills is not planned on its own this round.
  const copies = new Set(
    decided.flatMap((a) => (a.kind === 'conflict' && a.copyName !== null ? [a.copyName] : [])),
  );
  const kept = decided.filter((a) => !copies.has(a.path));
  // Invariant 3: a source must keep its bytes until copied, so nothing this plan writes is one.
  const written = new Set(kept.filter(writesAtPath).map((a) => a.path));
  const actions = kept.map((a): PlannedAction => {
    if (a.kind !== 'fetch') return a;
    const from = (liveByHash.get(toHex(a.record.hash)) ?? []).find((p) => p !== a.path && !written.has(p));
    const source = from === undefined ? undefined : local.get(from);
    if (from === undefined || source === undefined) return a;
    return { ...a, kind: 'copyLocal', from, fromExpect: { size: source.size, mtime: source.mtime } };
  });
  return actions.sort(
    (a, b) =>
      Number(b.kind === 'copyLocal') - Number(a.kind === 'copyLocal') || compareCodeUnits(a.path, b.path),
  );
}

/** The single-path decision (invariants 2–5), before collisions and local copies. */
function decide(path: string, local: FileRecord | undefined, remote: FileRecord): PlannedAction | undefined {
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
  const version = mergeVersions(local.version, remote.version);
  const winner = chooseConflictWinner(local, remote);
  if (!isRealConflict(local, remote)) return { kind: 'adopt', path, record: { ...winner, path, version } };
  const loser = winner === local ? remote : local;
  const copyName = loser.deleted ? null : conflictCopyName(path, loser.mtime, loser.modifiedBy);
  return {
    kind: 'conflict',
    path,
    winner,
    loser,
    local: winner === local ? 'winner' : 'loser',
    record: { ...winner, path, version },
    copyName,
    copy: copyName === null ? null : { ...loser, path: copyName },
    expect: expectOf(local),
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

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
