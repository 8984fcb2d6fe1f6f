/**
 * Answers peers' `request` messages with chunks of the folders this device serves them.
 *
 * Invariants:
 *
 * 1. Every request gets exactly one answer with its id: `chunk` with exactly `size` bytes
 *    whose SHA-256 is the requested hash, or `error`. The hash is taken from this device's
 *    index when the file is still at the disk stat the scan hashed it at and the index has
 *    that chunk at that offset (`indexed`); else the bytes are hashed now. The scan trusts
 *    the same stat, and the receiver verifies every chunk whatever the sender did, so
 *    hashing twice on the sender would only halve what it can serve. An index hash that
 *    does not match the request is not trusted to refuse it: the bytes are hashed (the
 *    file may have changed keeping its stat, and the index caught up since).
 *    - `unknown-folder`: the folder is not served to this peer;
 *    - `not-found`: no file at the path, or its bytes there no longer hash to the chunk
 *      (the file changed since the peer's index) or it is shorter now;
 *    - `busy`: this peer already has `maxReadsPerPeer` reads under way;
 *    - `generic`: the folder cannot be read now (paused, permission lost).
 * 2. Files are read as fileReads.ts says: kept open while served, in blocks where the
 *    requests run in order.
 * 3. Nothing a request does throws into the transport: every failure becomes an answer,
 *    and a failed send (the connection closed) is dropped.
 */
import { equalBytes } from '../content/bytes.ts';
import { webCryptoSha256, type Sha256 } from '../content/hash.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import type { ChunkRequest } from '../protocol/messages.ts';
import type { ChunkRef } from '../model/fileRecord.ts';
import {
  NotFoundError,
  VolumeError,
  WrongKindError,
  type FileSource,
  type Volume,
} from '../../ports/Volume.ts';
import type { Unsubscribe } from '../../ports/Transport.ts';
import { FileReads, type ServedBytes } from './fileReads.ts';
import { reasonText, type PeerChannel } from './peerChannel.ts';

/** What this device's index says of a file: the stat its scan saw and the chunks it hashed. */
export interface IndexedFile {
  readonly observed: { readonly size: number; readonly mtime: number };
  readonly chunks: readonly ChunkRef[];
}

/** A file's indexed chunks by offset, valid while the file is at `size` and `mtime`. */
interface KnownChunks {
  readonly size: number;
  readonly mtime: number;
  readonly byOffset: ReadonlyMap<number, ChunkRef>;
}

/** Files whose indexed chunks are kept at once: those being served right now. */
const KNOWN_FILES = 64;

export interface ChunkServerOptions {
  /** The volume of `folder` if it is served to `peer`, else undefined. */
  readonly volumeFor: (folder: string, peer: string) => Pick<Volume, 'source'> | undefined;
  /** Default: WebCrypto. */
  readonly sha256?: Sha256;
  /** This device's index entry for a file (invariant 1); without it every chunk is hashed. */
  readonly indexed?: (folder: string, path: string) => Promise<IndexedFile | undefined>;
  /** Reads under way for one peer before further requests are answered `busy`. Default 64, the requester's cap. */
  readonly maxReadsPerPeer?: number;
}

export class ChunkServer {
  readonly #volumeFor: ChunkServerOptions['volumeFor'];
  readonly #sha256: Sha256;
  readonly #cap: number;
  readonly #indexed: ChunkServerOptions['indexed'];
  readonly #reads = new FileReads();
  /** Folder and path → its indexed chunks, least recently used first. */
  readonly #known = new Map<string, KnownChunks>();

  constructor(options: ChunkServerOptions) {
    this.#volumeFor = options.volumeFor;
    this.#indexed = options.indexed;
    this.#sha256 = options.sha256 ?? webCryptoSha256;
    this.#cap = Math.max(1, options.maxReadsPerPeer ?? 64);
  }

