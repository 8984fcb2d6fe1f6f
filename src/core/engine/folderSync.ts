/**
 * One shared folder's loop: scan when the disk changed, plan and apply when the local or a
 * peer's index changed (DESIGN.md, "Sync"). STYLE practice 7: events only set flags
 * (`requestScan`, `requestPlan`); one loop turns them into work, one step at a time.
 *
 * Invariants:
 *
 * 1. One step at a time per folder: a scan or a plan round, never both, never two of
 *    either (the scan assumes it is the index's only writer). Requests made while a step
 *    runs are remembered and served after it.
 * 2. A scan comes before any plan: the first step of a started folder is a scan, and a
 *    plan round that found a file changed under it rescans, then plans again even when
 *    the rescan records nothing new (a touch moves a file's stat, not its content), so
 *    the peer's version is not left unapplied; so does a round that met an unavailable
 *    volume which the rescan finds still there (out of storage space). Repeated refusals
 *    back off as in (6).
 * 3. A paused folder (marker missing, volume unavailable) is not planned or written; it
 *    checks every `pausedCheckMs` whether it is back, and then rescans.
 * 4. Plans are made from the stored indexes alone (local records and every sharing peer's
 *    records, connected or not); peers only change what can be fetched.
 * 5. The planner's order holds under concurrency: its runs (local copies, deletes that
 *    free a name, copies into freed names, the rest: core/plan invariant 9) go one after
 *    another, each complete before the next starts, so a renamed file is copied before its
 *    old path goes and nothing is written where a delete has yet to make room.
 * 6. A round that changed the index is followed by another (a conflict's copy name, or a
 *    case-only rename, settles over two rounds); a round that only failed is retried after
 *    a backoff on the Clock, at most `maxRetries` times before waiting for news (a peer's
 *    index, a connection, a local change). Files waiting for a peer wait for news only.
 * 7. Local changes reach peers as soon as they are stored (`notifyPeers`), after a scan
 *    and after every applied action, so a chain of devices relays a file as it lands.
 * 8. Partial downloads survive cuts and restarts (commit.ts): at start the volume's
 *    partial files and the journal are reconciled, and every plan round abandons the
 *    downloads it no longer wants (another version won, the path was deleted), so no
 *    temporary file outlives its purpose.
 * 9. Tombstones older than their lifetime (15 months, core/model/tombstones.ts) are
 *    forgotten after a completed scan, at most once a day: never during a scan or commit,
 *    and counted on this device's clock only.
 * 10. A path the volume's watch named is hashed at the next scan even if its size and
 *    mtime are unchanged (a write may keep them: Chromium's in-memory OPFS does), unless
 *    this loop wrote or deleted it itself since the last scan; a change the person made
 *    to such a file in that same window, keeping its stat, is seen once its stat moves.
 */
import type { ByteSource } from '../content/byteSource.ts';
import type { Sha256 } from '../content/hash.ts';
import type { DeviceShortId, FileRecord } from '../model/fileRecord.ts';
import type { PlannedAction } from '../plan/actions.ts';
import { blockedText } from '../plan/blockedText.ts';
import { planFolder } from '../plan/planFolder.ts';
import { runsOf } from '../plan/runs.ts';
import { expiryCutoff } from '../model/tombstones.ts';
import { compareVersions } from '../model/versionVector.ts';
import type { Clock, CancelTimer } from '../../ports/Clock.ts';
import type { DeviceId, FolderId, LocalRecord, Store } from '../../ports/Store.ts';
import { VolumeUnavailableError, type Volume } from '../../ports/Volume.ts';
import { applyAction, type ApplyOutcome } from './applyAction.ts';
import { ChunkIndex } from './chunkIndex.ts';
import { abandonUnwanted, reconcilePartials, type FetchChunk } from './commit.ts';
import { SCANNED_PATHS_SHOWN, type EngineEvent, type FolderState } from './events.ts';
import { RoundProgress } from './roundProgress.ts';
import { forEachLimited } from './forEachLimited.ts';
import { scanFolder, type HashFile } from './scan.ts';

