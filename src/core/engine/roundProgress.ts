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
 * 4. Per peer (`peers`, once a peer served anything): the bytes received from it and the
 *    downloads it serves that have not ended; listed in the order peers first served.
 */
import type { Clock } from '../../ports/Clock.ts';
import type { DeviceId, FolderId } from '../../ports/Store.ts';
import type { PlannedAction } from '../plan/actions.ts';
import type { CommitProgress } from './commit.ts';
import type { EngineEvent, PeerRoundProgress } from './events.ts';

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
  /** Per peer: bytes received, and the paths of unended downloads it served. */
  readonly #peers = new Map<DeviceId, { bytes: number; readonly files: Set<string> }>();
  readonly #ended = new Set<string>();

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

  /**
   * `peer` delivered `bytes` for the download at `path` (before the commit verifies and
   * writes them; `file` reports that, and emits).
   */
  served(peer: DeviceId, path: string, bytes: number): void {
    let served = this.#peers.get(peer);
    if (!served) this.#peers.set(peer, (served = { bytes: 0, files: new Set() }));
    served.bytes += Math.max(0, bytes);
    if (!this.#ended.has(path)) served.files.add(path);
  }

  /** An action of the round ended, however it ended; `path` is the action's. */
  actionEnded(path?: string): void {
    this.#filesDone++;
    if (path !== undefined) {
      this.#ended.add(path);
      for (const { files } of this.#peers.values()) files.delete(path);
    }
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
      ...(this.#peers.size > 0 ? { peers: this.#perPeer(seconds) } : {}),
    });
  }

  #perPeer(seconds: number): PeerRoundProgress[] {
    return [...this.#peers].map(([peer, { bytes, files }]) => ({
      peer,
      files: files.size,
      bytesReceived: bytes,
      rate: seconds > 0 ? bytes / seconds : 0,
    }));
  }
}
