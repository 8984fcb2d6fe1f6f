/**
 * A plan round's progress over all of its actions, for the page's per-folder line ("3 of
 * 12 files, 40 MB of 120 MB, 9 MB/s, about 9 s left"; DESIGN.md, "What a user sees" 5).
 * Per-file progress events say how each download goes; this sums them.
 *
 * Invariants:
 *
 * 1. `bytesTotal` is what the round's downloads write (fetches, and conflicts this device
 *    loses, whose winner it fetches); `bytesDone` counts each of those files' progress
 *    once and never passes `bytesTotal`, and both only grow.
 * 2. Events come at most every `intervalMs` of the Clock while bytes arrive, and always
 *    when an action ends, so the last one of a round says every file is done.
 * 3. `rate` is bytes done per second since the round began (0 before any time passed);
 *    `etaSeconds` is what is left at that rate, absent while the rate is 0.
 */
import type { Clock } from '../../ports/Clock.ts';
import type { FolderId } from '../../ports/Store.ts';
import type { PlannedAction } from '../plan/actions.ts';
import type { CommitProgress } from './commit.ts';
import type { EngineEvent } from './events.ts';

export interface RoundProgressOptions {
  readonly folder: FolderId;
  readonly clock: Clock;
  readonly actions: readonly PlannedAction[];
  readonly emit: (event: EngineEvent) => void;
  /** Least time between two events while bytes arrive. Default 250 ms. */
  readonly intervalMs?: number;
}

export class RoundProgress {
  readonly #o: RoundProgressOptions;
  readonly #started: number;
  /** Path → size, for the actions that download a file. */
  readonly #sizes = new Map<string, number>();
  readonly #done = new Map<string, number>();
  readonly bytesTotal: number;
  #bytesDone = 0;
  #filesDone = 0;
  #lastEmit = Number.NEGATIVE_INFINITY;

  constructor(options: RoundProgressOptions) {
    this.#o = options;
    this.#started = options.clock.now();
    for (const a of options.actions) {
      if (a.kind === 'fetch' || (a.kind === 'conflict' && a.local === 'loser' && !a.record.deleted)) {
        this.#sizes.set(a.path, a.record.size);
      }
    }
    this.bytesTotal = [...this.#sizes.values()].reduce((n, size) => n + size, 0);
  }

  /** A file's download moved on. */
  file(progress: CommitProgress): void {
    const size = this.#sizes.get(progress.path);
    if (size === undefined) return;
    const before = this.#done.get(progress.path) ?? 0;
    const now = Math.min(size, progress.bytesDone);
    if (now <= before) return;
    this.#done.set(progress.path, now);
    this.#bytesDone += now - before;
    if (this.#o.clock.now() - this.#lastEmit >= (this.#o.intervalMs ?? 250)) this.#emit();
  }

  /** An action of the round ended, however it ended. */
  actionEnded(): void {
    this.#filesDone++;
    this.#emit();
  }

  #emit(): void {
    const now = this.#o.clock.now();
    this.#lastEmit = now;
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? this.#bytesDone / seconds : 0;
    const left = this.bytesTotal - this.#bytesDone;
    this.#o.emit({
      type: 'folder-progress',
      folder: this.#o.folder,
      filesDone: this.#filesDone,
      filesTotal: this.#o.actions.length,
      bytesDone: this.#bytesDone,
      bytesTotal: this.bytesTotal,
      rate,
      ...(rate > 0 ? { etaSeconds: left / rate } : {}),
    });
  }
}
