import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes, toHex } from '../../../src/core/content/bytes.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import { deleteSupersedes } from '../../../src/core/model/conflictName.ts';
import { compareVersions, dominates } from '../../../src/core/model/versionVector.ts';
import { pickRemote, planFolder, recordsAfter, type PlannedAction } from '../../../src/core/plan/index.ts';
import { carryOut, clashOf, diskOf, runsOf } from './caseInsensitiveDisk.ts';
import { CLASHING, DEVICES, deviceOp, devices, index, inPart, recordFor } from './planArbitraries.ts';
import { live, synced, tombstone } from './planFixture.ts';

const PATHS = ['a.txt', 'b', 'c/d.txt', 'c/e', 'f.bin'];

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

  it('never discards a live local file unless the remote version dominates it, deleted that very content, or a copy keeps it', () => {
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
          const superseded = theirs !== undefined && replaces(theirs, mine);
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

/** `newer` knowingly replaced `old`: a newer version, or a delete of that very content. */
function replaces(newer: FileRecord, old: FileRecord): boolean {
  return dominates(newer.version, old.version) || deleteSupersedes(newer, old);
}

function liveHashes(...maps: ReadonlyMap<string, FileRecord>[]): Set<string> {
  return new Set(maps.flatMap((m) => [...m.values()].filter((r) => !r.deleted).map((r) => toHex(r.hash))));
}

describe('planFolder properties with names that clash and copies that exist', () => {
  it('gives a plan a case-insensitive volume carries out in order, run by run in any order, ending with the planned records', () => {
    fc.assert(
      fc.property(devices(3), ([local, b, c]) => {
        const actions = planFolder({ local: local!, remote: announcedBy(b!, c!) });
        const expected = diskOf(recordsAfter(local!, actions));
        const disk = diskOf(local!);
        carryOut(disk, actions);
        expect(disk).toEqual(expected);
        // Within a run, actions do not depend on each other.
        const reversed = diskOf(local!);
        for (const run of runsOf(actions)) carryOut(reversed, [...run].reverse());
        expect(reversed).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves nothing but blocked changes to plan once a plan is carried out', () => {
    fc.assert(
      fc.property(devices(3), ([local, b, c]) => {
        const remote = announcedBy(b!, c!);
        const after = recordsAfter(local!, planFolder({ local: local!, remote }));
        const again = planFolder({ local: after, remote });
        expect(again.filter((a) => a.kind !== 'blocked')).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('never loses a live local file’s content unless the remote version dominates it or deleted that very content', () => {
    fc.assert(
      fc.property(devices(3), ([local, b, c]) => {
        const remote = announcedBy(b!, c!);
        const kept = liveHashes(recordsAfter(local!, planFolder({ local: local!, remote })));
        for (const [path, mine] of local!) {
          if (mine.deleted || kept.has(toHex(mine.hash))) continue;
          const theirs = pickRemote(remote.get(path) ?? []);
          expect(theirs !== undefined && replaces(theirs, mine)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('brings two devices exchanging records to rest within a few rounds, losing nothing, equal when nothing is blocked', () => {
    fc.assert(
      fc.property(devices(2), ([start0, start1]) => {
        let [a, b] = [start0!, start1!];
        let plans: PlannedAction[][] = [];
        let rounds = 0;
        for (; rounds < 6; rounds++) {
          plans = [
            planFolder({ local: a, remote: announcedBy(b) }),
            planFolder({ local: b, remote: announcedBy(a) }),
          ];
          if (plans.every((p) => p.every((x) => x.kind === 'blocked'))) break;
          for (const [device, actions] of [
            [a, plans[0]!],
            [b, plans[1]!],
          ] as const) {
            const disk = diskOf(device);
            carryOut(disk, actions);
            expect(disk).toEqual(diskOf(recordsAfter(device, actions)));
          }
          [a, b] = [recordsAfter(a, plans[0]!), recordsAfter(b, plans[1]!)];
        }
        expect(rounds).toBeLessThan(6);
        // A version is gone only where a record that replaced it was there from the start.
        const kept = liveHashes(a, b);
        for (const record of [...start0!.values(), ...start1!.values()]) {
          if (record.deleted || kept.has(toHex(record.hash))) continue;
          const newer = [start0!.get(record.path), start1!.get(record.path)].some(
            (r) => r !== undefined && replaces(r, record),
          );
          expect(newer).toBe(true);
        }
        if (plans.every((p) => p.length === 0)) {
          for (const path of new Set([...a.keys(), ...b.keys()]))
            expect(synced(a.get(path))).toEqual(synced(b.get(path)));
        }
      }),
      { numRuns: 500 },
    );
  });
});

/** `device`'s records once `actions` are carried out, checked on the volume model. */
function carriedOut(
  device: ReadonlyMap<string, FileRecord>,
  actions: readonly PlannedAction[],
): Map<string, FileRecord> {
  const disk = diskOf(device);
  carryOut(disk, actions);
  const after = recordsAfter(device, actions);
  expect(disk).toEqual(diskOf(after));
  return after;
}

describe('planFolder properties over simulated histories', () => {
  it('brings three devices that edit, delete and sync in any order, sometimes cut short, to rest with the same records, losing no content that no later edit or delete saw', () => {
    fc.assert(
      fc.property(fc.array(deviceOp, { maxLength: 40 }), (ops) => {
        let folders: Map<string, FileRecord>[] = [new Map(), new Map(), new Map()];
        const written: FileRecord[] = [];
        for (const [step, op] of ops.entries()) {
          const mine = folders[op.device]!;
          if (op.kind === 'sync') {
            if (op.from === op.device) continue;
            const sent = new Map([...folders[op.from]!].filter(([path]) => inPart(path, op.part)));
            folders[op.device] = carriedOut(mine, planFolder({ local: mine, remote: announcedBy(sent) }));
            continue;
          }
          const liveFiles = [...mine.values()].filter((r) => !r.deleted).map((r) => r.path);
          const deletable = liveFiles.filter((p) => CLASHING.includes(p)).sort();
          const path = op.kind === 'edit' ? op.path : deletable[op.pick % Math.max(1, deletable.length)];
          if (path === undefined) continue;
          const previous = mine.get(path);
          // A device cannot make a file its own volume could not hold.
          const isNew = previous === undefined || previous.deleted;
          if (op.kind === 'edit' && isNew && clashOf(liveFiles, path) !== undefined) continue;
          const device = DEVICES[op.device]!;
          const version = { ...previous?.version, [device]: (previous?.version[device] ?? 0) + 1 };
          const fields = { version, mtime: op.mtime, modifiedBy: device, sequence: 0 };
          const record =
            op.kind === 'edit'
              ? // Content 3 is made unique, so the check below cannot be met by another file's bytes.
                live(path, { ...fields, content: op.content === 3 ? 10 + step : op.content })
              : tombstone(path, fields);
          written.push(record);
          mine.set(path, record);
        }

        let plans: PlannedAction[][] = [];
        let rounds = 0;
        for (; rounds < 8; rounds++) {
          plans = folders.map((mine, i) =>
            planFolder({ local: mine, remote: announcedBy(...folders.filter((_, k) => k !== i)) }),
          );
          if (plans.every((p) => p.every((a) => a.kind === 'blocked'))) break;
          folders = folders.map((mine, i) => carriedOut(mine, plans[i]!));
        }
        expect(rounds).toBeLessThan(8);
        const kept = liveHashes(...folders);
        for (const edit of written) {
          if (edit.deleted || kept.has(toHex(edit.hash))) continue;
          // The content, not the edit, is what must not be lost: a device that made the
          // same bytes independently and then replaced them had seen this content.
          const sameContent = written.filter((r) => r.path === edit.path && equalBytes(r.hash, edit.hash));
          const seen = written.some(
            (later) =>
              later.path === edit.path && sameContent.some((r) => dominates(later.version, r.version)),
          );
          expect(seen).toBe(true);
        }
        if (plans.every((p) => p.length === 0)) {
          const [first, ...others] = folders;
          for (const path of new Set(folders.flatMap((f) => [...f.keys()]))) {
            for (const other of others) expect(synced(other.get(path))).toEqual(synced(first!.get(path)));
          }
        }
      }),
      {
        numRuns: 1000,
        // Two devices make the same bytes; one takes the other's record, the other deletes.
        examples: [
          [
            [
              { kind: 'edit', device: 1, path: 'doc', content: 1, mtime: 1000 },
              { kind: 'edit', device: 2, path: 'doc', content: 1, mtime: 1000 },
              { kind: 'sync', device: 1, from: 2, part: 0 },
              { kind: 'delete', device: 2, pick: 0, mtime: 1000 },
            ],
          ],
        ],
      },
    );
  });
});
