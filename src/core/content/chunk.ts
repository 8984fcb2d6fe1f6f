/**
 * One pass over a file: FastCDC boundaries, the SHA-256 of every chunk, and the file hash
 * built from the chunk hashes. Memory stays bounded whatever the file size: one read
 * window, the bytes carried over between windows, and at most `inFlight` chunks whose
 * hashes are still being computed (Node's WebCrypto hashes on its thread pool, so there
 * chunking the next bytes overlaps hashing the last ones).
 */
import { windows, type ByteSource } from './byteSource.ts';
import { FastCdc } from './fastcdc.ts';
import { HASH_SIZE, webCryptoSha256, type Sha256 } from './hash.ts';

export interface Chunk {
  readonly offset: number;
  readonly size: number;
  /** SHA-256 of the chunk's bytes. */
  readonly hash: Uint8Array;
}

export interface FileDigest {
  readonly size: number;
  /** SHA-256 over the concatenated chunk hashes (see hash.ts). */
  readonly hash: Uint8Array;
  readonly chunks: readonly Chunk[];
}

export interface ChunkOptions {
  readonly chunker?: FastCdc;
  readonly sha256?: Sha256;
  /** Bytes read at a time; at least the maximum chunk size. Default 1 MiB. */
  readonly windowSize?: number;
  /** Chunks hashed concurrently. Default 8. */
  readonly inFlight?: number;
}

const defaultChunker = new FastCdc();
const EMPTY = new Uint8Array(0);

/** The chunks of `source`, in order, each with its hash. */
export async function* chunkSource(source: ByteSource, options: ChunkOptions = {}): AsyncGenerator<Chunk> {
  const chunker = options.chunker ?? defaultChunker;
  const sha256 = options.sha256 ?? webCryptoSha256;
  const maxSize = chunker.params.maxSize;
  const windowSize = Math.max(options.windowSize ?? 1 << 20, maxSize);
  const inFlight = Math.max(1, options.inFlight ?? 8);

  const pending: { offset: number; size: number; hash: Promise<Uint8Array> }[] = [];
  // One join buffer for the whole file: allocating large buffers per window costs Chromium
  // more than the chunking itself. Reusing it is safe because a Sha256 never keeps its input.
  const join = new Uint8Array(2 * maxSize);
  let carry: Uint8Array = EMPTY; // bytes after the last cut, fewer than maxSize
  let offset = 0; // file offset of carry[0]
  let read = 0;

  for await (const bytes of windows(source, windowSize)) {
    read += bytes.length;
    const last = read === source.size;
    // A chunk that starts in the carry ends within maxSize bytes, so the carry is joined to
    // the head of this window only (a copy of at most 512 KiB), never to all of it.
    // Chunks may start in the first segment before `limit`, then run on into the new bytes.
    const segments: [Uint8Array, number][] = [[bytes, bytes.length]];
    if (carry.length > 0) {
      const head = Math.min(bytes.length, maxSize);
      join.set(carry); // carry may be a view into join itself: set() copies overlaps safely
      join.set(bytes.subarray(0, head), carry.length);
      segments.unshift([join.subarray(0, carry.length + head), carry.length]);
    }
    carry = EMPTY;
    let pos = 0;
    for (const [buf, limit] of segments) {
      while (pos < limit && (buf.length - pos >= maxSize || last)) {
        const size = chunker.cut(buf, pos, buf.length - pos);
        pending.push({ offset: offset + pos, size, hash: sha256(buf.subarray(pos, pos + size)) });
        pos += size;
        while (pending.length >= inFlight) yield await settle(pending.shift()!);
      }
      if (pos < limit) {
        // Too few bytes for a certain cut: keep them for the next read.
        offset += pos;
        carry = buf.subarray(pos);
        break;
      }
      offset += limit;
      pos -= limit; // the last chunk may run on into the next segment
    }
  }
  while (pending.length > 0) yield await settle(pending.shift()!);
}

/** Chunks and hashes a whole source: its size, file hash and chunk list. */
export async function digestSource(source: ByteSource, options: ChunkOptions = {}): Promise<FileDigest> {
  const chunks: Chunk[] = [];
  for await (const chunk of chunkSource(source, options)) chunks.push(chunk);
  // The chunk hashes are at hand, so one SHA-256 call makes the file hash: cheaper per file
  // than an incremental hasher (a wasm instance), which only streaming callers need.
  const hashes = new Uint8Array(chunks.length * HASH_SIZE);
  chunks.forEach((chunk, i) => hashes.set(chunk.hash, i * HASH_SIZE));
  return { size: source.size, hash: await (options.sha256 ?? webCryptoSha256)(hashes), chunks };
}

async function settle(p: { offset: number; size: number; hash: Promise<Uint8Array> }): Promise<Chunk> {
  return { offset: p.offset, size: p.size, hash: await p.hash };
}
