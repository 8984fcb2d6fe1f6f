/**
 * Chunks or an rsync delta for one wanted record, and a delta's result handed to
 * commitFile as chunks (DESIGN.md, "Sync" step 4: "for small edited files whose chunks
 * changed, an rsync delta against the local old version may cost fewer bytes: pick
 * whichever sends less").
 *
 * The engine: if `chooseTransfer` says `delta`, `bytes = (await deltaFetcher.fetch(…)).bytes`
 * with `maxDelta: wishlist.fetchBytes`, then commitFile with `fetchChunkFromBytes(record,
 * bytes, chunkFetcher)`; on any failure, commitFile with the chunk fetcher alone.
 *
 * The rule, tuned on the "Chunk fetch or delta" table of test/bench/delta.ts:
 *
 * 1. `chunks` when there is no local old version, nothing to fetch (every chunk is already
 *    somewhere local), or the file or its old version is over `DELTA_MAX_FILE_BYTES`: both
 *    sides of a delta hold the whole file in memory.
 * 2. Otherwise `delta` when the chunk fetch would cost at least `DELTA_MIN_GAIN` times the
 *    delta's fixed cost (`deltaOverhead`: the sums of the old version and the messages of
 *    every round), else `chunks`.
 *
 * A delta's literal bytes are not known before it is made. The engine therefore passes the
 * wishlist's fetch bytes as the fetch's `maxDelta`: a server whose delta would send more
 * answers `too-large`, and the engine fetches the chunks having spent only the sums.
 *
 * Measured (wire bytes both ways, every message encoded; `npm run bench`): for 100 bytes
 * inserted or 4 KiB overwritten in 4 KiB – 4 MiB files the delta sends 1.6–10 % of the
 * chunk fetch's bytes (27 % for 4 KiB files; 26 % where the overwrite changed one 23 KiB
 * chunk), in 3–4 round trips where chunks take one. 1,000 scattered 1-byte changes: 26 %
 * (1 MiB) and 5 % (4 MiB). A delta tried and refused cost 0.1 % more than the chunks alone
 * (1 MiB appended) to 7 % (64 KiB rewritten). A 1 KiB file is left to chunks: its delta
 * would not be smaller. The estimate is within 15 % of the measured fixed cost (a little under).
 */
import { strongLengthFor } from '../content/rsync/params.ts';
import { coarseBlockSizeFor, subBlockSizeOf } from '../content/rsync/refineGeometry.ts';
import type { Wishlist } from '../engine/chunkIndex.ts';
import type { FetchChunk } from '../engine/commit.ts';
import type { FileRecord } from '../model/fileRecord.ts';

/** Largest file (and old version) sent as a delta: both sides hold it whole in memory. */
export const DELTA_MAX_FILE_BYTES = 8 * 1024 * 1024;

/**
 * A delta is tried only when the chunks would cost this many times its fixed cost: a wrong
 * guess then costs at most a quarter more than the chunks, and the extra round trips buy a
 * real saving.
 */
export const DELTA_MIN_GAIN = 4;

/** Wire bytes of a `refine` message around its payload, besides the path (measured: 92). */
const REFINE_FRAMING = 92;
/** What the opening message adds: the wanted hash and `maxDelta` (measured: 53). */
const OPENING_FIELDS = 53;
/** Wire bytes of a `request` and its `chunk` answer around the chunk, besides the path (measured: 160). */
const CHUNK_FRAMING = 160;
/** A refinement message's own header (about 8), or a delta's header and trailer (about 45). */
const PAYLOAD_HEADER = 24;
/** Sub-block sums one edited region costs per round: 8 sub-blocks of 4 + ~3 bytes. */
const REGION_SUMS_PER_ROUND = 8 * 7;

export type TransferChoice = 'chunks' | 'delta';

/**
 * How to get `record`'s missing chunks: `delta` against the local old version of
 * `baseSize` bytes (undefined: there is none), or `chunks` (the rule above).
 */
export function chooseTransfer(
  record: FileRecord,
  wishlist: Pick<Wishlist, 'fetchBytes' | 'fetchChunks'>,
  baseSize: number | undefined,
): TransferChoice {
  if (baseSize === undefined || record.deleted || wishlist.fetchBytes === 0) return 'chunks';
  if (record.size > DELTA_MAX_FILE_BYTES || baseSize > DELTA_MAX_FILE_BYTES) return 'chunks';
  const pathBytes = new TextEncoder().encode(record.path).length;
  const chunkCost = wishlist.fetchBytes + wishlist.fetchChunks * (CHUNK_FRAMING + pathBytes);
  return chunkCost >= DELTA_MIN_GAIN * deltaOverhead(baseSize, pathBytes) ? 'delta' : 'chunks';
}

/**
 * Estimated bytes a delta against an old version of `baseSize` bytes costs besides its
 * literal bytes, for one edited region: the coarse sums, then per round the WANT, the
 * sub-block sums of the region and both messages' framing (`pathBytes` is in each).
 */
export function deltaOverhead(baseSize: number, pathBytes = 0): number {
  const coarse = coarseBlockSizeFor(baseSize);
  const blocks = Math.ceil(baseSize / coarse);
  const message = REFINE_FRAMING + pathBytes + PAYLOAD_HEADER;
  let bytes = message + OPENING_FIELDS + blocks * (4 + strongLengthFor(baseSize, coarse));
  // Each further round: a WANT and the SUBSIGS answering it. The last answer is the delta.
  for (let block = coarse; subBlockSizeOf(block, 64) > 0; block = subBlockSizeOf(block, 64)) {
    bytes += 2 * message + REGION_SUMS_PER_ROUND;
  }
  return bytes + message;
}

/**
 * commitFile's `FetchChunk` over a fetched file's `bytes`: chunk `index` is the slice at
 * its offset in `record`. If commitFile refuses a slice, the retry (`attempt` ≥ 1) goes to
 * `fallback` (as its attempt − 1), or fails without one.
 */
export function fetchChunkFromBytes(
  record: FileRecord,
  bytes: Uint8Array,
  fallback?: FetchChunk,
): FetchChunk {
  const offsets: number[] = [];
  let offset = 0;
  for (const chunk of record.chunks) {
    offsets.push(offset);
    offset += chunk.size;
  }
  return async (chunk, index, attempt) => {
    const at = offsets[index];
    if (at === undefined) throw new RangeError(`"${record.path}" has no chunk ${index}`);
    if (attempt > 0) {
      if (fallback) return fallback(chunk, index, attempt - 1);
      throw new Error(
        `chunk ${index} of "${record.path}" from the delta was refused, and there is no fallback`,
      );
    }
    return bytes.subarray(at, at + chunk.size);
  };
}
