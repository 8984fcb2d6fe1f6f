/**
 * The commit (DESIGN.md, "Sync" step 5): writes a wanted record's content at its path, from
 * chunks copied out of local files where the wishlist found them and fetched from peers
 * where it did not.
 *
 * Invariants:
 *
 * 1. A record is checked before anything is read or written: not a tombstone, chunk sizes
 *    adding up to its size, and its file hash equal to SHA-256 of its chunk hashes. A
 *    record that does not add up is refused (`InvalidRecordError`).
 * 2. Every chunk is verified before it reaches the volume: its length and SHA-256 equal the
 *    chunk's. With (1), the bytes written hash to the record's file hash, so the whole-file
 *    check holds before the write can complete.
 * 3. A local chunk that cannot be read or fails verification (its file changed since it was
 *    indexed) is fetched instead. A fetched chunk that fails is fetched again, up to
 *    `fetchAttempts` times in all (the transfer layer may ask another peer each time, see
 *    `attempt`); then the commit fails with the last error.
 * 4. Any failure makes the chunk stream throw, so the volume discards its temporary file and
 *    the target stays as it was. The volume compares the target with `expect` just before
 *    replacing it; a mismatch is `changed-meanwhile`, which the engine turns into a
 *    conflict, never an overwrite.
 * 5. Outcomes are data (`CommitResult`), never exceptions; one chunk at a time is held,
 *    plus at most `inFlight` being read or fetched ahead.
 * 6. With `deps.resume` and a volume that keeps partial files, a record of several chunks
 *    goes through a partial file and the journal instead, so a disconnect or a restart
 *    costs only the chunks not yet on disk (resumableCommit.ts); (1) to (5) hold there too,
 *    except that a failed download keeps its partial file for the next attempt.
 */
import { concatBytes, equalBytes, toHex } from '../content/bytes.ts';
import { webCryptoSha256, type Sha256 } from '../content/hash.ts';
import type { ChunkRef, FileRecord } from '../model/fileRecord.ts';
import type { FolderId, Store } from '../../ports/Store.ts';
import {
  ChangedMeanwhileError,
  VolumeUnavailableError,
  type Expectation,
  type FileSource,
  type Volume,
  type VolumeEntry,
} from '../../ports/Volume.ts';
import type { ChunkLocation, Wishlist } from './chunkIndex.ts';
import { asError, commitResumable, dropOtherVersion } from './resumableCommit.ts';

export { abandonDownload, abandonUnwanted, PartialSizeError, reconcilePartials } from './resumableCommit.ts';

/**
 * Fetches one chunk of the record being committed from a peer (the transfer layer).
 * `attempt` counts from 0; a retry may ask another peer. The bytes are verified here.
 */
export type FetchChunk = (chunk: ChunkRef, index: number, attempt: number) => Promise<Uint8Array>;

