/**
 * The resumable commit (DESIGN.md, Sync step 5: "partial downloads are kept and resumed"):
 * commit.ts hands over a record of several chunks here when it has a journal and the
 * volume keeps partial files. The download goes into the volume's partial file for this
 * version (`key` = the file hash in hex), and the journal (Store) says which chunks are in
 * it, so that after a disconnect or a restart the next commit of the same version fetches
 * only the rest.
 *
 * Invariants (commit.ts's hold too):
 *
 * 1. The journal never claims a chunk whose write has not completed. It is written after
 *    every `journalEvery` chunks or bytes newly written (never once per small chunk), and
 *    when the commit stops for any reason, so a disconnect loses nothing and a crash loses
 *    at most one batch.
 * 2. Nothing read back from a partial file is trusted: a chunk the journal claims is read
 *    back and hashed first (a crash or a power cut can leave any bytes behind a claim), and
 *    fetched again if it fails. With every chunk verified, the file hash holds (commit.ts,
 *    invariants 1 and 2) before the partial replaces the target.
 * 3. A path has one download in progress: a journal entry or partial file for another
 *    version of the path is dropped when this one starts (the volume discards the old
 *    partial as the new one is opened).
 * 4. On success the partial becomes the file and the journal entry goes. On failure both
 *    stay, for the next attempt. On `changed-meanwhile` both stay too: the engine makes a
 *    conflict, and when it commits this version again (at this path, once the local edit
 *    is kept aside) every chunk comes from the partial. If it gives the version up instead,
 *    it calls `abandonDownload`; at start-up `reconcilePartials` sweeps what no entry names.
 * 5. Journal failures never fail a download: the journal only saves work. Reads and writes
 *    of the partial file fail it like any volume error.
 */
import { equalBytes, toHex } from '../content/bytes.ts';
import type { FileRecord } from '../model/fileRecord.ts';
import type { PlannedAction } from '../plan/actions.ts';
import { recordsOf } from '../plan/recordsAfter.ts';
import type { FolderId, JournalEntry, Store } from '../../ports/Store.ts';
import { ChangedMeanwhileError, type PartialFile, type Volume } from '../../ports/Volume.ts';
import type { CommitOptions, CommitPlan, CommitResult, CommitResume, CommitStats } from './commit.ts';

/** Default journal cadence; a big file's is a fixed share of it instead (`Progress`). */
const DEFAULT_EVERY = { chunks: 64, bytes: 4 << 20 };

/** At most about this many journal writes per file by default: each lists every chunk done. */
const MAX_SAVES = 128;

/** Per chunk: not on disk, claimed by the journal (unverified), verified on disk. */
const MISSING = 0;
const CLAIMED = 1;
const DONE = 2;

/** What the resumable path needs from commit.ts's chunk supply. */
export interface ChunkSupplier {
  /** Chunk `index`, verified: reused locally or fetched. */
  get(index: number): Promise<Uint8Array>;
  /** `undefined` when `bytes` are chunk `index`, else why not. */
  verify(bytes: Uint8Array, index: number): Promise<Error | undefined>;
}

interface ResumableDeps {
  readonly openPartial: NonNullable<Volume['openPartial']>;
  readonly resume: CommitResume;
}

type Counters = { -readonly [K in keyof CommitStats]: number };

/** commit.ts, invariant 6: `plan.record` (already checked) through a partial file and the journal. */
export async function commitResumable(
  deps: ResumableDeps,
  plan: CommitPlan,
  options: CommitOptions,
  supply: ChunkSupplier,
  stats: Counters,
): Promise<CommitResult> {
  const { record } = plan;
  const { folder, journal } = deps.resume;
  const previous = await journal.getJournal(folder, record.path).catch(() => undefined);
  const sameVersion = previous !== undefined && isVersion(previous, record);
  let partial: PartialFile;
  try {
    partial = await deps.openPartial(record.path, toHex(record.hash));
  } catch (error) {
    return { status: 'failed', error: asError(error) };
  }
  const progress = new Progress(deps.resume, record, sameVersion ? previous.chunksDone : [], options);
  // Replaces another version's entry at once: its partial is gone already.
  if (!sameVersion) await progress.flush();

  const offsets = chunkOffsets(record);
  const inFlight = Math.max(1, options.inFlight ?? 16);
  try {
    // Resume: what the journal claims is on disk, if it reads back intact.
    await forEachPooled(progress.claimed(), inFlight, async (index) => {
      const bytes = await partial.read(offsets[index]!, record.chunks[index]!.size);
      if ((await supply.verify(bytes, index)) === undefined) {
        stats.resumedChunks++;
        stats.resumedBytes += bytes.length;
        progress.kept(index, bytes.length);
      } else {
        progress.lost(index);
      }
    });
    // The rest: reused or fetched, then written at its offset.
    await forEachPooled(progress.missing(), inFlight, async (index) => {
      const bytes = await supply.get(index);
      await partial.write(offsets[index]!, bytes);
      progress.wrote(index, bytes.length);
    });
    const size = await partial.size();
    if (size !== record.size) {
      // Only something else writing into the partial makes it longer: start again.
      await partial.discard();
      await progress.finish();
      return { status: 'failed', error: new PartialSizeError(record.path, size, record.size) };
    }
    const entry = await partial.commit(plan.expect);
    await progress.finish();
    return { status: 'committed', entry, stats };
  } catch (error) {
    await progress.flush();
    if (
      error instanceof ChangedMeanwhileError &&
      (error.path === record.path || error.path === partial.path)
    ) {
      return { status: 'changed-meanwhile' };
    }
    return { status: 'failed', error: asError(error) };
  }
}

