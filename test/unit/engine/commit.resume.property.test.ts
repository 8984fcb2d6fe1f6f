import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commitFile, type CommitResult } from '../../../src/core/engine/commit.ts';
import { disconnectAt, hangAt, Journal, pair, partialsOf, smallChunks, stuckAt } from './commitFixture.ts';

const scenario = fc.record({
  content: fc.uint8Array({ minLength: 2_000, maxLength: 30_000 }),
  /** Where the download is cut, as a share of its chunks. */
  cut: fc.double({ min: 0, max: 1, noNaN: true }),
  how: fc.constantFrom('disconnect', 'crash'),
  inFlight: fc.integer({ min: 1, max: 5 }),
  every: fc.integer({ min: 1, max: 8 }),
  /** Flip a byte of this share of the chunks done before resuming (undefined: none). */
  rot: fc.option(fc.double({ min: 0, max: 0.999, noNaN: true }), { nil: undefined }),
});

describe('commitFile: resuming, property', () => {
  it('whatever the cut, a resumed download fetches only what the journal does not hold intact, and commits the file', async () => {
    let resumed = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ content, cut, how, inFlight, every, rot }) => {
        const p = pair();
        const { record, digest } = await p.put(p.remote.volume, 'f.bin', content, smallChunks);
        const n = record.chunks.length;
        const k = Math.floor(cut * n);
        const good = p.remote.fetcher('f.bin', digest);
        const journal = new Journal();
        const options = { inFlight, journalEvery: { chunks: every } };
        const plan = { record, expect: 'absent' as const };

        if (how === 'disconnect') {
          const first = await commitFile(
            { volume: p.local, fetchChunk: disconnectAt(good, k), resume: journal.resume },
            plan,
            options,
          );
          // Cut at n: nothing was missing, so it completed.
          expect(first.status).toBe(k === n ? 'committed' : 'failed');
          if (k === n) return;
        } else {
          const crash = stuckAt(record, k);
          const crashed = commitFile(
            { volume: p.local, fetchChunk: hangAt(good, k), resume: journal.resume },
            plan,
            { ...options, onProgress: crash.onProgress },
          );
          await crash.stuck();
          await journal.restart();
          // Cut at n: nothing hung, so it completed before the "crash".
          if (k === n) {
            expect((await crashed).status).toBe('committed');
            return;
          }
        }

        const done = (await journal.chunksDone('f.bin')) ?? [];
        expect(done.every((i) => i < k)).toBe(true);
        // A disconnect journals everything written; a crash loses less than one batch.
        if (how === 'disconnect') expect(done).toHaveLength(k);
        else expect(done.length).toBeGreaterThan(k - every);
        let rotted: number | undefined;
        if (rot !== undefined && done.length > 0) {
          rotted = done[Math.floor(rot * done.length)]!;
          const [partial] = await partialsOf(p.local);
          const offset = record.chunks.slice(0, rotted).reduce((sum, c) => sum + c.size, 0);
          const [byte] = await partial!.read(offset, 1);
          await partial!.write(offset, new Uint8Array([byte! ^ 0x5a]));
        }

        p.remote.calls.length = 0;
        const second: CommitResult = await commitFile(
          { volume: p.local, fetchChunk: good, resume: journal.resume },
          plan,
          options,
        );
        if (second.status !== 'committed') throw new Error(`not committed: ${second.status}`);
        const fetched = p.remote.calls.map(([i]) => i).sort((a, b) => a - b);
        const expected = [...Array(n).keys()].filter((i) => !done.includes(i) || i === rotted);
        expect(fetched).toEqual(expected);
        expect(second.stats.resumedChunks).toBe(n - expected.length);
        resumed += second.stats.resumedChunks;
        const source = await p.local.source('f.bin');
        expect(await source.read(0, source.size)).toEqual(content);
        expect(await partialsOf(p.local)).toEqual([]);
        expect(await journal.chunksDone('f.bin')).toBeUndefined();
      }),
      { numRuns: 80 },
    );
    expect(resumed).toBeGreaterThan(0);
  });
});
