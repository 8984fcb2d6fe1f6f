/**
 * Where this device already has each chunk (DESIGN.md, "Sync" step 4): chunk hash → the
 * local files and offsets that hold it, built from the local records and kept current one
 * record at a time. The transfer step asks it for a wishlist: which chunks of a wanted
 * record can be copied from a local file, and which must be fetched from a peer.
 *
 * The index believes the records, not the disk: a file edited since its last scan may no
 * longer hold what its record says. Whoever reads a location verifies the bytes (commit.ts
 * does, and falls back to fetching).
 */
import { toHex } from '../content/bytes.ts';
import type { ChunkRef, FileRecord } from '../model/fileRecord.ts';

/** A chunk's place in a local file. */
export interface ChunkLocation {
  readonly path: string;
  readonly offset: number;
  readonly size: number;
}

/** One chunk of a wanted record: copy it from a local file, or fetch it. */
export type WishlistEntry =
  | { readonly chunk: ChunkRef; readonly local: ChunkLocation }
  | { readonly chunk: ChunkRef; readonly missing: true };

export interface Wishlist {
  /** One entry per chunk of the record, in order. */
  readonly entries: readonly WishlistEntry[];
  /** Bytes and chunks to fetch from peers. */
  readonly fetchBytes: number;
  readonly fetchChunks: number;
  /** Bytes and chunks to copy from local files. */
  readonly reusedBytes: number;
  readonly reusedChunks: number;
}

export class ChunkIndex {
  /** Chunk hash (hex) → its locations, oldest first. */
  readonly #byHash = new Map<string, ChunkLocation[]>();
  /** Path → the chunk hashes (hex) its record added, so `remove` finds them again. */
  readonly #byPath = new Map<string, readonly string[]>();

  /** An index of the live local records (tombstones hold no chunks). */
  static fromRecords(records: Iterable<FileRecord>): ChunkIndex {
    const index = new ChunkIndex();
    for (const record of records) index.add(record);
    return index;
  }

  /**
   * Records `record` as what is now at its path, replacing what the index knew of that path.
   * A tombstone only removes.
   */
  add(record: FileRecord): void {
    this.remove(record.path);
    if (record.deleted || record.chunks.length === 0) return;
    const keys: string[] = [];
    let offset = 0;
    for (const chunk of record.chunks) {
      const key = toHex(chunk.hash);
      keys.push(key);
      const location: ChunkLocation = { path: record.path, offset, size: chunk.size };
      const locations = this.#byHash.get(key);
      if (locations) locations.push(location);
      else this.#byHash.set(key, [location]);
      offset += chunk.size;
    }
    this.#byPath.set(record.path, keys);
  }

  /** Forgets the chunks of `path` (deleted, replaced, or about to be rewritten). */
  remove(path: string): void {
    const keys = this.#byPath.get(path);
    if (!keys) return;
    this.#byPath.delete(path);
    for (const key of new Set(keys)) {
      const rest = (this.#byHash.get(key) ?? []).filter((l) => l.path !== path);
      if (rest.length > 0) this.#byHash.set(key, rest);
      else this.#byHash.delete(key);
    }
  }

  /** Every local place holding the chunk with this hash; empty when there is none. */
  locate(hash: Uint8Array): readonly ChunkLocation[] {
    return this.#byHash.get(toHex(hash)) ?? [];
  }

  /** Distinct chunk hashes known. */
  get size(): number {
    return this.#byHash.size;
  }

  /** For each chunk of `record`: a local place that holds it, or `missing`; plus totals. */
  wishlist(record: FileRecord): Wishlist {
    let fetchBytes = 0;
    let fetchChunks = 0;
    let reusedBytes = 0;
    let reusedChunks = 0;
    const entries = record.chunks.map((chunk): WishlistEntry => {
      const local = this.locate(chunk.hash).find((l) => l.size === chunk.size);
      if (local) {
        reusedBytes += chunk.size;
        reusedChunks++;
        return { chunk, local };
      }
      fetchBytes += chunk.size;
      fetchChunks++;
      return { chunk, missing: true };
    });
    return { entries, fetchBytes, fetchChunks, reusedBytes, reusedChunks };
  }
}
