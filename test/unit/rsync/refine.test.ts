import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import {
  BaseMismatchError,
  RefineFormatError,
  RefineReceiver,
  RefineSender,
  RsyncFormatError,
  applyPatch,
  runRefinement,
} from '../../../src/core/content/rsync/index.ts';
import { applyEdits, mutate, mutation, patch, pseudoRandom } from './helpers.ts';

const old = pseudoRandom(200_000, 21);
const next = applyEdits(old, [{ kind: 'insert', at: 0.5, bytes: pseudoRandom(100, 22) }]);

describe('refinement state machines', () => {
  it('narrow an insert down over several rounds', async () => {
    const result = await runRefinement(bytesSource(old), bytesSource(next), {
      coarseFactor: 4,
      minSubBlock: 32,
    });
    expect(result.rounds).toBeGreaterThanOrEqual(3);
    expect(await patch(old, result.delta)).toEqual(next);
    expect(result.bytesSenderToReceiver).toBeLessThan(400);
  });

  it('refuse a corrupted message with a format error, never a crash', async () => {
    const receiver = new RefineReceiver(bytesSource(old), 4);
    const coarse = await receiver.start();
    const firstReply = await new RefineSender(bytesSource(next)).receive(coarse);
    expect(firstReply.kind).toBe('send');
    const want = firstReply.kind === 'send' ? firstReply.message : new Uint8Array(0);
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const sender = new RefineSender(bytesSource(next));
        await sender.receive(mutate(coarse, m)).catch((error: unknown) => {
          expect(error).toBeInstanceOf(RsyncFormatError);
        });
        const fresh = new RefineReceiver(bytesSource(old), 4);
        await fresh.start();
        await fresh.receive(mutate(want, m)).catch((error: unknown) => {
          expect(error).toBeInstanceOf(RsyncFormatError);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('refuse messages out of turn', async () => {
    const receiver = new RefineReceiver(bytesSource(old));
    await expect(receiver.receive(new Uint8Array(8))).rejects.toThrow(RefineFormatError);
    const coarse = await receiver.start();
    await expect(receiver.receive(coarse)).rejects.toThrow(RefineFormatError);
    const sender = new RefineSender(bytesSource(next));
    await sender.receive(coarse);
    await expect(sender.receive(coarse)).rejects.toThrow(RefineFormatError);
  });

  it('produce a delta that another base refuses before writing', async () => {
    const { delta } = await runRefinement(bytesSource(old), bytesSource(next));
    let written = 0;
    const other = pseudoRandom(old.length, 99);
    await expect(
      applyPatch(bytesSource(other), bytesSource(delta), async (bytes) => void (written += bytes.length)),
    ).rejects.toThrow(BaseMismatchError);
    expect(written).toBe(0);
  });

  it('handle empty files on either side', async () => {
    for (const [a, b] of [
      [new Uint8Array(0), next],
      [old, new Uint8Array(0)],
      [new Uint8Array(0), new Uint8Array(0)],
    ] as const) {
      const { delta } = await runRefinement(bytesSource(a), bytesSource(b));
      expect(await patch(a, delta)).toEqual(b);
    }
  });
});
