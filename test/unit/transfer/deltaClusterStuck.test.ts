/**
 * Regression: "the cluster is stuck: busy with nothing scheduled" (sim, seed 0: a writes a
 * 300 KB b.txt, 30 steps, b writes its own; b fetches a's version as a delta).
 *
 * The simulation delivers one message per step and, between steps, lets pending promises
 * run for one host turn (setImmediate) — twice before it calls a busy cluster stuck. So a
 * delta session must move on from each delivered message on microtasks alone, as the
 * chunk path does with the injected `sha256`. It does not: the rsync layer
 * (core/content/rsync) awaits hash-wasm's `createXXHash128()` for every hasher it makes,
 * and a WebAssembly instantiation resolves on a later host turn (the first one, compiling
 * the module, thousands of turns later). Nothing is lost — the step finishes in real time —
 * but with no message and no Clock timer to wait on, the simulation gives up.
 *
 * Marked `fails` until the rsync layer hands out hashers without waiting on the host once
 * loaded; then drop the marker.
 */
import { expect, it } from 'vitest';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import { DeltaFetchError, type DeltaFetchResult } from '../../../src/core/transfer/deltaFetcher.ts';
import { syncSha256 } from '../../../src/sim/index.ts';
import { noise } from '../engine/commitFixture.ts';
import { applyEdits } from '../rsync/helpers.ts';
import { deltaWorld } from './deltaFixture.ts';
import { FOLDER } from './transferFixture.ts';

/** One turn of the host's event loop: what the simulation's `drain` waits. */
const hostTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const old = noise(300_000, 31);
const next = applyEdits(old, [{ kind: 'insert', at: 0.37, bytes: noise(100, 32) }]);

it('a delta fetch moves on from each delivered message without waiting on the host (the cluster-stuck bug)', async () => {
  // Whatever the content layer loads once (a WebAssembly module) is loaded here, in real time.
  const warm = deltaWorld({ fetcher: { sha256: syncSha256 }, server: { sha256: syncSha256 } });
  const warmRecord = await warm.put('a.bin', next);
  await warm.fetcher.fetch({ folder: FOLDER, record: warmRecord, base: bytesSource(old) });

  const w = deltaWorld({
    delivery: 'manual',
    fetcher: { sha256: syncSha256 },
    server: { sha256: syncSha256 },
  });
  const record = await w.put('a.bin', next);
  let outcome: DeltaFetchResult | DeltaFetchError | undefined;
  void w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old) }).then(
    (result) => (outcome = result),
    (error: DeltaFetchError) => (outcome = error),
  );
  // The simulation's loop: a host turn, one message; with none pending, a timer; with none
  // armed, one more host turn, then stuck.
  for (let steps = 0; outcome === undefined; steps++) {
    expect(steps, 'the session does not end').toBeLessThan(100);
    await hostTurn();
    if (outcome !== undefined || w.pair.link.step()) continue;
    if (w.clock.pendingTimers > 0) {
      throw new Error('the session waits on the host while a Clock timer is armed: time would move on');
    }
    await hostTurn();
    if (outcome !== undefined || w.pair.link.step()) continue;
    throw new Error('the session is stuck: busy with nothing scheduled');
  }
  expect(outcome).not.toBeInstanceOf(DeltaFetchError);
  expect((outcome as DeltaFetchResult).bytes).toEqual(next);
  expect(w.server.openSessions(w.serverChannel)).toBe(0);
  expect(w.clock.pendingTimers).toBe(0);
});
