import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import { computeSignature, encodeSignature, runRefinement } from '../../../src/core/content/rsync/index.ts';
import { applyEdits, editArb, fileArb, patch, pseudoRandom, singleRoundDelta } from './helpers.ts';

const edited = fileArb(60_000).chain((old) =>
  fc.tuple(
    fc.constant(old),
    fc.array(editArb, { maxLength: 5 }).map((edits) => applyEdits(old, edits)),
  ),
);

describe('single-round delta', () => {
  it('patches OLD into NEW for any edits', async () => {
    await fc.assert(
      fc.asyncProperty(edited, async ([old, next]) => {
        expect(await patch(old, await singleRoundDelta(old, next))).toEqual(next);
      }),
      { numRuns: 60 },
    );
  });

  it('patches OLD into NEW with tiny blocks too', async () => {
    await fc.assert(
      fc.asyncProperty(edited, fc.integer({ min: 1, max: 64 }), async ([old, next], blockSize) => {
        expect(await patch(old, await singleRoundDelta(old, next, { blockSize }))).toEqual(next);
      }),
      { numRuns: 30 },
    );
  });

  it('handles empty, tiny and identical files', async () => {
    const some = pseudoRandom(5000, 3);
    const cases: [Uint8Array, Uint8Array][] = [
      [new Uint8Array(0), new Uint8Array(0)],
      [new Uint8Array(0), some],
      [some, new Uint8Array(0)],
      [some.subarray(0, 10), some.subarray(0, 12)],
      [some, some],
    ];
    for (const [old, next] of cases)
      expect(await patch(old, await singleRoundDelta(old, next))).toEqual(next);
  });

  it('sends an identical file as a single copy', async () => {
    const old = pseudoRandom(200_000, 5);
    const delta = await singleRoundDelta(old, old);
    expect(delta.length).toBeLessThan(64);
  });

  it('sends an insert as roughly one block of literal', async () => {
    const old = pseudoRandom(200_000, 6);
    const next = applyEdits(old, [{ kind: 'insert', at: 0.5, bytes: pseudoRandom(100, 7) }]);
    expect((await singleRoundDelta(old, next)).length).toBeLessThan(100 + 2 * 704 + 100);
  });
});

describe('multi-round refinement', () => {
  it('produces a delta that patches OLD into NEW for any edits', async () => {
    await fc.assert(
      fc.asyncProperty(
        edited,
        fc.constantFrom(1, 4, 16),
        fc.constantFrom(32, 64, 256),
        async ([old, next], coarseFactor, minSubBlock) => {
          const result = await runRefinement(bytesSource(old), bytesSource(next), {
            coarseFactor,
            minSubBlock,
          });
          expect(await patch(old, result.delta)).toEqual(next);
          expect(result.rounds).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sends far fewer bytes than one round for a small insert in a large file', async () => {
    const old = pseudoRandom(4 << 20, 8);
    const next = applyEdits(old, [{ kind: 'insert', at: 0.37, bytes: pseudoRandom(100, 9) }]);
    const signature = encodeSignature(await computeSignature(bytesSource(old)));
    const single = signature.length + (await singleRoundDelta(old, next)).length;
    const result = await runRefinement(bytesSource(old), bytesSource(next));
    expect(Buffer.from(await patch(old, result.delta)).equals(next)).toBe(true);
    expect(result.rounds).toBeGreaterThan(1);
    expect(result.bytesReceiverToSender + result.bytesSenderToReceiver).toBeLessThan(single / 4);
  });
});
