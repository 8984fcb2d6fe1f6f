import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VersionVector } from '../../../src/core/model/fileRecord.ts';
import {
  bumpVersion,
  compareVersions,
  dominates,
  isValidVersionVector,
  mergeVersions,
  type VersionOrder,
} from '../../../src/core/model/versionVector.ts';

// Few devices and small counters, so equal, ordered and concurrent pairs all come up.
const device = fc.constantFrom('AAAA', 'BBBB', 'CCCC', 'DDDD', '__proto__', 'constructor');
const vector: fc.Arbitrary<VersionVector> = fc
  .array(fc.tuple(device, fc.nat({ max: 4 })), { maxLength: 5 })
  .map((entries) => Object.fromEntries(entries));

const opposite: Record<VersionOrder, VersionOrder> = {
  equal: 'equal',
  greater: 'lesser',
  lesser: 'greater',
  concurrent: 'concurrent',
};

/** A counter read as an own property: `{}['__proto__']` is not a counter. */
const own = (v: VersionVector, k: string): number => (Object.hasOwn(v, k) ? v[k]! : 0);

/** Element-wise ≥, written out independently of the code under test. */
function atLeast(a: VersionVector, b: VersionVector): boolean {
  return Object.keys(b).every((k) => own(a, k) >= own(b, k));
}

describe('compareVersions', () => {
  it('orders known examples', () => {
    expect(compareVersions({}, {})).toBe('equal');
    expect(compareVersions({ A: 0 }, {})).toBe('equal');
    expect(compareVersions({ A: 2 }, { A: 1 })).toBe('greater');
    expect(compareVersions({ A: 1 }, { A: 1, B: 1 })).toBe('lesser');
    expect(compareVersions({ A: 2, B: 0 }, { A: 1, B: 1 })).toBe('concurrent');
  });

  it('treats an inherited name such as __proto__ as an absent device', () => {
    expect(compareVersions({ constructor: 1 }, {})).toBe('greater');
    expect(compareVersions({}, { toString: 1 })).toBe('lesser');
    expect(compareVersions(Object.fromEntries([['__proto__', 3]]), {})).toBe('greater');
  });

  it('is antisymmetric: a > b exactly when b < a', () => {
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        expect(compareVersions(b, a)).toBe(opposite[compareVersions(a, b)]);
      }),
    );
  });

  it('calls versions equal exactly when each is at least the other', () => {
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        expect(compareVersions(a, b) === 'equal').toBe(atLeast(a, b) && atLeast(b, a));
        expect(dominates(a, b)).toBe(atLeast(a, b) && !atLeast(b, a));
      }),
    );
  });
});

describe('mergeVersions', () => {
  it('takes the element-wise maximum and drops zeros', () => {
    expect(mergeVersions({ A: 1, B: 5, C: 0 }, { A: 3, D: 2 })).toEqual({ A: 3, B: 5, D: 2 });
  });

  it('is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(vector, vector, vector, (a, b, c) => {
        expect(mergeVersions(a, b)).toEqual(mergeVersions(b, a));
        expect(mergeVersions(mergeVersions(a, b), c)).toEqual(mergeVersions(a, mergeVersions(b, c)));
        expect(compareVersions(mergeVersions(a, a), a)).toBe('equal');
      }),
    );
  });

  it('dominates or equals both inputs, and is the least such version', () => {
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        const m = mergeVersions(a, b);
        expect(atLeast(m, a) && atLeast(m, b)).toBe(true);
        for (const k of Object.keys(m)) expect(own(m, k)).toBe(Math.max(own(a, k), own(b, k)));
      }),
    );
  });

  it('returns a new frozen object and leaves its inputs alone', () => {
    const a = { A: 1 };
    const m = mergeVersions(a, { B: 1 });
    expect(Object.isFrozen(m)).toBe(true);
    expect(a).toEqual({ A: 1 });
    expect(Object.getPrototypeOf(mergeVersions(Object.fromEntries([['__proto__', 2]]), {}))).toBe(
      Object.prototype,
    );
  });
});

describe('bumpVersion', () => {
  it('sets the counter to max(previous + 1, now in seconds)', () => {
    expect(bumpVersion({ A: 5 }, 'A', 3)).toEqual({ A: 6 });
    expect(bumpVersion({ A: 5 }, 'A', 1_700_000_000)).toEqual({ A: 1_700_000_000 });
    expect(bumpVersion({ A: 5, B: 2 }, 'B', 2.9)).toEqual({ A: 5, B: 3 });
  });

  it('always yields a version greater than its input', () => {
    fc.assert(
      fc.property(vector, device, fc.nat({ max: 10 }), (v, d, now) => {
        const bumped = bumpVersion(v, d, now);
        expect(compareVersions(bumped, v)).toBe('greater');
        expect(Object.isFrozen(bumped)).toBe(true);
      }),
    );
  });

  it('gives concurrent versions when two devices change the same base', () => {
    fc.assert(
      fc.property(
        vector,
        fc.uniqueArray(device, { minLength: 2, maxLength: 2 }),
        fc.nat(),
        fc.nat(),
        (v, [d1, d2], t1, t2) => {
          expect(compareVersions(bumpVersion(v, d1!, t1), bumpVersion(v, d2!, t2))).toBe('concurrent');
        },
      ),
    );
  });

  it('refuses an empty device ID and a counter past the safe integers', () => {
    expect(() => bumpVersion({}, '', 1)).toThrow(RangeError);
    expect(() => bumpVersion({ A: Number.MAX_SAFE_INTEGER }, 'A', 1)).toThrow(RangeError);
  });
});

describe('isValidVersionVector', () => {
  it('accepts plain objects of non-negative safe integers', () => {
    expect(isValidVersionVector({})).toBe(true);
    expect(isValidVersionVector({ A: 0, B: Number.MAX_SAFE_INTEGER })).toBe(true);
    expect(isValidVersionVector(Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`d${i}`, i])))).toBe(
      true,
    );
    expect(isValidVersionVector({ ['x'.repeat(64)]: 1 })).toBe(true);
    expect(isValidVersionVector(Object.assign(Object.create(null) as object, { A: 1 }))).toBe(true);
  });

  it.each([
    ['null', null],
    ['a number', 3],
    ['an array', [1, 2]],
    ['a Map', new Map([['A', 1]])],
    ['a negative counter', { A: -1 }],
    ['a fractional counter', { A: 1.5 }],
    ['an unsafe counter', { A: 2 ** 53 }],
    ['NaN', { A: NaN }],
    ['a string counter', { A: '1' }],
    ['an empty key', { '': 1 }],
    ['a 65-character key', { ['x'.repeat(65)]: 1 }],
    ['65 entries', Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`d${i}`, i]))],
    ['a symbol key', { [Symbol('s')]: 1 }],
  ])('refuses %s', (_name, value) => {
    expect(isValidVersionVector(value)).toBe(false);
  });
});
