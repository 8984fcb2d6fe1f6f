import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import type { EngineEvent } from '../../../src/core/engine/events.ts';
import { RoundProgress } from '../../../src/core/engine/roundProgress.ts';
import type { PlannedAction } from '../../../src/core/plan/actions.ts';
import { live, tombstone } from '../plan/planFixture.ts';

const FOLDER = '0123456789abcdef0123456789abcdef';

function round(actions: PlannedAction[]) {
  const clock = new ManualClock(0);
  const events: Extract<EngineEvent, { type: 'folder-progress' }>[] = [];
  const progress = new RoundProgress({
    folder: FOLDER,
    clock,
    actions,
    emit: (e) => e.type === 'folder-progress' && events.push(e),
    intervalMs: 100,
  });
  return { clock, events, progress };
}

const fetch = (path: string, size: number): PlannedAction => ({
  kind: 'fetch',
  path,
  record: live(path, { size }),
  expect: 'absent',
});

describe('RoundProgress', () => {
  it('sums the downloads of a round, at most one event per interval while bytes arrive, one per action ended', () => {
    const { clock, events, progress } = round([
      fetch('a', 100),
      fetch('b', 300),
      { kind: 'delete', path: 'c', record: tombstone('c'), expect: { size: 1, mtime: 1 } },
    ]);
    expect(progress.bytesTotal).toBe(400);
    clock.advance(1000);
    progress.file({ path: 'a', bytesDone: 50, bytesTotal: 100 });
    progress.file({ path: 'b', bytesDone: 100, bytesTotal: 300 }); // within the interval: no event
    expect(events).toEqual([
      {
        type: 'folder-progress',
        folder: FOLDER,
        filesDone: 0,
        filesTotal: 3,
        bytesDone: 50,
        bytesTotal: 400,
        rate: 50,
        etaSeconds: 7,
      },
    ]);
    progress.file({ path: 'a', bytesDone: 40, bytesTotal: 100 }); // a repeat from a retry counts once
    progress.file({ path: 'elsewhere', bytesDone: 999, bytesTotal: 999 }); // not a download of this round
    progress.file({ path: 'a', bytesDone: 500, bytesTotal: 100 }); // never past the file's size
    progress.actionEnded();
    expect(events.at(-1)).toMatchObject({ filesDone: 1, bytesDone: 200, rate: 200 });
  });

  it('gives no rate or ETA before any time has passed', () => {
    const { events, progress } = round([fetch('a', 10)]);
    progress.file({ path: 'a', bytesDone: 10, bytesTotal: 10 });
    expect(events).toEqual([
      {
        type: 'folder-progress',
        folder: FOLDER,
        filesDone: 0,
        filesTotal: 1,
        bytesDone: 10,
        bytesTotal: 10,
        rate: 0,
      },
    ]);
  });
});