  /** Answers `channel`'s requests until it closes or the returned call. */
  serve(channel: PeerChannel): Unsubscribe {
    let reading = 0;
    return channel.on('request', (request) => {
      if (reading >= this.#cap) {
        this.#reply(channel, request.id, 'busy', `${reading} reads already under way; try again later`);
        return;
      }
      reading++;
      void this.#answer(channel, request).finally(() => reading--);
    });
  }

  async #answer(channel: PeerChannel, request: ChunkRequest): Promise<void> {
    const { id, folder, path, offset } = request;
    const volume = this.#volumeFor(folder, channel.peer);
    if (!volume) {
      this.#reply(channel, id, 'unknown-folder', `folder ${folder} is not shared with you`);
      return;
    }
    let bytes: Uint8Array | undefined;
    // Twice at most: a file kept open may be an older version than the one asked for.
    for (let attempt = 0; bytes === undefined && attempt < 2; attempt++) {
      let served: ServedBytes;
      try {
        served = await this.#reads.read(volume, request);
      } catch (error) {
        const gone = error instanceof NotFoundError || error instanceof WrongKindError;
        const changed = error instanceof VolumeError && error.code === 'changed-meanwhile';
        if (gone || changed)
          this.#reply(channel, id, 'not-found', `"${path}" is not here (${errorText(error)})`);
        else this.#reply(channel, id, 'generic', `cannot read "${path}" now: ${errorText(error)}`);
        return;
      }
      try {
        if (await this.#matches(request, served)) bytes = served.bytes;
        else if (served.fresh) break;
        else this.#reads.forget(folder, path);
      } catch (error) {
        this.#reply(channel, id, 'generic', `cannot hash the chunk: ${errorText(error)}`);
        return;
      }
    }
    if (bytes === undefined) {
      this.#reply(channel, id, 'not-found', `"${path}" changed: no such chunk at ${offset} any more`);
      return;
    }
    channel.send({ kind: 'chunk', id, data: bytes }).catch((error: unknown) => {
      // Too large for this connection, say: the request still gets its one answer.
      if (!channel.closed) this.#reply(channel, id, 'generic', `cannot send the chunk: ${errorText(error)}`);
    });
  }

  /** True when `served` holds the chunk `request` asks for (invariant 1). */
  async #matches(request: ChunkRequest, { source, bytes }: ServedBytes): Promise<boolean> {
    const { folder, path, offset, size } = request;
    if (bytes.length !== size) return false;
    const known = await this.#knownChunk(folder, path, source, offset);
    const trusted = known?.size === size && equalBytes(known.hash, request.hash);
    // The index may be older than the file (a write that kept its stat): the bytes decide.
    if (!trusted && known !== undefined) this.#known.delete(knownKey(folder, path));
    return trusted || equalBytes(await this.#sha256(bytes), request.hash);
  }

  /** The chunk the index has at `offset`, if the file is still as the scan hashed it. */
  async #knownChunk(
    folder: string,
    path: string,
    source: FileSource,
    offset: number,
  ): Promise<ChunkRef | undefined> {
    if (!this.#indexed) return undefined;
    const key = knownKey(folder, path);
    let known = this.#known.get(key);
    this.#known.delete(key);
    if (known?.size !== source.size || known.mtime !== source.mtime) {
      const file = await this.#indexed(folder, path).catch(() => undefined);
      if (file === undefined) return undefined;
      const byOffset = new Map<number, ChunkRef>();
      let at = 0;
      for (const chunk of file.chunks) {
        byOffset.set(at, chunk);
        at += chunk.size;
      }
      known = { ...file.observed, byOffset };
      if (known.size !== source.size || known.mtime !== source.mtime) return undefined;
    }
    this.#known.set(key, known);
    if (this.#known.size > KNOWN_FILES) this.#known.delete(this.#known.keys().next().value!);
    return known.byOffset.get(offset);
  }

  #reply(channel: PeerChannel, id: number, code: ErrorCode, message: string): void {
    channel.send({ kind: 'error', id, code, message: reasonText(message) }).catch(() => undefined);
  }
}

function knownKey(folder: string, path: string): string {
  return `${folder}\u0000${path}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