/**
 * Before a commit that does not go through a partial file (a record of one chunk): drops a
 * download of another version of `path` still journaled there (invariant 3).
 */
export async function dropOtherVersion(deps: ResumableDeps, path: string): Promise<void> {
  const { folder, journal } = deps.resume;
  const entry = await journal.getJournal(folder, path).catch(() => undefined);
  if (!entry) return;
  await deps
    .openPartial(path, toHex(entry.hash))
    .then((partial) => partial.discard())
    .catch(() => undefined);
  await journal.deleteJournal(folder, path).catch(() => undefined);
}

/**
 * Gives up the download in progress at `path`, if any: its partial file and journal entry
 * go. Called by the engine when it no longer wants the version it was fetching there.
 */
export async function abandonDownload(
  volume: Pick<Volume, 'partials'>,
  resume: { readonly folder: FolderId; readonly journal: Pick<Store, 'deleteJournal'> },
  path: string,
): Promise<void> {
  await resume.journal.deleteJournal(resume.folder, path);
  if (!volume.partials) return;
  for await (const partial of volume.partials()) {
    if (partial.path === path) await partial.discard();
  }
}

/**
 * Gives up every download in progress whose version `actions` no longer fetch (another
 * version won, the path was deleted), so no partial file outlives its purpose.
 */
export async function abandonUnwanted(
  volume: Pick<Volume, 'partials'>,
  resume: { readonly folder: FolderId; readonly journal: Pick<Store, 'journal' | 'deleteJournal'> },
  actions: readonly PlannedAction[],
): Promise<void> {
  const entries = await resume.journal.journal(resume.folder);
  if (entries.length === 0) return;
  const key = (r: { path: string; hash: Uint8Array }) => `${r.path}\u0000${toHex(r.hash)}`;
  const wanted = new Set(
    actions.flatMap((a) =>
      recordsOf(a)
        .filter((r) => !r.deleted)
        .map(key),
    ),
  );
  for (const entry of entries) {
    if (!wanted.has(key(entry))) await abandonDownload(volume, resume, entry.path);
  }
}

/**
 * At start-up, before downloads begin: discards every partial file that no journal entry
 * names at its version, and forgets every entry whose partial file is gone (nothing is left
 * to resume). Resolves with how many of each.
 */
export async function reconcilePartials(
  volume: Pick<Volume, 'partials'>,
  resume: { readonly folder: FolderId; readonly journal: Pick<Store, 'journal' | 'deleteJournal'> },
): Promise<{ readonly discarded: number; readonly forgotten: number }> {
  const entries = await resume.journal.journal(resume.folder);
  const wanted = new Map(entries.map((entry) => [entry.path, toHex(entry.hash)]));
  const kept = new Set<string>();
  let discarded = 0;
  if (volume.partials) {
    for await (const partial of volume.partials()) {
      if (wanted.get(partial.path) === partial.key) {
        kept.add(partial.path);
      } else {
        await partial.discard();
        discarded++;
      }
    }
  }
  let forgotten = 0;
  for (const entry of entries) {
    if (kept.has(entry.path)) continue;
    await resume.journal.deleteJournal(resume.folder, entry.path);
    forgotten++;
  }
  return { discarded, forgotten };
}

