import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../../../src/core/content/bytes.ts';
import type { FileRecord, VersionVector } from '../../../src/core/model/fileRecord.ts';
import { compareVersions, dominates } from '../../../src/core/model/versionVector.ts';
import { planFolder, recordsAfter, type PlannedAction } from '../../../src/core/plan/index.ts';
import { live, synced, tombstone } from './planFixture.ts';

const PATHS = ['a.txt', 'b', 'c/d.txt', 'c/e', 'f.bin'];
const DEVICES = ['A', 'B', 'C'];

// Counters 0–2 on three devices: every relation (equal, greater, lesser, concurrent) is common.
const version: fc.Arbitrary<VersionVector> = fc
  .tuple(...DEVICES.map(() => fc.integer({ min: 0, max: 2 })))
  .map((counters) =>
    Object.fromEntries(DEVICES.flatMap((d, i) => (counters[i]! > 0 ? [[d, counters[i]!]] : []))),
  );

/** A record of some path, or none; few contents and mtimes, so equal ones are common. */
const recordFor = (path: string): fc.Arbitrary<FileRecord | undefined> =>
  fc.option(
    fc
      .record({
        deleted: fc.boolean(),
        content: fc.integer({ min: 1, max: 3 }),
        mtime: fc.constantFrom(1_000, 2_000),
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

/** Per path, what device A and device B hold. Equal versions name one record (planFolder.ts). */
const twoDevices = fc
  .tuple(...PATHS.map((p) => fc.tuple(recordFor(p), recordFor(p))))
  .map((pairs) =>
    pairs.map(([a, b]): [FileRecord | undefined, FileRecord | undefined] =>
      a !== undefined && b !== undefined && compareVersions(a.version, b.version) === 'equal'
        ? [a, a]
        : [a, b],
    ),
  );

function index(records: readonly (FileRecord | undefined)[]): Map<string, FileRecord> {
  return new Map(records.flatMap((r) => (r === undefined ? [] : [[r.path, r] as const])));
}

function announcedBy(...peers: Map<string, FileRecord>[]): Map<string, FileRecord[]> {
  const out = new Map<string, FileRecord[]>();
  for (const peer of peers) for (const [path, r] of peer) out.set(path, [...(out.get(path) ?? []), r]);
  return out;
}

function reversed<K, V>(map: ReadonlyMap<K, V>, inner: (v: V) => V = (v) => v): Map<K, V> {
  return new Map([...map].reverse().map(([k, v]) => [k, inner(v)]));
}

function comparable(actions: readonly PlannedAction[]): unknown {
  return JSON.stringify(actions, (_key, value: unknown) =>
    value instanceof Uint8Array ? [...value] : value,
  );
}

describe('planFolder properties', () => {
  it('gives the same plan for the same records, whatever the maps’ insertion order and the peers’ order', () => {
    const peers = fc.tuple(...PATHS.map(recordFor), ...PATHS.map(recordFor), ...PATHS.map(recordFor));
    fc.assert(
      fc.property(peers, (records) => {
        const n = PATHS.length;
        const local = index(records.slice(0, n));
        const remote = announcedBy(index(records.slice(n, 2 * n)), index(records.slice(2 * n)));
        const one = planFolder({ local, remote });
        const other = planFolder({
          local: reversed(local),
          remote: reversed(remote, (rs) => [...rs].reverse()),
        });
        expect(comparable(other)).toEqual(comparable(one));
        expect(comparable(planFolder({ local, remote }))).toEqual(comparable(one));
      }),
      { numRuns: 500 },
    );
  });

  it('never discards a live local file unless the remote version dominates it or a copy keeps its content', () => {
    fc.assert(
      fc.property(twoDevices, (pairs) => {
        const local = index(pairs.map(([a]) => a));
        const remote = announcedBy(index(pairs.map(([, b]) => b)));
        const after = recordsAfter(local, planFolder({ local, remote }));
        for (const [path, mine] of local) {
          if (mine.deleted) continue;
          const now = after.get(path);
          const theirs = remote.get(path)?.[0];
          const keptHere = now !== undefined && !now.deleted && equalBytes(now.hash, mine.hash);
          const keptAsCopy = [...after.values()].some(
            (r) => r.path !== path && !local.has(r.path) && !r.deleted && equalBytes(r.hash, mine.hash),
          );
          const superseded = theirs !== undefined && dominates(theirs.version, mine.version);
          expect(keptHere || keptAsCopy || superseded).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('brings two devices that apply each other’s records to the same records, conflict copies included, with nothing left to plan and no conflict for a device holding the old records', () => {
    fc.assert(
      fc.property(twoDevices, (pairs) => {
        const a = index(pairs.map(([x]) => x));
        const b = index(pairs.map(([, y]) => y));
        const afterA = recordsAfter(a, planFolder({ local: a, remote: announcedBy(b) }));
        const afterB = recordsAfter(b, planFolder({ local: b, remote: announcedBy(a) }));
        const paths = new Set([...afterA.keys(), ...afterB.keys()]);
        for (const path of paths) expect(synced(afterA.get(path))).toEqual(synced(afterB.get(path)));
        expect(planFolder({ local: afterA, remote: announcedBy(afterB) })).toEqual([]);
        expect(planFolder({ local: afterB, remote: announcedBy(afterA) })).toEqual([]);
        // A third device still holding either side's old records sees no new conflict.
        for (const old of [a, b]) {
          const kinds = planFolder({ local: old, remote: announcedBy(afterA) }).map((x) => x.kind);
          expect(kinds).not.toContain('conflict');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
