import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CryptoRandom } from '../../../src/adapters/random/CryptoRandom.ts';
import { SeededRandom } from '../../../src/adapters/random/SeededRandom.ts';
import {
  FOLDER_ID_DIGITS,
  INDEX_ID_DIGITS,
  newFolderId,
  newIndexId,
  randomHex,
} from '../../../src/core/model/ids.ts';
import { hexId } from '../../../src/core/protocol/fields.ts';

describe('random IDs', () => {
  it('makes index IDs of 16 and folder IDs of 32 lowercase hex digits, as the protocol checks them', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (seed) => {
        const random = new SeededRandom(seed);
        const index = newIndexId(random);
        const folder = newFolderId(random);
        expect(index).toMatch(/^[0-9a-f]{16}$/);
        expect(folder).toMatch(/^[0-9a-f]{32}$/);
        expect(hexId(index, 'indexId', INDEX_ID_DIGITS)).toBe(index);
        expect(hexId(folder, 'folder', FOLDER_ID_DIGITS)).toBe(folder);
      }),
    );
  });

  it('makes the same IDs from the same seed, and new ones on each call', () => {
    const ids = (seed: number) => {
      const random = new SeededRandom(seed);
      return [newIndexId(random), newIndexId(random), newFolderId(random)];
    };
    expect(ids(7)).toEqual(ids(7));
    const [first, second] = ids(7);
    expect(first).not.toBe(second);
    expect(ids(8)).not.toEqual(ids(7));
  });

  it('spells the random bytes in order, two digits each', () => {
    expect(randomHex(new SeededRandom(42), 8)).toBe('2a5ae869');
  });

  it('makes distinct IDs from the platform’s randomness', () => {
    const random = new CryptoRandom();
    const ids = new Set(Array.from({ length: 1000 }, () => newIndexId(random)));
    expect(ids.size).toBe(1000);
  });

  it('refuses an odd or negative number of digits', () => {
    const random = new SeededRandom(1);
    for (const digits of [3, -2, 1.5]) expect(() => randomHex(random, digits)).toThrow(RangeError);
    expect(randomHex(random, 0)).toBe('');
  });
});