/** Hears that `peer` delivered `bytes` of a download. */
export type Served = (peer: DeviceId, bytes: number) => void;

/** A folder as the app shares it. */
export interface FolderConfig {
  readonly id: FolderId;
  readonly label: string;
  readonly volume: Volume;
  /** The other devices it is shared with (full device IDs). */
  readonly devices: readonly DeviceId[];
}

export interface FolderTiming {
  /** Wait after a change the volume reported before scanning, so a burst is one scan. */
  readonly scanDelayMs: number;
  /** Wait after news from peers before planning, so a burst of updates is one round. */
  readonly planDelayMs: number;
  /** Scan this often when the volume cannot watch. */
  readonly rescanIntervalMs: number;
  readonly pausedCheckMs: number;
  /** First retry delay after a failed round; doubles each time. */
  readonly retryMs: number;
  readonly maxRetries: number;
  /** Actions carried out at once. */
  readonly concurrency: number;
}

export interface FolderSyncDeps {
  readonly config: FolderConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly device: DeviceShortId;
  readonly hashFile: HashFile;
  readonly sha256?: Sha256;
  readonly timing: FolderTiming;
  /** `served` hears which peer delivered each chunk (per-peer progress). */
  readonly fetcherFor: (folder: FolderId, record: FileRecord, served?: Served) => FetchChunk;
  readonly fetchDelta?: (
    folder: FolderId,
    record: FileRecord,
    base: ByteSource,
    maxDelta: number,
    served?: Served,
  ) => Promise<Uint8Array>;
  readonly emit: (event: EngineEvent) => void;
  /** Tells connected peers that the local index of this folder grew. */
  readonly notifyPeers: (folder: FolderId) => void;
}

export class FolderSync {
  readonly #d: FolderSyncDeps;
  #state: FolderState = { kind: 'scanning' };
  #needScan = true;
  #needPlan = false;
  #running = false;
  #stopped = false;
  /** Timers that bring work (scan delay, retry): the folder is busy while one is armed. */
  readonly #workTimers = new Set<CancelTimer>();
  /** Timers that only look for news (paused check, periodic rescan). */
  readonly #idleTimers = new Set<CancelTimer>();
  #unwatch: (() => void) | undefined;
  #chunks: ChunkIndex | undefined;
  #retries = 0;
  /** When tombstones were last expired (clock ms); undefined before the first scan. */
  #expiredAt: number | undefined;
  /** A delayed scan is armed: later change reports join it. */
  #scanDue = false;
  /** A round found a file changed under it: plan again after the rescan (invariant 2). */
  #planAfterScan = false;
  /** Paths the watch named since the last scan: hashed whatever their stat (invariant 10). */
  #watched = new Set<string>();
  /** Paths this loop wrote or deleted since the last scan: their watch reports are its own. */
  #written = new Set<string>();
  /** A delayed plan is armed: later requests join it. */
  #planDue = false;
  /** Cancels the pending delayed plan, if any. */
  #cancelPlanTimer: (() => void) | undefined;
  #loop: Promise<void> = Promise.resolve();

  constructor(deps: FolderSyncDeps) {
    this.#d = deps;
  }

  get id(): FolderId {
    return this.#d.config.id;
  }

  get state(): FolderState {
    return this.#state;
  }

  /** Work under way or due (not counting checks for news). */
  get busy(): boolean {
    return this.#running || this.#needScan || this.#needPlan || this.#workTimers.size > 0;
  }

