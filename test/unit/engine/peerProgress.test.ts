/**
 * Per-peer progress (DESIGN.md, "What a user sees" 5: "… per device"): a round's
 * `folder-progress` says which peer the bytes came from, counted where the chunk requester
 * learns who answered.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import type { EngineEvent } from '../../../src/core/engine/events.ts';
import { RoundProgress } from '../../../src/core/engine/roundProgress.ts';
import type { PlannedAction } from '../../../src/core/plan/actions.ts';
import { createCluster } from '../../../src/sim/index.ts';
import { live } from '../plan/planFixture.ts';
import { noise } from '../../support/noise.ts';

type FolderProgressEvent = Extract<EngineEvent, { type: 'folder-progress' }>;

const FOLDER = '0123456789abcdef0123456789abcdef';

const fetch = (path: string, size: number): PlannedAction => ({
  kind: 'fetch',
  path,
  record: live(path, { size }),
  expect: 'absent',
});

describe('RoundProgress per peer', () => {
  it('lists what each peer delivered and the unended downloads it serves', () => {
    const clock = new ManualClock(0);
    const events: FolderProgressEvent[] = [];
    const progress = new RoundProgress({
      folder: FOLDER,
      clock,
      actions: [fetch('a', 100), fetch('b', 300)],
      emit: (e) => e.type === 'folder-progress' && events.push(e),
      intervalMs: 100,
    });
    clock.advance(1000);
    progress.file({ path: 'a', bytesDone: 0, bytesTotal: 100 });
    expect(events.at(-1)?.peers).toBeUndefined(); // nobody served anything yet
    progress.served('P1', 'a', 60);
    progress.served('P2', 'b', 100);
    progress.served('P1', 'b', 50);
    progress.actionEnded('a');
    expect(events.at(-1)?.peers).toEqual([
      { peer: 'P1', files: 1, bytesReceived: 110, rate: 110 },
      { peer: 'P2', files: 1, bytesReceived: 100, rate: 100 },
    ]);
    progress.served('P1', 'a', 40); // a late answer for a download that ended: bytes, no file
    clock.advance(1000);
    progress.actionEnded('b');
    expect(events.at(-1)?.peers).toEqual([
      { peer: 'P1', files: 0, bytesReceived: 150, rate: 75 },
      { peer: 'P2', files: 0, bytesReceived: 100, rate: 50 },
    ]);
  });
});

describe('an engine fetching from two peers', () => {
  it('attributes each file to the peer that had it', async () => {
    const c = await createCluster({ devices: ['a', 'b', 'c'], seed: 11 });
    await c.share('docs', ['a', 'b', 'c']);
    await c.settle();
    c.partition(['a'], ['b'], ['c']);
    const fromA = noise(300_000, 1);
    const fromB = noise(500_000, 2);
    await c.write('a', 'docs', 'from-a.bin', fromA);
    await c.write('b', 'docs', 'from-b.bin', fromB);
    await c.settle();
    // c meets a and b, which still do not meet each other: each file is on one peer only.
    c.connect('a', 'c');
    c.connect('b', 'c');
    await c.settle();
    expect(await c.read('c', 'docs', 'from-a.bin')).toEqual(fromA);
    expect(await c.read('c', 'docs', 'from-b.bin')).toEqual(fromB);

    const rounds = c.events('c').filter((e): e is FolderProgressEvent => e.type === 'folder-progress');
    const most = new Map<string, number>();
    for (const event of rounds)
      for (const p of event.peers ?? []) most.set(p.peer, Math.max(most.get(p.peer) ?? 0, p.bytesReceived));
    expect(Object.fromEntries(most)).toEqual({
      [c.deviceId('a')]: fromA.length,
      [c.deviceId('b')]: fromB.length,
    });
    // The last event of the round says no download is left on either peer.
    const last = rounds.at(-1)!;
    expect(last.filesDone).toBe(last.filesTotal);
    expect(last.peers?.every((p) => p.files === 0)).toBe(true);
  });
});