export interface CommitProgress {
  readonly path: string;
  /** Bytes verified and handed to the volume so far. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

/** Where a resumable commit journals its progress (DESIGN.md, Sync step 5). */
export interface CommitResume {
  /** The folder the volume holds: journal entries are per folder. */
  readonly folder: FolderId;
  readonly journal: Pick<Store, 'getJournal' | 'putJournal' | 'deleteJournal'>;
}

/** What the commit needs, and nothing more. */
export interface CommitDeps {
  /** `openPartial` is used only with `resume`. */
  readonly volume: Pick<Volume, 'source' | 'writeAtomically' | 'openPartial'>;
  readonly fetchChunk: FetchChunk;
  /** Default: WebCrypto. */
  readonly sha256?: Sha256;
  /** Keep and journal partial downloads so that a later commit resumes them (invariant 6). */
  readonly resume?: CommitResume;
}

export interface CommitPlan {
  /** The wanted record; its content is written at `record.path`. */
  readonly record: FileRecord;
  /** What the planner saw at the path: the write only replaces exactly that. */
  readonly expect: Expectation;
  /** Where each chunk comes from (`ChunkIndex.wishlist(record)`); absent: fetch them all. */
  readonly wishlist?: Wishlist;
}

export interface CommitOptions {
  /** Tries per fetched chunk before giving up. Default 3. */
  readonly fetchAttempts?: number;
  /** Chunks read or fetched ahead of the one being written. Default 16 (about 1 MiB). */
  readonly inFlight?: number;
  /** Called after each chunk is handed to the volume (or found intact in a partial file). */
  readonly onProgress?: (progress: CommitProgress) => void;
  /**
   * With `resume`: progress is journaled once this many chunks, or bytes, were written
   * since the last time, whichever comes first; and when the commit stops. A crash loses
   * at most that much. Default 64 chunks or 4 MiB, or 1/128 of the file if more (each
   * journal entry lists every chunk done, so a big file is journaled ~128 times at most).
   */
  readonly journalEvery?: { readonly chunks?: number; readonly bytes?: number };
}

export interface CommitStats {
  readonly fetchedChunks: number;
  readonly fetchedBytes: number;
  readonly reusedChunks: number;
  readonly reusedBytes: number;
  /** Found intact in the partial file an earlier attempt left (re-verified, not fetched). */
  readonly resumedChunks: number;
  readonly resumedBytes: number;
}

type Counters = { -readonly [K in keyof CommitStats]: number };

export type CommitResult =
  | { readonly status: 'committed'; readonly entry: VolumeEntry; readonly stats: CommitStats }
  /** The target no longer matched `expect`: it is untouched, the engine makes a conflict. */
  | { readonly status: 'changed-meanwhile' }
  /** Target untouched. `VolumeUnavailableError` means: pause the folder. */
  | { readonly status: 'failed'; readonly error: Error };

/** A chunk's bytes did not match its hash (or size): from a bad peer, or a changed file. */
export class ChunkVerificationError extends Error {
  override readonly name = 'ChunkVerificationError';
  constructor(
    readonly path: string,
    readonly index: number,
    /** Hex of the chunk hash the record names. */
    readonly expected: string,
    /** Hex of the hash of the bytes received. */
    readonly actual: string,
    options?: ErrorOptions,
  ) {
    super(
      `chunk ${index} of "${path}" does not match its hash (expected ${expected.slice(0, 16)}…, got ${actual.slice(0, 16)}…); it will be fetched again`,
      options,
    );
  }
}

/** A record whose own fields disagree: refused before anything is written. */
export class InvalidRecordError extends Error {
  override readonly name = 'InvalidRecordError';
  constructor(
    readonly path: string,
    readonly why: 'tombstone' | 'size-mismatch' | 'hash-mismatch' | 'wishlist-mismatch',
  ) {
    super(`the record for "${path}" cannot be committed: ${why}; the peer sent an inconsistent record`);
  }
}

/** Writes `plan.record`'s content at its path (see the invariants above). */
export async function commitFile(
  deps: CommitDeps,
  plan: CommitPlan,
  options: CommitOptions = {},
): Promise<CommitResult> {
  const sha256 = deps.sha256 ?? webCryptoSha256;
  const { record } = plan;
  const refused = await checkRecord(record, plan.wishlist, sha256);
  if (refused) return { status: 'failed', error: refused };

  const stats: Counters = {
    fetchedChunks: 0,
    fetchedBytes: 0,
    reusedChunks: 0,
    reusedBytes: 0,
    resumedChunks: 0,
    resumedBytes: 0,
  };
  const supply = new ChunkSupply(deps, plan, options, sha256, stats);
  const { resume } = deps;
  const openPartial = deps.volume.openPartial?.bind(deps.volume);
  if (resume && openPartial) {
    if (record.chunks.length > 1) {
      return commitResumable({ openPartial, resume }, plan, options, supply, stats);
    }
    await dropOtherVersion({ openPartial, resume }, record.path);
  }
  try {
    const entry = await deps.volume.writeAtomically(
      record.path,
      assemble(plan, options, supply),
      plan.expect,
    );
    return { status: 'committed', entry, stats };
  } catch (error) {
    if (error instanceof ChangedMeanwhileError && error.path === record.path) {
      return { status: 'changed-meanwhile' };
    }
    return { status: 'failed', error: asError(error) };
  }
}

async function checkRecord(
  record: FileRecord,
  wishlist: Wishlist | undefined,
  sha256: Sha256,
): Promise<InvalidRecordError | undefined> {
  if (record.deleted) return new InvalidRecordError(record.path, 'tombstone');
  if (record.chunks.reduce((n, c) => n + c.size, 0) !== record.size) {
    return new InvalidRecordError(record.path, 'size-mismatch');
  }
  const fileHash = await sha256(concatBytes(record.chunks.map((c) => c.hash)));
  if (!equalBytes(fileHash, record.hash)) return new InvalidRecordError(record.path, 'hash-mismatch');
  if (
    wishlist &&
    (wishlist.entries.length !== record.chunks.length ||
      wishlist.entries.some((e, i) => !equalBytes(e.chunk.hash, record.chunks[i]!.hash)))
  ) {
    return new InvalidRecordError(record.path, 'wishlist-mismatch');
  }
  return undefined;
}

/** The verified chunks of one commit, in order, at most `inFlight` read or fetched ahead. */
async function* assemble(
  plan: CommitPlan,
  options: CommitOptions,
  supply: ChunkSupply,
): AsyncGenerator<Uint8Array> {
  const { record } = plan;
  const inFlight = Math.max(1, options.inFlight ?? 16);
  const pending: Promise<Uint8Array>[] = [];
  let next = 0;
  let bytesDone = 0;
  const refill = () => {
    while (next < record.chunks.length && pending.length < inFlight) {
      const p = supply.get(next++);
      p.catch(() => undefined); // awaited in order below; never an unhandled rejection
      pending.push(p);
    }
  };
  refill();
  while (pending.length > 0) {
    const bytes = await pending.shift()!;
    refill();
    yield bytes;
    bytesDone += bytes.length;
    options.onProgress?.({ path: record.path, bytesDone, bytesTotal: record.size });
  }
}

/** Verified chunks of one record: from their local place if that still holds them, else fetched. */
class ChunkSupply {
  readonly #sources = new Map<string, Promise<FileSource>>();
  /** The last block read ahead from each local file (`#blockFor`). */
  readonly #blocks = new Map<string, Block>();
  readonly #attempts: number;

