/**
 * Random records for planner properties: few devices, counters, contents and mtimes, so
 * that every version relation, equal contents and shared conflict copy names are common.
 */
import fc from 'fast-check';
import { conflictCopyName } from '../../../src/core/model/conflictName.ts';
import type { FileRecord, VersionVector } from '../../../src/core/model/fileRecord.ts';
import { compareVersions } from '../../../src/core/model/versionVector.ts';
import { onOneVolume } from './caseInsensitiveDisk.ts';
import { live, tombstone } from './planFixture.ts';

export const DEVICES = ['A', 'B', 'C'];
const MTIMES = [1_000, 2_000];

// Counters 0–2 on three devices: every relation (equal, greater, lesser, concurrent) is common.
export const version: fc.Arbitrary<VersionVector> = fc
  .tuple(...DEVICES.map(() => fc.integer({ min: 0, max: 2 })))
  .map((counters) =>
    Object.fromEntries(DEVICES.flatMap((d, i) => (counters[i]! > 0 ? [[d, counters[i]!]] : []))),
  );

/** A record of some path, or none; few contents and mtimes, so equal ones are common. */
export const recordFor = (path: string): fc.Arbitrary<FileRecord | undefined> =>
  fc.option(
    fc
      .record({
        deleted: fc.boolean(),
        content: fc.integer({ min: 1, max: 3 }),
        mtime: fc.constantFrom(...MTIMES),
        modifiedBy: fc.constantFrom(...DEVICES),
        version,
      })
      .map(({ deleted, content, mtime, modifiedBy, version: v }) =>
        deleted
          ? tombstone(path, { mtime, modifiedBy, version: v, sequence: 0 })
          : live(path, { content, mtime, modifiedBy, version: v, sequence: 0 }),
      ),
    { nil: undefined },
  );

export function index(records: readonly (FileRecord | undefined)[]): Map<string, FileRecord> {
  return new Map(records.flatMap((r) => (r === undefined ? [] : [[r.path, r] as const])));
}

/** Paths that clash on a case-insensitive volume: by case, and file against directory. */
export const CLASHING = ['a', 'A', 'a/b', 'A/c', 'b.txt', 'B.txt', 'c/d', 'C', 'C/e', 'doc'];

/** The first two conflict copy names of two clashing paths, for every loser mtime and device. */
const COPY_NAMES = ['doc', 'b.txt'].flatMap((of) =>
  MTIMES.flatMap((mtime) =>
    DEVICES.flatMap((device) =>
      [1, 2].map((attempt) => ({ of, mtime, device, path: conflictCopyName(of, mtime, device, attempt) })),
    ),
  ),
);

/**
 * What one device holds at a copy name: mostly nothing; else a random record, or a copy
 * of some device's record whose conflict copy would be named so (made there before).
 */
const atCopyName = (path: string) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant('none' as const) },
    { weight: 1, arbitrary: recordFor(path) },
    { weight: 2, arbitrary: fc.constant('copy' as const) },
  );

/**
 * `count` devices' records over the clashing paths and copy names. Equal versions of a
 * path name one record (planFolder.ts), and each device's live files could all sit on one
 * case-insensitive volume.
 */
export function devices(count: number): fc.Arbitrary<Map<string, FileRecord>[]> {
  const one = fc.tuple(
    fc.tuple(...CLASHING.map(recordFor)),
    fc.tuple(...COPY_NAMES.map((c) => atCopyName(c.path))),
  );
  return fc.array(one, { minLength: count, maxLength: count }).map((raw) => {
    const bases = raw.flatMap(([records]) => records.flatMap((r) => (r === undefined ? [] : [r])));
    const filled = raw.map(([records, copies]) => [
      ...records,
      ...copies.map((choice, i) => {
        if (choice !== 'copy') return choice === 'none' ? undefined : choice;
        const { of, mtime, device, path } = COPY_NAMES[i]!;
        const source = bases.find(
          (r) => r.path === of && !r.deleted && r.mtime === mtime && r.modifiedBy === device,
        );
        return source === undefined ? undefined : { ...source, path };
      }),
    ]);
    const canonical = filled.map((records) =>
      records.map((r, i) => {
        if (r === undefined) return undefined;
        const first = filled
          .map((other) => other[i])
          .find((o) => o !== undefined && compareVersions(o.version, r.version) === 'equal');
        return first ?? r;
      }),
    );
    return canonical.map((records) =>
      index(onOneVolume(records.flatMap((r) => (r === undefined ? [] : [r])))),
    );
  });
}

/** What one of three devices does next in a simulated history. */
export type DeviceOp =
  /** Writes `content` at `path` (a new version on top of its own record). */
  | { kind: 'edit'; device: number; path: string; content: number; mtime: number }
  /** Deletes one of its live files (not a conflict copy): the `pick`-th, wrapping. */
  | { kind: 'delete'; device: number; pick: number; mtime: number }
  /** Takes `from`'s records: all (`part` 0) or about a third of the paths, as a cut-short exchange would. */
  | { kind: 'sync'; device: number; from: number; part: number };

const EDITED = ['doc', 'doc', 'b.txt', 'B.txt', 'a', 'a/b', 'A', 'C/e'];

export const deviceOp: fc.Arbitrary<DeviceOp> = fc.oneof(
  fc.record({
    kind: fc.constant('edit' as const),
    device: fc.nat(2),
    path: fc.constantFrom(...EDITED),
    content: fc.integer({ min: 1, max: 3 }),
    mtime: fc.constantFrom(1_000, 2_000, 3_000),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    device: fc.nat(2),
    pick: fc.nat(),
    mtime: fc.constantFrom(1_000, 2_000, 3_000),
  }),
  fc.record({ kind: fc.constant('sync' as const), device: fc.nat(2), from: fc.nat(2), part: fc.nat(3) }),
);

/** True when `path` is in the part `part` of a cut-short exchange (0: every path). */
export function inPart(path: string, part: number): boolean {
  return part === 0 || [...path].reduce((n, ch) => n + ch.charCodeAt(0), 0) % 3 === part - 1;
}
