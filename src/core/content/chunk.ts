/**
 * One pass over a file: FastCDC boundaries, the SHA-256 of every chunk, and the file hash
 * built from the chunk hashes. Memory stays bounded whatever the file size: one read
 * window, the bytes carried over between windows, and at most `inFlight` chunks whose
 * hashes are still being computed (WebCrypto hashes off-thread, so chunking the next
 * bytes overlaps hashing the last ones).
 */
import { windows, type ByteSource } from './byteSource.ts';
import { FastCdc } from './fastcdc.ts';
import { FileHashBuilder, webCryptoSha256, type Sha256 } from './hash.ts';

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
  let carry: Uint8Array = EMPTY; // bytes after the last cut, fewer than maxSize
  let offset = 0; // file offset of carry[0]
  let read = 0;

  for await (const bytes of windows(source, windowSize)) {
    read += bytes.length;
    const last = read === source.size;
    // A chunk that starts in the carry ends within maxSize bytes, so the carry is joined to
    // the head of this window only (a copy of at most 512 KiB), never to the whole window.
    // Chunks may start in the first segment before `limit`, then continue in the window.
    const segments: [Uint8Array, number][] = [[bytes, bytes.length]];
    if (carry.length > 0) segments.unshift([concat(carry, bytes.subarray(0, maxSize)), carry.length]);
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
        // Too few bytes for a certain cut: keep them for the next window.
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
  const fileHash = await FileHashBuilder.create();
  const chunks: Chunk[] = [];
  for await (const chunk of chunkSource(source, options)) {
    fileHash.add(chunk.hash);
    chunks.push(chunk);
  }
  return { size: source.size, hash: fileHash.finish(), chunks };
}

async function settle(p: { offset: number; size: number; hash: Promise<Uint8Array> }): Promise<Chunk> {
  return { offset: p.offset, size: p.size, hash: await p.hash };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
