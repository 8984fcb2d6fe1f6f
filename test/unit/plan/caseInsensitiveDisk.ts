/**
 * A model of a case-insensitive volume for planner properties: files by path with their
 * content hash, directories implied by the files in them (a directory left empty is gone,
 * as the executor removes it). Carrying a plan out here checks what the executor relies
 * on: nothing overwritten or merged across spellings, no file where a directory is or the
 * reverse, sources still there when copied, `expect` as planned.
 */
import { caseFoldKey } from '../../../src/core/model/paths.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import type { PlannedAction } from '../../../src/core/plan/index.ts';
import { toHex } from '../../../src/core/content/bytes.ts';

export type Disk = Map<string, string>;

export function diskOf(records: ReadonlyMap<string, FileRecord>): Disk {
  return new Map([...records.values()].filter((r) => !r.deleted).map((r) => [r.path, toHex(r.hash)]));
}

/** Why writing a file at `path` would not give a file at exactly `path`, or undefined. */
export function clashOf(paths: Iterable<string>, path: string): string | undefined {
  const fp = caseFoldKey(path);
  const dirs = prefixes(path);
  for (const q of paths) {
    if (q === path) continue;
    const fq = caseFoldKey(q);
    if (fq === fp) return `"${path}" would overwrite "${q}"`;
    if (fq.startsWith(`${fp}/`)) return `"${path}" is a directory (of "${q}")`;
    if (dirs.some((d) => caseFoldKey(d) === fq)) return `"${path}" needs a directory where file "${q}" is`;
    for (const e of prefixes(q)) {
      const d = dirs.find((d) => caseFoldKey(d) === caseFoldKey(e));
      if (d !== undefined && d !== e) return `"${path}" would land in directory "${e}" of "${q}"`;
    }
  }
  return undefined;
}

/** `records` less the live ones that could not sit on one case-insensitive volume with those before. */
export function onOneVolume(records: readonly FileRecord[]): FileRecord[] {
  const kept: FileRecord[] = [];
  const live: string[] = [];
  for (const r of [...records].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (!r.deleted && clashOf(live, r.path) !== undefined) continue;
    kept.push(r);
    if (!r.deleted) live.push(r.path);
  }
  return kept;
}

/**
 * Carries `actions` out on `disk` (changed in place) in the given order, throwing on the
 * first thing a case-insensitive volume would get wrong.
 */
export function carryOut(disk: Disk, actions: readonly PlannedAction[]): void {
  const write = (path: string, hash: Uint8Array) => {
    const clash = clashOf(disk.keys(), path);
    if (clash !== undefined) throw new Error(clash);
    disk.set(path, toHex(hash));
  };
  const expectAt = (path: string, expected: 'absent' | 'present' | Uint8Array, what: string) => {
    const there = disk.get(path);
    const ok =
      expected === 'absent'
        ? there === undefined
        : expected === 'present'
          ? there !== undefined
          : there === toHex(expected);
    if (!ok) throw new Error(`${what}: "${path}" holds ${there ?? 'nothing'}`);
  };
  for (const a of actions) {
    switch (a.kind) {
      case 'copyLocal':
        expectAt(a.from, a.record.hash, `copy source of ${a.path}`);
        expectAt(a.path, a.expect === 'absent' ? 'absent' : 'present', 'copy target');
        write(a.path, a.record.hash);
        break;
      case 'fetch':
        expectAt(a.path, a.expect === 'absent' ? 'absent' : 'present', 'fetch target');
        write(a.path, a.record.hash);
        break;
      case 'delete':
        expectAt(a.path, 'present', 'delete');
        disk.delete(a.path);
        break;
      case 'adopt':
        expectAt(a.path, a.record.deleted ? 'absent' : a.record.hash, 'adopt');
        break;
      case 'conflict':
        carryOutConflict(disk, a, expectAt, write);
        break;
      case 'blocked':
        break;
    }
  }
}

function carryOutConflict(
  disk: Disk,
  a: Extract<PlannedAction, { kind: 'conflict' }>,
  expectAt: (path: string, expected: 'absent' | 'present' | Uint8Array, what: string) => void,
  write: (path: string, hash: Uint8Array) => void,
): void {
  const { copyName, copy } = a;
  if (a.local === 'loser') {
    if (copyName !== null && copy !== null) {
      expectAt(a.path, a.loser.hash, 'conflict loser');
      disk.delete(a.path);
      if (a.copyExists) expectAt(copyName, copy.hash, 'existing copy');
      else {
        expectAt(copyName, 'absent', 'copy name');
        write(copyName, copy.hash);
      }
    } else expectAt(a.path, 'absent', 'deleted loser');
    write(a.path, a.record.hash);
  } else if (copyName !== null && copy !== null) {
    expectAt(a.path, a.winner.hash, 'conflict winner');
    if (a.copyExists) expectAt(copyName, copy.hash, 'existing copy');
    else {
      expectAt(copyName, 'absent', 'copy name');
      write(copyName, copy.hash);
    }
  }
}

/** The runs a plan falls into (planFolder invariant 9), each kept in order. */
export function runsOf(actions: readonly PlannedAction[]): PlannedAction[][] {
  const runs: PlannedAction[][] = [[], [], [], []];
  let freed = false;
  for (const a of actions) {
    if (a.kind === 'delete' && a.frees) {
      freed = true;
      runs[1]!.push(a);
    } else if (a.kind === 'copyLocal') runs[freed ? 2 : 0]!.push(a);
    else runs[3]!.push(a);
  }
  return runs;
}

function prefixes(path: string): string[] {
  const out: string[] = [];
  for (let end = path.indexOf('/'); end >= 0; end = path.indexOf('/', end + 1)) out.push(path.slice(0, end));
  return out;
}