  /** Starts watching and runs the first scan. */
  start(): void {
    const { volume } = this.#d.config;
    this.#unwatch = volume.watch?.((change) => {
      if (change.path !== undefined) this.#watched.add(change.path.normalize('NFC'));
      this.requestScan(this.#d.timing.scanDelayMs);
    });
    this.#kick();
  }

  /** Scans after `delayMs` (coalescing with a scan already due). */
  requestScan(delayMs = 0): void {
    if (this.#stopped) return;
    if (delayMs <= 0) {
      this.#needScan = true;
      this.#kick();
      return;
    }
    if (this.#scanDue) return;
    this.#scanDue = true;
    this.#after(delayMs, this.#workTimers, () => {
      this.#scanDue = false;
      this.requestScan(0);
    });
  }

  /**
   * Plans again after `planDelayMs`: a peer's index or the set of connected peers
   * changed. Index updates come in bursts (a peer sends one per file it commits), and
   * each round reads the whole index, so requests within the delay make one round.
   * `now`: plan without waiting, for news that ends a burst (a peer's whole index has
   * arrived), so a first sync starts at once.
   */
  requestPlan(now = false): void {
    if (this.#stopped) return;
    this.#retries = 0;
    if (now) {
      this.#cancelPlanTimer?.();
      this.#cancelPlanTimer = undefined;
      this.#planDue = false;
      this.#needPlan = true;
      this.#kick();
      return;
    }
    if (this.#planDue) return;
    this.#planDue = true;
    this.#cancelPlanTimer = this.#after(this.#d.timing.planDelayMs, this.#workTimers, () => {
      this.#cancelPlanTimer = undefined;
      this.#planDue = false;
      this.#needPlan = true;
      this.#kick();
    });
  }

  /**
   * A peer's records arrived (stored): plans again unless none is news, i.e. held here at
   * the same or a newer version. A peer taking in a folder sends back each file it took,
   * and a round reads the whole index.
   */
  async remoteArrived(records: readonly FileRecord[]): Promise<void> {
    for (const record of records) {
      const mine = await this.#d.store.getLocal(this.id, record.path).catch(() => undefined);
      const order = mine && compareVersions(mine.version, record.version);
      if (order !== 'equal' && order !== 'greater') {
        this.requestPlan();
        return;
      }
    }
  }

  /** Stops the loop and every timer; a step under way finishes its current action. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unwatch?.();
    for (const cancel of [...this.#workTimers, ...this.#idleTimers]) cancel();
    this.#workTimers.clear();
    this.#idleTimers.clear();
    await this.#loop;
  }

  #kick(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    this.#loop = this.#run().finally(() => (this.#running = false));
  }

  async #run(): Promise<void> {
    // A turn of the event loop first, so requests made together are served together.
    await Promise.resolve();
    while (!this.#stopped && (this.#needScan || this.#needPlan)) {
      try {
        if (this.#needScan) {
          this.#needScan = false;
          await this.#scan();
        } else {
          this.#needPlan = false;
          if (this.#state.kind !== 'paused') await this.#planRound();
        }
      } catch (error) {
        if (this.#stopped) return;
        this.#d.emit({ type: 'error', folder: this.id, message: `sync step failed: ${String(error)}` });
        this.#retryLater();
      }
    }
    if (!this.#stopped && this.#state.kind !== 'paused') this.#setState({ kind: 'idle' });
  }

  async #scan(): Promise<void> {
    const { config, store, clock, device, hashFile } = this.#d;
    const wasPaused = this.#state.kind === 'paused';
    this.#setState({ kind: 'scanning' });
    if (this.#chunks === undefined || wasPaused) await this.#reconcilePartials();
    const rehash = new Set([...this.#watched].filter((path) => !this.#written.has(path)));
    this.#watched = new Set();
    this.#written = new Set();
    const result = await scanFolder(
      { volume: config.volume, index: store, hash: hashFile, clock, device },
      { folder: config.id, rehash },
    );
    if (result.status === 'paused') {
      this.#setState({ kind: 'paused', reason: result.reason, message: result.message });
      this.#after(this.#d.timing.pausedCheckMs, this.#idleTimers, () => void this.#checkBack());
      return;
    }
    if (result.problems.length > 0) {
      this.#d.emit({ type: 'scan-problems', folder: config.id, problems: result.problems });
    }
    if (result.changed.length > 0) {
      for (const record of result.changed) this.#chunks?.add(record);
      const paths = result.changed
        .slice(0, SCANNED_PATHS_SHOWN)
        .map((r) => ({ path: r.path, deleted: r.deleted }));
      this.#d.emit({ type: 'scanned', folder: config.id, changed: result.changed.length, paths });
      this.#d.notifyPeers(config.id);
    }
    const replan = this.#planAfterScan;
    this.#planAfterScan = false;
    if (result.changed.length > 0 || wasPaused || this.#chunks === undefined) this.#needPlan = true;
    else if (replan) this.#planAgain();
    await this.#expireTombstones();
    if (!config.volume.watch) {
      this.#after(this.#d.timing.rescanIntervalMs, this.#idleTimers, () => this.requestScan(0));
    }
  }

  /** Invariant 9. */
  async #expireTombstones(): Promise<void> {
    const now = this.#d.clock.now();
    if (this.#expiredAt !== undefined && now - this.#expiredAt < DAY_MS) return;
    this.#expiredAt = now;
    await this.#d.store.expireTombstones(this.#d.config.id, expiryCutoff(now));
  }

  /** Invariant 8, at start: a partial without its journal entry (or the reverse) goes. */
  async #reconcilePartials(): Promise<void> {
    const { config, store } = this.#d;
    try {
      await reconcilePartials(config.volume, { folder: config.id, journal: store });
    } catch (error) {
      // A folder that is not there: the scan that follows pauses it.
      if (!(error instanceof VolumeUnavailableError)) throw error;
    }
  }

  async #checkBack(): Promise<void> {
    const back = await this.#d.config.volume.hasMarker().catch(() => false);
    if (this.#stopped) return;
    if (back) this.requestScan(0);
    else this.#after(this.#d.timing.pausedCheckMs, this.#idleTimers, () => void this.#checkBack());
  }

  async #planRound(): Promise<void> {
    const { config, store } = this.#d;
    const local = new Map<string, LocalRecord>();
    for await (const record of store.localSince(config.id, 0)) local.set(record.path, record);
    this.#chunks ??= ChunkIndex.fromRecords(local.values());
    const remote = new Map<string, FileRecord[]>();
    for (const peer of config.devices) {
      for await (const record of store.remoteRecords(config.id, peer)) {
        const list = remote.get(record.path);
        if (list) list.push(record);
        else remote.set(record.path, [record]);
      }
    }
    const actions = planFolder({ local, remote });
    // Invariant 8: the downloads this plan no longer makes are given up.
    await abandonUnwanted(config.volume, { folder: config.id, journal: store }, actions);
    if (actions.length === 0) {
      this.#retries = 0;
      return;
    }
    const progress = new RoundProgress({
      folder: config.id,
      clock: this.#d.clock,
      actions,
      emit: this.#d.emit,
    });
    this.#setState({ kind: 'syncing', files: actions.length, bytes: progress.bytesTotal });

    const outcomes = new Map<PlannedAction, ApplyOutcome>();
    const apply = (a: PlannedAction) =>
      this.#apply(a, local, progress).then((o) => {
        outcomes.set(a, o);
        progress.actionEnded(a.path);
      });
    // Invariant 5: the planner's runs, one after another; actions within a run at once.
    for (const run of runsOf(actions)) await forEachLimited(run, this.#d.timing.concurrency, apply);

    const statuses = [...outcomes.values()].map((o) => o.status);
    // The scan says whether the folder is gone (a pause) or a file changed under the
    // round; either way the files left unapplied are planned again after it (invariant 2).
    if (statuses.includes('unavailable') || statuses.includes('changed-meanwhile')) {
      this.#needScan = true;
      this.#planAfterScan = true;
    }
    if (statuses.includes('done')) {
      this.#retries = 0;
      this.#needPlan = true;
    } else if (statuses.includes('failed')) this.#retryLater();
  }

  async #apply(
    action: PlannedAction,
    local: ReadonlyMap<string, LocalRecord>,
    round: RoundProgress,
  ): Promise<ApplyOutcome> {
    const { config, clock } = this.#d;
    const started = clock.now();
    const served: Served = (peer, bytes) => round.served(peer, action.path, bytes);
    const outcome = await applyAction(
      {
        folder: config.id,
        volume: config.volume,
        store: this.#d.store,
        chunks: this.#chunks!,
        fetcherFor: (record) => this.#d.fetcherFor(config.id, record, served),
        fetchDelta:
          this.#d.fetchDelta &&
          ((record, base, max) => this.#d.fetchDelta!(config.id, record, base, max, served)),
        sha256: this.#d.sha256,
        onProgress: (p) => {
          const seconds = Math.max(0.001, (clock.now() - started) / 1000);
          this.#d.emit({ type: 'progress', folder: config.id, ...p, rate: p.bytesDone / seconds });
          round.file(p);
        },
      },
      action,
      local,
    );
    this.#report(action, outcome);
    return outcome;
  }

  #report(action: PlannedAction, outcome: ApplyOutcome): void {
    const folder = this.id;
    const { path } = action;
    switch (outcome.status) {
      case 'done':
        if (this.#d.config.volume.watch) for (const record of outcome.records) this.#written.add(record.path);
        this.#d.notifyPeers(folder);
        if (action.kind === 'conflict' && action.copyName !== null) {
          this.#d.emit({ type: 'conflict', folder, path, copyName: action.copyName });
        } else {
          const what = action.kind === 'delete' ? 'delete' : action.kind === 'adopt' ? 'adopt' : 'write';
          this.#d.emit({ type: 'synced', folder, path, action: what });
        }
        return;
      case 'blocked':
        this.#d.emit({
          type: 'file-issue',
          folder,
          path,
          code: outcome.reason,
          message: blockedText(outcome.reason, action.kind === 'blocked' ? action.collidesWith : undefined),
        });
        return;
      case 'waiting-for-peer':
      case 'failed':
        this.#d.emit({
          type: 'file-issue',
          folder,
          path,
          code: outcome.status,
          message: outcome.error.message,
        });
        return;
      case 'unavailable':
        // Out of space, say, on a folder still there: the file stays out of sync, and says why.
        this.#d.emit({ type: 'error', folder, message: outcome.error.message });
        this.#d.emit({ type: 'file-issue', folder, path, code: 'failed', message: outcome.error.message });
        return;
      case 'changed-meanwhile':
        return;
    }
  }

  /** Invariant 2: at once the first time, then with the backoff of failed rounds. */
  #planAgain(): void {
    if (this.#retries > 0) return this.#retryLater();
    this.#retries++;
    this.#needPlan = true;
  }

  /** Invariant 6: a failed round comes back after a backoff, a bounded number of times. */
  #retryLater(): void {
    if (this.#retries >= this.#d.timing.maxRetries) return;
    const delay = this.#d.timing.retryMs * 2 ** this.#retries++;
    this.#after(delay, this.#workTimers, () => {
      this.#needPlan = true;
      this.#kick();
    });
  }

  #after(ms: number, timers: Set<CancelTimer>, fire: () => void): CancelTimer | undefined {
    if (this.#stopped) return undefined;
    const cancel = this.#d.clock.setTimer(ms, () => {
      timers.delete(cancel);
      if (!this.#stopped) fire();
    });
    timers.add(cancel);
    return () => {
      timers.delete(cancel);
      cancel();
    };
  }

  #setState(state: FolderState): void {
    if (sameState(this.#state, state)) return;
    this.#state = state;
    this.#d.emit({ type: 'folder', folder: this.id, state });
  }
}

const DAY_MS = 24 * 3600_000;

function sameState(a: FolderState, b: FolderState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
