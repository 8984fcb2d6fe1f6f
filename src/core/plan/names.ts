/**
 * Names on a volume that may not tell case apart (planFolder.ts, invariants 7 and 8):
 * which writes of a plan would clash with a live local file or with each other, and which
 * deletes must come first to free a name a write needs. Every volume is treated as
 * case-insensitive, since a folder is shared with Windows and macOS too.
 *
 * A write needs its path as a file and every directory on it as a directory. A needed
 * name clashes with a file or directory spelled otherwise but equal under `caseFoldKey`
 * ('case-collision': it would overwrite that file or land in that directory), or with the
 * same name as the other kind ('file-directory-clash': a file where a directory is
 * needed, or files under a directory where a file is). The local file a write replaces
 * at its own path is no clash.
 *
 * - Live local files: when every one in the way is deleted by this plan, the write goes
 *   ahead after those deletes, which are marked as freeing; else it is blocked.
 * - Other writes: they claim their names in code-unit order of their paths, so of two
 *   writes that clash the one with the smaller path is made and the other blocked,
 *   whatever the order records arrived in, on every device that sees the same records.
 */
import type { FileRecord } from '../model/fileRecord.ts';
import { caseFoldKey } from '../model/paths.ts';
import type { BlockedReason, PlannedAction } from './actions.ts';

/**
 * Entries by case-fold key and spelling. Directories recur on many paths, so their keys
 * are folded once each.
 */
export class FoldIndex<T> {
  readonly #groups = new Map<string, Map<string, T>>();
  readonly #dirKeys = new Map<string, string>();
  readonly #make: () => T;

  constructor(make: () => T) {
    this.#make = make;
  }

