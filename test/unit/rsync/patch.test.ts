import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import {
  applyPatch,
  BaseMismatchError,
  DeltaFormatError,
  ResultMismatchError,
  RsyncFormatError,
} from '../../../src/core/content/rsync/index.ts';
import { applyEdits, mutate, mutation, patch, pseudoRandom, singleRoundDelta } from './helpers.ts';

const old = pseudoRandom(30_000, 11);
const next = applyEdits(old, [
  { kind: 'insert', at: 0.3, bytes: pseudoRandom(500, 12) },
  { kind: 'delete', at: 0.7, length: 2000 },
]);

async function writes(base: Uint8Array, delta: Uint8Array): Promise<{ error: unknown; written: number }> {
  let written = 0;
  try {
    await applyPatch(bytesSource(base), bytesSource(delta), async (bytes) => void (written += bytes.length));
  } catch (error) {
    return { error, written };
  }
  return { error: null, written };
}

describe('applyPatch', () => {
  it('refuses a delta made for another base of the same size before writing anything', async () => {
    const delta = await singleRoundDelta(old, next);
    const other = old.slice();
    other[12_345] = (other[12_345] as number) ^ 1;
    const { error, written } = await writes(other, delta);
    expect(error).toBeInstanceOf(BaseMismatchError);
    expect((error as Error).message).toBe('the delta was made for a different base file');
    expect(written).toBe(0);
  });

  it('refuses a delta made for a base of another size before writing anything', async () => {
    const delta = await singleRoundDelta(old, next);
    const { error, written } = await writes(old.subarray(1), delta);
    expect(error).toBeInstanceOf(BaseMismatchError);
    expect(written).toBe(0);
  });

  it('rejects truncated deltas with DeltaFormatError', async () => {
    const delta = await singleRoundDelta(old, next);
    for (let length = 0; length < delta.length; length += Math.max(1, Math.floor(delta.length / 97))) {
      const { error } = await writes(old, delta.subarray(0, length));
      expect(error).toBeInstanceOf(DeltaFormatError);
    }
  });

  it('rejects trailing garbage', async () => {
    const delta = await singleRoundDelta(old, next);
    const { error } = await writes(old, Uint8Array.from([...delta, 0]));
    expect(error).toBeInstanceOf(DeltaFormatError);
  });

  it('turns any corruption into a clear error or the exact result, never a crash', async () => {
    const delta = await singleRoundDelta(old, next);
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const corrupted = mutate(delta, m);
        const { error } = await writes(old, corrupted);
        if (error === null) {
          // No error: the result digest vouches for the output, so it must be exactly NEW.
          expect(await patch(old, corrupted)).toEqual(next);
          return;
        }
        const known =
          error instanceof RsyncFormatError ||
          error instanceof BaseMismatchError ||
          error instanceof ResultMismatchError;
        expect(known, String(error)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a result that does not hash to the recorded digest', async () => {
    const delta = await singleRoundDelta(old, next);
    const tampered = delta.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 0xff;
    const { error } = await writes(old, tampered);
    expect(error).toBeInstanceOf(ResultMismatchError);
  });
});