  constructor(
    private readonly deps: CommitDeps,
    private readonly plan: CommitPlan,
    options: CommitOptions,
    private readonly sha256: Sha256,
    private readonly stats: Counters,
  ) {
    this.#attempts = Math.max(1, options.fetchAttempts ?? 3);
  }

  /** Chunk `index`, verified (invariants 2 and 3). */
  async get(index: number): Promise<Uint8Array> {
    const chunk = this.plan.record.chunks[index]!;
    const entry = this.plan.wishlist?.entries[index];
    if (entry && 'local' in entry) {
      const bytes = await this.#readLocal(index, entry.local);
      if (bytes && (await this.verify(bytes, index)) === undefined) {
        this.stats.reusedChunks++;
        this.stats.reusedBytes += bytes.length;
        return bytes;
      }
    }
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      let bytes: Uint8Array;
      try {
        bytes = await this.deps.fetchChunk(chunk, index, attempt);
      } catch (error) {
        lastError = asError(error);
        continue;
      }
      lastError = await this.verify(bytes, index);
      if (lastError === undefined) {
        this.stats.fetchedChunks++;
        this.stats.fetchedBytes += bytes.length;
        return bytes;
      }
    }
    throw lastError!;
  }

  /** Whether `bytes` are chunk `index` of the record: `undefined` if so, else the error. */
  async verify(bytes: Uint8Array, index: number): Promise<ChunkVerificationError | undefined> {
    const chunk: ChunkRef = this.plan.record.chunks[index]!;
    const actual = await this.sha256(bytes);
    if (bytes.length === chunk.size && equalBytes(actual, chunk.hash)) return undefined;
    return new ChunkVerificationError(this.plan.record.path, index, toHex(chunk.hash), toHex(actual));
  }

  /**
   * The bytes at `at` (chunk `index`'s local place), or `undefined` when they cannot be
   * read (the file changed or went).
   */
  async #readLocal(index: number, at: ChunkLocation): Promise<Uint8Array | undefined> {
    try {
      let source = this.#sources.get(at.path);
      if (!source) {
        source = this.deps.volume.source(at.path);
        this.#sources.set(at.path, source);
      }
      const opened = await source;
      const block = this.#blockFor(index, at, opened);
      const bytes = await block.bytes.catch(() => undefined);
      const from = at.offset - block.start;
      if (bytes && from + at.size <= bytes.length) return bytes.slice(from, from + at.size);
      // The block could not be read whole: this chunk alone may still be.
      return await opened.read(at.offset, at.size);
    } catch (error) {
      // The folder itself is gone: fetching would only fail at the write.
      if (error instanceof VolumeUnavailableError) throw error;
      return undefined;
    }
  }

  /**
   * The block of `at.path` that holds `at`, read once for the chunks in it: chunk `index`
   * and the ones after it that the wishlist finds right behind it in the same file, up to
   * `READ_AHEAD` bytes. Chunks are asked for in order, and one read costs far less than a
   * read per chunk (each a round trip to the browser's file system); nothing is read that
   * no chunk needs.
   */
  #blockFor(index: number, at: ChunkLocation, source: FileSource): Block {
    const cached = this.#blocks.get(at.path);
    if (cached && at.offset >= cached.start && at.offset + at.size <= cached.end) return cached;
    const entries = this.plan.wishlist?.entries ?? [];
    let end = at.offset + at.size;
    for (let next = index + 1; next < entries.length; next++) {
      const entry = entries[next]!;
      if (!('local' in entry)) break;
      const { path, offset, size } = entry.local;
      if (path !== at.path || offset !== end || end + size - at.offset > READ_AHEAD) break;
      end += size;
    }
    end = Math.min(end, source.size);
    const bytes = source.read(at.offset, Math.max(0, end - at.offset));
    bytes.catch(() => undefined); // awaited by each chunk in it; never an unhandled rejection
    const block = { start: at.offset, end, bytes };
    this.#blocks.set(at.path, block);
    return block;
  }
}

/** Bytes read ahead from a local file for the chunks reused from it. */
const READ_AHEAD = 4 * 1024 * 1024;

interface Block {
  readonly start: number;
  readonly end: number;
  readonly bytes: Promise<Uint8Array>;
}