  /** The entry of `name`, made if new; `dir` says the name recurs (a directory). */
  at(name: string, dir: boolean): T {
    let key = dir ? this.#dirKeys.get(name) : undefined;
    if (key === undefined) {
      key = caseFoldKey(name);
      if (dir) this.#dirKeys.set(name, key);
    }
    let group = this.#groups.get(key);
    if (group === undefined) this.#groups.set(key, (group = new Map()));
    let entry = group.get(name);
    if (entry === undefined) group.set(name, (entry = this.#make()));
    return entry;
  }

  /** Every spelling equal to `name` under `caseFoldKey`, `name` included if present, sorted. */
  spellings(name: string): [string, T][] {
    const group = this.#groups.get(this.#dirKeys.get(name) ?? caseFoldKey(name));
    if (group === undefined) return [];
    const all = [...group];
    return all.length === 1 ? all : all.sort(([a], [b]) => compareCodeUnits(a, b));
  }
}

/** Names as a file, a directory, or (in a broken index) both. */
export type Kinds = { file: boolean; dir: boolean };

/** Records `path` as a file, and every directory on it. */
export function addPath(index: FoldIndex<Kinds>, path: string): void {
  for (const dir of prefixesOf(path)) index.at(dir, true).dir = true;
  index.at(path, false).file = true;
}

const noKinds = (): Kinds => ({ file: false, dir: false });

/** The result of `screenNames`. */
export interface Screening {
  /** The actions in the order given, each write that clashes replaced by a blocked action. */
  readonly actions: PlannedAction[];
  /** Paths of the writes that need a name that a delete of this plan frees. */
  readonly waiting: ReadonlySet<string>;
  /** Paths of the deletes that free a name some write needs. */
  readonly freeing: ReadonlySet<string>;
}

interface Occupant {
  /** A live local file has exactly this name. */
  file: boolean;
  /** … and this plan does not delete it. */
  fileStays: boolean;
  /** Live local files under this name as a directory. */
  under: number;
  /** … of which this plan does not delete. */
  underStays: number;
}

interface Clash {
  readonly reason: BlockedReason;
  readonly with: string;
}

/** A name a write needs that only files this plan deletes hold: the files, those under it, or both. */
interface Freed {
  readonly name: string;
  readonly files: boolean;
  readonly dirs: boolean;
}

/**
 * Screens `actions` (one per path, in code-unit order of their paths) against the live
 * records of `local`, as described at the top.
 */
export function screenNames(
  local: ReadonlyMap<string, FileRecord>,
  actions: readonly PlannedAction[],
): Screening {
  const deleted = new Set(actions.flatMap((a) => (a.kind === 'delete' ? [a.path] : [])));
  let occupants: FoldIndex<Occupant> | undefined; // built at the first write: many plans have none
  const claims = new FoldIndex(noKinds);
  const freedFiles = new Set<string>();
  const freedDirs = new Set<string>();
  const waiting = new Set<string>();

  const screened = actions.map((action): PlannedAction => {
    const targets = targetsOf(action);
    const needs = targets.flatMap((target) => [
      ...prefixesOf(target).map((name) => [name, 'dir'] as const),
      [target, 'file'] as const,
    ]);
    const frees: Freed[] = [];
    if (needs.length > 0) occupants ??= occupancy(local, deleted);
    for (const [name, kind] of needs) {
      const clash = localClash(occupants!, name, kind, frees) ?? claimClash(claims, name, kind);
      if (clash !== undefined) {
        return { kind: 'blocked', path: action.path, reason: clash.reason, collidesWith: clash.with };
      }
    }
    for (const target of targets) addPath(claims, target);
    for (const free of frees) {
      if (free.files) freedFiles.add(free.name);
      if (free.dirs) freedDirs.add(free.name);
    }
    if (frees.length > 0) waiting.add(action.path);
    return action;
  });

  const freeing = new Set(
    [...deleted].filter((path) => freedFiles.has(path) || prefixesOf(path).some((dir) => freedDirs.has(dir))),
  );
  return { actions: screened, waiting, freeing };
}

/**
 * The clash of `name` (needed as `kind`) with live local files that stay, if any. Files
 * in the way that this plan deletes are added to `frees` instead.
 */
function localClash(
  occupants: FoldIndex<Occupant>,
  name: string,
  kind: 'file' | 'dir',
  frees: Freed[],
): Clash | undefined {
  for (const [spelling, at] of occupants.spellings(name)) {
    let reason: BlockedReason;
    let stays: boolean;
    if (spelling !== name) {
      if (!at.file && at.under === 0) continue;
      reason = 'case-collision';
      stays = at.fileStays || at.underStays > 0;
      if (!stays) frees.push({ name: spelling, files: at.file, dirs: at.under > 0 });
    } else if (kind === 'dir' && at.file) {
      reason = 'file-directory-clash';
      stays = at.fileStays;
      if (!stays) frees.push({ name: spelling, files: true, dirs: false });
    } else if (kind === 'file' && at.under > 0) {
      reason = 'file-directory-clash';
      stays = at.underStays > 0;
      if (!stays) frees.push({ name: spelling, files: false, dirs: true });
    } else continue;
    if (stays) return { reason, with: spelling };
  }
  return undefined;
}

/** The clash of `name` (needed as `kind`) with a name an earlier write claimed, if any. */
function claimClash(claims: FoldIndex<Kinds>, name: string, kind: 'file' | 'dir'): Clash | undefined {
  for (const [spelling, claimed] of claims.spellings(name)) {
    if (spelling !== name) return { reason: 'case-collision', with: spelling };
    if (kind === 'dir' ? claimed.file : claimed.dir)
      return { reason: 'file-directory-clash', with: spelling };
  }
  return undefined;
}

/** The names an action puts a new file at, or whose file it replaces with other bytes. */
function targetsOf(action: PlannedAction): string[] {
  switch (action.kind) {
    case 'fetch':
    case 'copyLocal':
      return [action.path];
    case 'conflict': {
      const targets = action.local === 'loser' ? [action.path] : [];
      if (action.copyName !== null && action.copyExists !== true) targets.push(action.copyName);
      return targets;
    }
    default:
      return [];
  }
}

/** Live local files by case-fold key and spelling, as files and as directories. */
function occupancy(
  local: ReadonlyMap<string, FileRecord>,
  deleted: ReadonlySet<string>,
): FoldIndex<Occupant> {
  const out = new FoldIndex((): Occupant => ({ file: false, fileStays: false, under: 0, underStays: 0 }));
  for (const [path, record] of local) {
    if (record.deleted) continue;
    const stays = !deleted.has(path);
    const file = out.at(path, false);
    file.file = true;
    file.fileStays = stays;
    for (const dir of prefixesOf(path)) {
      const occupant = out.at(dir, true);
      occupant.under++;
      if (stays) occupant.underStays++;
    }
  }
  return out;
}

/** The directories on `path`, outermost first: `a`, `a/b` for `a/b/c`. */
export function prefixesOf(path: string): string[] {
  const out: string[] = [];
  for (let end = path.indexOf('/'); end >= 0; end = path.indexOf('/', end + 1)) out.push(path.slice(0, end));
  return out;
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
