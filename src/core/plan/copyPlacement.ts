/**
 * Where a conflict keeps its loser (planFolder.ts, invariant 6), and the record it keeps
 * there. The copy is named the same on every device and never duplicated (DESIGN.md, "Sync"
 * step 6), so the name is decided only from what both devices of a conflict see alike:
 * the local records and the announced ones at each candidate name (what one device holds,
 * the other is announced), and the live paths on either side.
 *
 * The candidates are `conflictCopyName(path, loser.mtime, loser.modifiedBy, n)` for
 * n = 1, 2, …; the first one that holds nothing but the copy is taken. A name holds
 * nothing but the copy when:
 *
 * 1. every live record at it, local or announced, has the loser's content (it is the copy,
 *    made here before or by a peer);
 * 2. of the copy and the records at it, a live one is dominated by none: a tombstone that
 *    dominates them is a delete that only a new version could undo, and the planner makes
 *    none;
 * 3. no live path on either side differs from it only by case or has it as a directory,
 *    and no other conflict of this plan took it.
 *
 * Other content at a name is never overwritten nor merged with the copy, whatever the
 * versions say: versions of different paths are unrelated (counters are times), so one
 * that dominates the loser's there says nothing about the loser.
 *
 * The record kept is the one of the copy (`{...loser, path: name}`) and the records there
 * that every other is dominated by or equal to — preferring the local one among equals —
 * or, when several are concurrent, the one `chooseConflictWinner` prefers among those no
 * other dominates, with all their versions merged (as planFolder invariant 4 does for
 * equal content). Both devices compute the same record, and no record at the name is newer.
 */
import { equalBytes } from '../content/bytes.ts';
import { chooseConflictWinner, conflictCopyName } from '../model/conflictName.ts';
import type { FileRecord } from '../model/fileRecord.ts';
import { compareVersions, dominates, mergeVersions } from '../model/versionVector.ts';
import { addPath, FoldIndex, type Kinds } from './names.ts';

export interface CopyPlacement {
  readonly copyName: string;
  /** The record the index holds at `copyName` once the conflict is carried out. */
  readonly copy: FileRecord;
  /** The local file at `copyName` already holds the loser's content: nothing to write. */
  readonly exists: boolean;
}

/** Places the copies of one plan's conflicts, in the order they are asked for. */
export type PlaceCopy = (path: string, loser: FileRecord) => CopyPlacement;

/** A placer for one plan: names given to earlier copies are not given again. */
export function copyPlacer(
  local: ReadonlyMap<string, FileRecord>,
  remote: ReadonlyMap<string, readonly FileRecord[]>,
): PlaceCopy {
  let spellings: FoldIndex<Kinds> | undefined;
  const given = new Set<string>();
  // Ends: every name tried and passed over is backed by a record, a live path or a given name.
  return (path, loser) => {
    if (spellings === undefined) {
      // Built at the first conflict: most plans have none.
      spellings = new FoldIndex(() => ({ file: false, dir: false }));
      for (const [p, r] of local) if (!r.deleted) addPath(spellings, p);
      for (const [p, rs] of remote) {
        if (local.get(p)?.deleted === false) continue;
        if (rs.some((r) => !r.deleted)) addPath(spellings, p);
      }
    }
    for (let attempt = 1; ; attempt++) {
      const name = conflictCopyName(path, loser.mtime, loser.modifiedBy, attempt);
      if (given.has(name) || clashes(spellings, name)) continue;
      const mine = local.get(name);
      const there = [...(mine === undefined ? [] : [mine]), ...(remote.get(name) ?? [])];
      const kept = keptRecord({ ...loser, path: name }, there, mine);
      if (kept === undefined) continue;
      given.add(name);
      addPath(spellings, name);
      return { copyName: name, copy: kept, exists: mine !== undefined && !mine.deleted };
    }
  };
}

/** The record kept at the copy's name (see the header), or undefined when the name is taken. */
function keptRecord(
  copy: FileRecord,
  there: readonly FileRecord[],
  mine: FileRecord | undefined,
): FileRecord | undefined {
  if (there.some((r) => !r.deleted && !equalBytes(r.hash, copy.hash))) return undefined;
  const all = [copy, ...there];
  const maximal = all.filter((r) => !all.some((other) => dominates(other.version, r.version)));
  if (!maximal.some((r) => !r.deleted)) return undefined;
  const top = maximal[0]!;
  if (maximal.every((r) => compareVersions(r.version, top.version) === 'equal')) {
    const live = maximal.filter((r) => !r.deleted);
    const pick = mine !== undefined && live.includes(mine) ? mine : live.reduce(chooseConflictWinner);
    return { ...pick, path: copy.path };
  }
  const version = all.map((r) => r.version).reduce(mergeVersions);
  return { ...maximal.reduce(chooseConflictWinner), path: copy.path, version };
}

/** True when `name` differs only by case from a live path or directory, or is a directory. */
function clashes(spellings: FoldIndex<Kinds>, name: string): boolean {
  return spellings.spellings(name).some(([spelling, kinds]) => spelling !== name || kinds.dir);
}
