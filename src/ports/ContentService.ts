/**
 * ContentService: chunking and hashing of file contents, off the main thread.
 *
 * The engine (scan) and the UI call it with the files they hold; an adapter decides where
 * the work runs (a pool of Web Workers in the browser, in-process in tests). Results use
 * the core's `FileDigest` shape — FastCDC chunks, SHA-256 per chunk, and the file hash
 * built from the chunk hashes (see core/content/hash.ts) — so a digest made here equals
 * one made by `digestSource` anywhere else, byte for byte.
 *
 * Hashes are `Uint8Array`s. An adapter may hand back views into one shared buffer; a
 * caller that keeps a hash longer than the digest should copy it.
 */
import type { FileDigest } from '../core/content/chunk.ts';

/** What can be hashed: a `Blob` (a browser `File` is one; Node ≥ 18 has `Blob` too). */
export type ContentSource = Blob;

/** A digest, with where and how long it took (for the UI and benchmarks, never for logic). */
export interface HashedContent {
  readonly digest: FileDigest;
  /** Which worker of the pool hashed it, from 0; adapters without workers say 0. */
  readonly worker: number;
  /** Milliseconds from the start of the work (not from queueing) to the result. */
  readonly millis: number;
}

/** One file's outcome in a batch: a failure is data, so one bad file does not sink the rest. */
export type HashOutcome =
  ({ readonly ok: true } & HashedContent) | { readonly ok: false; readonly error: Error };

export interface ContentService {
  /** How many files this service hashes in parallel (e.g. its workers). */
  readonly concurrency: number;

  /**
   * Chunks and hashes one file, reading it piece by piece (never whole into memory).
   * Rejects with the platform's error when the file cannot be read, or with
   * `SourceChangedError` when it shrank while being read.
   */
  hashFile(source: ContentSource): Promise<HashedContent>;

  /**
   * Hashes many files, spread over the service's concurrency. Resolves once every file
   * has an outcome, in the order given.
   */
  hashFiles(sources: readonly ContentSource[]): Promise<HashOutcome[]>;

  /** Stops all work and frees the workers; pending calls reject. The service is dead after. */
  dispose(): void;
}
