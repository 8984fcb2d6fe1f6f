import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FileRecord, VersionVector } from '../../../src/core/model/fileRecord.ts';
import { compareVersions } from '../../../src/core/model/versionVector.ts';
import type { LocalChange } from '../../../src/ports/Store.ts';
import {
  RECONCILE_KINDS,
  FOLDER,
  connect,
  device,
  remoteOf,
  sentOf,
  until,
  type Device,
} from './exchangeFixture.ts';

const shared = [{ id: FOLDER, label: 'Photos' }];

/**
 * The versions a path may have, by number (0: no record). 1 is the common ancestor; 2 and
 * 3 are concurrent edits of it; 4 a concurrent delete; 5 dominates 1–3. The same number
 * is the same record on either device.
 */
const VARIANTS: Record<number, { version: VersionVector; deleted: boolean }> = {
  1: { version: { DEVC: 1 }, deleted: false },
  2: { version: { DEVA: 2, DEVC: 1 }, deleted: false },
  3: { version: { DEVB: 2, DEVC: 1 }, deleted: false },
  4: { version: { DEVC: 2 }, deleted: true },
  5: { version: { DEVA: 2, DEVB: 3, DEVC: 1 }, deleted: false },
};

function variant(path: string, k: number): LocalChange {
  const { version, deleted } = VARIANTS[k]!;
  const hash = deleted ? new Uint8Array(0) : new Uint8Array(32).fill(k);
  return {
    path,
    size: deleted ? 0 : k,
    mtime: 1_700_000_000_000 + k,
    hash,
    chunks: deleted ? [] : [{ hash, size: k }],
    version,
    deleted,
    modifiedBy: 'DEVC',
  };
}

/** One side's index of a path: the variant it ends on, and whether an older one came first. */
const sideOfPath = fc.record({ k: fc.integer({ min: 0, max: 5 }), rewritten: fc.boolean() });
const pathPair = fc.oneof(
  sideOfPath.map((s) => [s, { ...s, rewritten: !s.rewritten }] as const), // the same record
  fc.tuple(sideOfPath, sideOfPath),
);

async function record(dev: Device, choices: readonly { k: number; rewritten: boolean }[]): Promise<void> {
  const first = choices.flatMap((c, i) =>
    c.k > 0 && c.rewritten ? [variant(`p${i}`, c.k === 1 ? 2 : 1)] : [],
  );
  const final = choices.flatMap((c, i) => (c.k > 0 ? [variant(`p${i}`, c.k)] : []));
  if (first.length > 0) await dev.store.putLocal(FOLDER, first);
  if (final.length > 0) await dev.store.putLocal(FOLDER, final);
}

const identity = (r: FileRecord) => JSON.stringify([r.version, r.deleted, [...r.hash]]);

/** Per path, the newer of two records; concurrent ones by a fixed order of their identities. */
function newest(x: FileRecord | undefined, y: FileRecord | undefined): FileRecord | undefined {
  if (!x || !y) return x ?? y;
  const order = compareVersions(x.version, y.version);
  if (order === 'greater') return x;
  if (order === 'lesser') return y;
  return identity(x) >= identity(y) ? x : y;
}

function view(local: readonly FileRecord[], remote: readonly FileRecord[]): Map<string, string> {
  const byPath = new Map<string, FileRecord | undefined>();
  for (const r of local) byPath.set(r.path, r);
  for (const r of remote) byPath.set(r.path, newest(byPath.get(r.path), r));
  return new Map([...byPath].map(([path, r]) => [path, identity(r!)]));
}

async function localOf(dev: Device): Promise<FileRecord[]> {
  const out: FileRecord[] = [];
  for await (const r of dev.store.localSince(FOLDER, 0)) out.push(r);
  return out;
}

describe('IndexExchange reconciling, properties', () => {
  it('leaves each side with local ∪ stored peer records giving the same newest view as a full exchange', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(pathPair, { maxLength: 100 }), async (pairs) => {
        const a = device('DEVA', 'a');
        const b = device('DEVB', 'b');
        await record(
          a,
          pairs.map(([x]) => x),
        );
        await record(
          b,
          pairs.map(([, y]) => y),
        );
        const [aLocal, bLocal] = [await localOf(a), await localOf(b)];
        const c = await connect(a, b, shared);
        await until(() => c.a.upToDate.length > 0 && c.b.upToDate.length > 0, 1000);
        const reconciled =
          sentOf(c.a, ...RECONCILE_KINDS).messages + sentOf(c.b, ...RECONCILE_KINDS).messages > 0;
        expect(reconciled).toBe(aLocal.length > 0 && bLocal.length > 0);

        for (const [self, peer, mine, theirs] of [
          [a, b, aLocal, bLocal],
          [b, a, bLocal, aLocal],
        ] as const) {
          const stored = await remoteOf(self, FOLDER, peer);
          expect(view(mine, stored)).toEqual(view(mine, theirs));
          // Exactly the peer's records that differ from ours (all of them after a plain run).
          const ours = new Set(mine.map((r) => r.path + identity(r)));
          const differing = theirs.filter((r) => !reconciled || !ours.has(r.path + identity(r)));
          expect(stored.map((r) => r.path).sort()).toEqual(differing.map((r) => r.path).sort());
          expect(await self.store.getPeerState(FOLDER, peer.id)).toEqual({
            indexId: await peer.store.getIndexId(FOLDER),
            sequence: await peer.store.localSequence(FOLDER),
          });
        }
        c.pair.link.cut('done');
      }),
      { numRuns: 100 },
    );
  });
});
