import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/content/bytes.ts';
import { compareVersions } from '../../../src/core/model/versionVector.ts';
import type { LocalRecord } from '../../../src/ports/Store.ts';
import { finished, fixture, hashOf, synced, type Fixture } from './scanFixture.ts';

const NAMES = ['a.txt', 'b/c.txt', 'b/d.txt', 'e', 'f/g/h.bin', '.tandemignore-not'];

type Op =
  | { readonly kind: 'write'; readonly name: string; readonly content: Uint8Array; readonly wait: number }
  | { readonly kind: 'remove'; readonly name: string; readonly wait: number }
  | { readonly kind: 'rescan'; readonly wait: number };

// Waits of at least 1 ms: two writes in one clock tick with the same size are invisible to
// any scan (Volume.ts, `Expectation`), so the property would not hold for them.
const wait = fc.integer({ min: 1, max: 3_000 });
// Few contents of one size, so that rewrites often keep the size, or the bytes (a touch).
const content = fc.oneof(
  fc.constantFrom(...['one', 'two', 'six', ''].map((s) => new TextEncoder().encode(s))),
  fc.uint8Array({ maxLength: 24 }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('write' as const),
    name: fc.constantFrom(...NAMES),
    content,
    wait,
  }),
  fc.record({ kind: fc.constant('remove' as const), name: fc.constantFrom(...NAMES), wait }),
  fc.record({ kind: fc.constant('rescan' as const), wait }),
);

/** The volume's files, path → content hash (hex). */
async function diskFiles(f: Fixture): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const entry of f.disk.list()) {
    if (entry.kind !== 'file') continue;
    const source = await f.disk.source(entry.path);
    out.set(entry.path, await hashOf(await source.read(0, source.size)));
  }
  return out;
}

function liveRecords(records: Map<string, LocalRecord>): Map<string, string> {
  return new Map([...records].filter(([, r]) => !r.deleted).map(([path, r]) => [path, toHex(r.hash)]));
}

describe('scanFolder: property', () => {
  it('after every rescan the live records are exactly the files on disk, versions only grow, and a record whose outcome is the same is not rewritten', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const f = fixture();
        let previous = new Map<string, LocalRecord>();
        for (const step of [...ops, { kind: 'rescan', wait: 1 } as const]) {
          f.clock.advance(step.wait);
          if (step.kind === 'write') await f.write(step.name, step.content);
          else if (step.kind === 'remove') {
            if (await f.disk.stat(step.name)) await f.disk.remove(step.name);
          } else {
            finished(await f.scan());
            const records = await f.records();
            expect(liveRecords(records)).toEqual(await diskFiles(f));
            for (const [path, before] of previous) {
              const after = records.get(path)!;
              const order = compareVersions(after.version, before.version);
              const sameOutcome =
                after.deleted === before.deleted && toHex(after.hash) === toHex(before.hash);
              expect(order).toBe(sameOutcome ? 'equal' : 'greater');
              // A touch changes only the local observed stat: peers get nothing.
              if (sameOutcome) expect(synced(after)).toEqual(synced(before));
            }
            previous = records;
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
