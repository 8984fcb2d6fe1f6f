/**
 * Whole clusters under random edits and faults (issue 3, item 11): after healing and
 * settling, every device holds the same folder, no version a person wrote is lost unless
 * someone replaced it knowingly, nothing deleted comes back, and no temporary file is left.
 *
 * `SIM_RUNS=5000 npx vitest run test/unit/sim/cluster.property.test.ts` for a long run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { op, play } from './randomRun.ts';

const RUNS = Number(process.env.SIM_RUNS ?? 200);

describe('a cluster under random edits and faults', () => {
  it('converges without losing a version or undoing a delete', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 3, max: 5 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.array(op, { minLength: 1, maxLength: 25 }),
        async (count, seed, ops) => {
          const problems = await play(count, seed, ops);
          expect(problems, `seed ${seed}`).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});