/** A partial file longer than its record: something else wrote into it. */
export class PartialSizeError extends Error {
  override readonly name = 'PartialSizeError';
  constructor(
    readonly path: string,
    readonly actual: number,
    readonly expected: number,
  ) {
    super(
      `the partial download of "${path}" holds ${actual} bytes, not ${expected}; it was discarded and the file will be fetched again`,
    );
  }
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Which chunks are on disk, and the journal kept in step with them (invariant 1). */
class Progress {
  readonly #resume: CommitResume;
  readonly #record: FileRecord;
  readonly #onProgress: CommitOptions['onProgress'];
  readonly #every: { readonly chunks: number; readonly bytes: number };
  /** MISSING, CLAIMED or DONE, per chunk. */
  readonly #state: Uint8Array;
  #bytesDone = 0;
  #unsavedChunks = 0;
  #unsavedBytes = 0;
  /** Journal writes run one after another, so an older state never lands last. */
  #saving: Promise<void> = Promise.resolve();

  constructor(resume: CommitResume, record: FileRecord, claimed: readonly number[], options: CommitOptions) {
    this.#resume = resume;
    this.#record = record;
    this.#onProgress = options.onProgress;
    const count = record.chunks.length;
    // Given: as given. Default: also no more often than 1/MAX_SAVES of the file.
    this.#every = {
      chunks: Math.max(1, options.journalEvery?.chunks ?? Math.max(DEFAULT_EVERY.chunks, count / MAX_SAVES)),
      bytes: Math.max(
        1,
        options.journalEvery?.bytes ?? Math.max(DEFAULT_EVERY.bytes, record.size / MAX_SAVES),
      ),
    };
    this.#state = new Uint8Array(count);
    for (const i of claimed) if (Number.isInteger(i) && i >= 0 && i < count) this.#state[i] = CLAIMED;
  }

  /** The chunks the journal claims, to read back, in order. */
  claimed(): number[] {
    return this.#indexes((state) => state === CLAIMED);
  }

  /** The chunks not on disk, in order. */
  missing(): number[] {
    return this.#indexes((state) => state === MISSING);
  }

  /** A claimed chunk read back intact. */
  kept(index: number, bytes: number): void {
    this.#state[index] = DONE;
    this.#advance(bytes);
  }

  /** A claimed chunk that did not read back intact: to be fetched again. */
  lost(index: number): void {
    this.#state[index] = MISSING;
  }

  /** A chunk newly written; journaled with the next batch. */
  wrote(index: number, bytes: number): void {
    this.#state[index] = DONE;
    this.#advance(bytes);
    this.#unsavedChunks++;
    this.#unsavedBytes += bytes;
    if (this.#unsavedChunks >= this.#every.chunks || this.#unsavedBytes >= this.#every.bytes) {
      void this.flush();
    }
  }

  /** Journals what is on disk now (and what is claimed and not yet found bad). */
  flush(): Promise<void> {
    this.#unsavedChunks = 0;
    this.#unsavedBytes = 0;
    const { path, hash, size } = this.#record;
    const chunksDone = this.#indexes((state) => state !== MISSING);
    const entry: JournalEntry = { folder: this.#resume.folder, path, hash, size, chunksDone };
    return this.#then(() => this.#resume.journal.putJournal(entry));
  }

  /** The download is over (committed, or discarded): its entry goes, after any pending write. */
  finish(): Promise<void> {
    return this.#then(() => this.#resume.journal.deleteJournal(this.#resume.folder, this.#record.path));
  }

  #indexes(which: (state: number) => boolean): number[] {
    const out: number[] = [];
    this.#state.forEach((state, i) => {
      if (which(state)) out.push(i);
    });
    return out;
  }

  #then(write: () => Promise<void>): Promise<void> {
    this.#saving = this.#saving.then(write).catch(() => undefined); // invariant 5
    return this.#saving;
  }

  #advance(bytes: number): void {
    this.#bytesDone += bytes;
    const { path, size } = this.#record;
    this.#onProgress?.({ path, bytesDone: this.#bytesDone, bytesTotal: size });
  }
}

function isVersion(entry: JournalEntry, record: FileRecord): boolean {
  return entry.size === record.size && equalBytes(entry.hash, record.hash);
}

function chunkOffsets(record: FileRecord): number[] {
  const offsets: number[] = [];
  let offset = 0;
  for (const chunk of record.chunks) {
    offsets.push(offset);
    offset += chunk.size;
  }
  return offsets;
}

/**
 * Runs `work` on each item, `width` at a time. After the first failure it starts no more,
 * lets those running finish (their chunks still count), then rejects with that failure.
 */
async function forEachPooled<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (failure) throw failure.error;
}
