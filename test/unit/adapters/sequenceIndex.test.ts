import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SequenceIndex } from '../../../src/adapters/store/sequenceIndex.ts';

type Op = { kind: 'set' } | { kind: 'delete'; pick: number } | { kind: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'set' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

describe('SequenceIndex', () => {
  it('finds the first live sequence after any number, as a scan of a plain map would, through deletes and pruning', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 400 }),
        fc.array(fc.integer({ min: -1, max: 500 }), { maxLength: 20 }),
        (ops, probes) => {
          const index = new SequenceIndex();
          const model = new Map<number, string>();
          let next = 1;
          for (const o of ops) {
            if (o.kind === 'set') {
              index.set(next, `p${next}`);
              model.set(next, `p${next}`);
              next += 1 + (next % 3);
            } else if (o.kind === 'delete' && model.size > 0) {
              const victim = [...model.keys()][o.pick % model.size]!;
              index.delete(victim);
              model.delete(victim);
            } else if (o.kind === 'clear') {
              index.clear();
              model.clear();
            }
          }
          expect(index.size).toBe(model.size);
          for (const after of probes) {
            const expected = [...model.keys()].filter((s) => s > after).sort((a, b) => a - b)[0];
            expect(index.firstAfter(after)).toBe(expected);
            if (expected !== undefined) expect(index.get(expected)).toBe(model.get(expected));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a sequence that does not grow', () => {
    const index = new SequenceIndex();
    index.set(5, 'a');
    expect(() => index.set(5, 'b')).toThrow(RangeError);
  });
});
