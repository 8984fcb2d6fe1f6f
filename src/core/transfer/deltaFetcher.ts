/**
 * Fetches a small edited file as an rsync delta against the old version this device holds
 * (DESIGN.md, "Sync" step 4): the side holding OLD in core/content/rsync/refineFormat.ts.
 * deltaServer.ts has the flow; chooseTransfer.ts says when a delta is worth trying.
 *
 * Invariants:
 *
 * 1. A fetch settles once: with the new file's bytes, verified — each slice at the record's
 *    chunk offsets has that chunk's size and SHA-256, and those hashes give the record's
 *    file hash — or with `DeltaFetchError` saying why: the server's error code; `timeout`
 *    (no answer within `timeoutMs` of a send, on the Clock); `closed`; `malformed` (the
 *    server's payload was refused, and the connection closed with `malformed` too);
 *    `mismatch` (the result does not verify); `base` (the old version could not be read, or
 *    changed meanwhile); `no-peer`. The caller then fetches the chunks instead.
 * 2. At most `maxSessionsPerPeer` sessions are open on one peer (the server's default cap);
 *    more wait in order, and their time counts from their first send.
 * 3. Session ids come from `nextId`, by default counting up from 2^32. A session's failure
 *    comes back as an `error` with its id alone, as a chunk request's does, and
 *    ChunkRequester counts from 1, so the two never meet. Answers for ids not open here
 *    (late, after a timeout) are ignored; an answer while this side is still working on
 *    the last one breaks the protocol (`malformed`).
 * 4. Memory per session: the message in hand, the delta (at most `maxDelta`) and the
 *    result, which the patch may not grow past the record's size.
 */
import { bytesSource, type ByteSource } from '../content/byteSource.ts';
import { equalBytes } from '../content/bytes.ts';
import { webCryptoSha256, HASH_SIZE, type Sha256 } from '../content/hash.ts';
import {
  BaseMismatchError,
  DeltaFormatError,
  ResultMismatchError,
  RsyncFormatError,
} from '../content/rsync/errors.ts';
import { applyPatch } from '../content/rsync/patch.ts';
import type { RefineStep } from '../content/rsync/refineGeometry.ts';
import { RefineReceiver } from '../content/rsync/refineReceiver.ts';
import type { FileRecord } from '../model/fileRecord.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import { LIMITS, type Refine } from '../protocol/messages.ts';
import type { CancelTimer, Clock } from '../../ports/Clock.ts';
import type { Unsubscribe } from '../../ports/Transport.ts';
import { DELTA_MAX_FILE_BYTES } from './chooseTransfer.ts';
import type { PeerChannel } from './peerChannel.ts';

/** Why a delta fetch failed: an error code from the peer, or what happened here. */
export type DeltaFailure = ErrorCode | 'timeout' | 'closed' | 'mismatch' | 'base' | 'no-peer';

/** No delta for `path`: fetch its chunks instead. */
export class DeltaFetchError extends Error {
  override readonly name = 'DeltaFetchError';
  constructor(
    readonly folder: string,
    readonly path: string,
    /** The peer asked, if one was. */
    readonly peer: string | undefined,
    readonly failure: DeltaFailure,
    readonly detail: string,
  ) {
    super(
      `no delta for "${path}"${peer === undefined ? '' : ` from ${peer}`}: ${failure} (${detail}); its chunks will be fetched instead`,
    );
  }
}

export interface DeltaFetcherOptions {
  /** Times answers out. */
  readonly clock: Clock;
  /** How long one message may go unanswered, in ms. Default 30 000. */
  readonly timeoutMs?: number;
  /** Sessions open on one peer before more wait. Default 4 (DeltaServer's cap). */
  readonly maxSessionsPerPeer?: number;
  /** Largest file, and old version, fetched as a delta. Default DELTA_MAX_FILE_BYTES. */
  readonly maxFileBytes?: number;
  /** Default: WebCrypto. */
  readonly sha256?: Sha256;
  /** Session ids (see invariant 3). Default: 2^32, 2^32 + 1, … */
  readonly nextId?: () => number;
  /** RefineReceiver's round-0 block size factor. Default its own (16). */
  readonly coarseFactor?: number;
  /** The peers that have `record` (device IDs). Default: every connected peer. */
  readonly peersFor?: (folder: string, record: FileRecord) => Iterable<string>;
}

export interface DeltaRequest {
  readonly folder: string;
  /** The wanted version; its content comes back. */
  readonly record: FileRecord;
  /** The old version this device holds (read at the start, per round and by the patch). */
  readonly base: ByteSource;
  /** Ask this peer. Default: the least busy of `peersFor`. */
  readonly peer?: string;
  /**
   * The largest delta worth taking, in bytes: pass the wishlist's `fetchBytes`, so a delta
   * that would send more than the chunks is refused. Default and cap: the payload cap.
   */
  readonly maxDelta?: number;
}

export interface DeltaFetchResult {
  /** The wanted content, verified against the record. */
  readonly bytes: Uint8Array;
  readonly peer: string;
  /** Messages this side sent: the sums, then one per WANT answered. */
  readonly rounds: number;
  /** Refinement payload bytes each way (message framing not counted). */
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

/** One open session: the answer awaited, or why it ended early. */
class Session {
  waiting: { resolve: (payload: Uint8Array) => void; reject: (error: DeltaFetchError) => void } | undefined;
  ended: DeltaFetchError | undefined;
  cancelTimer: CancelTimer = () => {};

  constructor(
    readonly id: number,
    readonly folder: string,
    readonly path: string,
    readonly peer: string,
  ) {}

  error(failure: DeltaFailure, detail: string): DeltaFetchError {
    return new DeltaFetchError(this.folder, this.path, this.peer, failure, detail);
  }

  /** Ends the session with `error` (once); an awaited answer rejects with it. */
  end(error: DeltaFetchError): void {
    if (this.ended) return;
    this.ended = error;
    this.cancelTimer();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}

class Peer {
  readonly sessions = new Map<number, Session>();
  /** Fetches waiting for a free session. */
  readonly queue: { start: () => void; fail: (why: string) => void }[] = [];
  active = 0;
  constructor(
    readonly channel: PeerChannel,
    readonly unsubscribe: Unsubscribe,
  ) {}
  get load(): number {
    return this.active + this.queue.length;
  }
}

export class DeltaFetcher {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #cap: number;
  readonly #maxFileBytes: number;
  readonly #sha256: Sha256;
  readonly #nextId: () => number;
  readonly #coarseFactor: number | undefined;
  readonly #peersFor: DeltaFetcherOptions['peersFor'];
  /** Open peers by device ID, in the order they were added. */
  readonly #peers = new Map<string, Peer>();

  constructor(options: DeltaFetcherOptions) {
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#cap = Math.max(1, options.maxSessionsPerPeer ?? 4);
    this.#maxFileBytes = options.maxFileBytes ?? DELTA_MAX_FILE_BYTES;
    this.#sha256 = options.sha256 ?? webCryptoSha256;
    let id = 2 ** 32;
    this.#nextId = options.nextId ?? (() => id++);
    this.#coarseFactor = options.coarseFactor;
    this.#peersFor = options.peersFor;
  }

  /** Fetches from `channel`'s peer until it closes or the returned call. */
  addPeer(channel: PeerChannel): Unsubscribe {
    if (channel.closed) return () => {};
    this.removePeer(channel.peer);
    const subscriptions = [
      channel.on('refine', (m) => {
        if (m.reply) this.#answer(peer, m);
      }),
      channel.on('error', (m) => {
        const session = m.id === 0 ? undefined : peer.sessions.get(m.id);
        session?.end(session.error(m.code, m.message));
      }),
    ];
    const peer = new Peer(channel, () => subscriptions.forEach((u) => u()));
    this.#peers.set(channel.peer, peer);
    subscriptions.push(
      channel.onClose((reason) => {
        if (this.#peers.get(channel.peer) === peer)
          this.#drop(peer, `the connection closed (${reason.message})`);
      }),
    );
    return () => {
      if (this.#peers.get(channel.peer) === peer) this.#drop(peer, 'the peer was removed');
    };
  }

  /** Stops fetching from `peer`: its sessions fail with `closed`. */
  removePeer(peer: string): void {
    const p = this.#peers.get(peer);
    if (p) this.#drop(p, 'the peer was removed');
  }

  /** Sessions open and waiting on `peer`, or undefined if it is not connected. */
  load(peer: string): { readonly open: number; readonly queued: number } | undefined {
    const p = this.#peers.get(peer);
    return p && { open: p.active, queued: p.queue.length };
  }

  /** `request.record`'s content, rebuilt from a delta against `request.base` (invariant 1). */
  async fetch(request: DeltaRequest): Promise<DeltaFetchResult> {
    const { folder, record, base } = request;
    const refuse = (failure: DeltaFailure, detail: string, peer?: string) =>
      new DeltaFetchError(folder, record.path, peer, failure, detail);
    if (record.deleted) throw refuse('not-found', 'a deleted file has no content');
    if (Math.max(record.size, base.size) > this.#maxFileBytes) {
      throw refuse('too-large', `deltas are for files up to ${this.#maxFileBytes} bytes`);
    }
    const maxDelta = Math.min(request.maxDelta ?? LIMITS.opaqueBytes, LIMITS.opaqueBytes);
    if (maxDelta < 1) throw refuse('too-large', 'no delta can be smaller than nothing to fetch');
    const peer = this.#pick(request);
    if (!peer) throw refuse('no-peer', 'no connected peer has this version');
    await new Promise<void>((start, fail) => {
      peer.queue.push({ start, fail: (why) => fail(refuse('closed', why, peer.channel.peer)) });
      this.#pump(peer);
    });
    try {
      return await this.#run(peer, request, maxDelta);
    } finally {
      peer.active--;
      this.#pump(peer);
    }
  }

  /** One session: sums, rounds, then the patch and its verification. */
  async #run(peer: Peer, request: DeltaRequest, maxDelta: number): Promise<DeltaFetchResult> {
    const { folder, record, base } = request;
    const session = new Session(this.#nextId(), folder, record.path, peer.channel.peer);
    peer.sessions.set(session.id, session);
    try {
      const receiver = new RefineReceiver(base, this.#coarseFactor);
      let message = await this.#fromBase(session, () => receiver.start());
      let rounds = 0;
      let bytesSent = 0;
      let bytesReceived = 0;
      for (;;) {
        if (message.length > LIMITS.opaqueBytes) {
          throw session.error('too-large', `sums of ${message.length} bytes are over the message cap`);
        }
        const answer = await this.#exchange(peer, session, {
          kind: 'refine',
          id: session.id,
          reply: false,
          folder,
          path: record.path,
          ...(rounds === 0 ? { hash: record.hash, maxDelta } : {}),
          payload: message,
        });
        rounds++;
        bytesSent += message.length;
        bytesReceived += answer.length;
        const step: RefineStep = await this.#fromBase(session, () => receiver.receive(answer), peer);
        if (step.kind === 'done') {
          const bytes = await this.#patch(peer, session, record, base, step.delta);
          await this.#verify(session, record, bytes);
          return { bytes, peer: session.peer, rounds, bytesSent, bytesReceived };
        }
        message = step.message;
      }
    } finally {
      session.cancelTimer();
      peer.sessions.delete(session.id);
    }
  }

  /** Sends `message` and waits for the session's next answer. */
  #exchange(peer: Peer, session: Session, message: Refine): Promise<Uint8Array> {
    if (session.ended) return Promise.reject(session.ended);
    return new Promise((resolve, reject) => {
      session.waiting = { resolve, reject };
      session.cancelTimer = this.#clock.setTimer(this.#timeoutMs, () =>
        session.end(session.error('timeout', `no answer in ${this.#timeoutMs} ms`)),
      );
      peer.channel.send(message).catch((error: unknown) => {
        const failure = peer.channel.closed ? 'closed' : 'generic';
        session.end(session.error(failure, `could not send: ${errorText(error)}`));
      });
    });
  }

  /** An answer from the server: hands it to the session awaiting it. */
  #answer(peer: Peer, m: Refine): void {
    const session = peer.sessions.get(m.id);
    if (!session || session.ended) return;
    const waiting = session.waiting;
    if (!waiting || m.folder !== session.folder || m.path !== session.path) {
      session.end(session.error('malformed', 'an answer out of turn'));
      peer.channel.fail('malformed', `refinement session ${m.id}: an answer out of turn`);
      return;
    }
    session.waiting = undefined;
    session.cancelTimer();
    waiting.resolve(m.payload);
  }

  /**
   * Runs a step of the receiver: a payload it refuses breaks the protocol (when it came
   * from `peer`); a read of the old version that fails is `base`.
   */
  async #fromBase<T>(session: Session, step: () => Promise<T>, peer?: Peer): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (peer && error instanceof RsyncFormatError) {
        peer.channel.fail('malformed', `refinement session ${session.id}: ${error.message}`);
        throw session.error('malformed', error.message);
      }
      throw session.error('base', `cannot read the old version: ${errorText(error)}`);
    }
  }

  /** The old version patched by `delta`: exactly `record.size` bytes, or an error. */
  async #patch(
    peer: Peer,
    session: Session,
    record: FileRecord,
    base: ByteSource,
    delta: Uint8Array,
  ): Promise<Uint8Array> {
    const out = new Uint8Array(record.size);
    let at = 0;
    try {
      await applyPatch(base, bytesSource(delta), async (bytes) => {
        if (at + bytes.length > out.length) throw new ResultMismatchError();
        out.set(bytes, at);
        at += bytes.length;
      });
    } catch (error) {
      if (error instanceof DeltaFormatError) {
        peer.channel.fail('malformed', `refinement session ${session.id}: ${error.message}`);
        throw session.error('malformed', error.message);
      }
      if (error instanceof ResultMismatchError) throw session.error('mismatch', error.message);
      if (error instanceof BaseMismatchError) {
        throw session.error('base', 'the delta does not fit the old version (it changed meanwhile?)');
      }
      throw session.error('base', `cannot read the old version: ${errorText(error)}`);
    }
    if (at !== out.length) throw session.error('mismatch', `the delta made ${at} of ${out.length} bytes`);
    return out;
  }

  /** Checks `bytes` chunk by chunk against `record`, and the chunk hashes against its hash. */
  async #verify(session: Session, record: FileRecord, bytes: Uint8Array): Promise<void> {
    const hashes = new Uint8Array(record.chunks.length * HASH_SIZE);
    let offset = 0;
    for (const [i, chunk] of record.chunks.entries()) {
      const hash =
        offset + chunk.size <= bytes.length
          ? await this.#sha256(bytes.subarray(offset, offset + chunk.size))
          : new Uint8Array(0);
      if (!equalBytes(hash, chunk.hash)) {
        throw session.error('mismatch', `chunk ${i} does not match its hash`);
      }
      hashes.set(hash, i * HASH_SIZE);
      offset += chunk.size;
    }
    if (offset !== bytes.length || !equalBytes(await this.#sha256(hashes), record.hash)) {
      throw session.error('mismatch', 'the chunks do not make up the file hash');
    }
  }

  /** The asked peer, or the least busy open candidate. */
  #pick(request: DeltaRequest): Peer | undefined {
    if (request.peer !== undefined) {
      const peer = this.#peers.get(request.peer);
      return peer && !peer.channel.closed ? peer : undefined;
    }
    const ids = this.#peersFor ? new Set(this.#peersFor(request.folder, request.record)) : undefined;
    let best: Peer | undefined;
    for (const [id, peer] of this.#peers) {
      if ((ids && !ids.has(id)) || peer.channel.closed) continue;
      if (!best || peer.load < best.load) best = peer;
    }
    return best;
  }

  /** Starts waiting fetches while the peer is under its cap. */
  #pump(peer: Peer): void {
    while (peer.active < this.#cap && peer.queue.length > 0 && this.#peers.get(peer.channel.peer) === peer) {
      peer.active++;
      peer.queue.shift()!.start();
    }
  }

  /** Forgets `peer`: its sessions and waiting fetches fail with `closed`. */
  #drop(peer: Peer, why: string): void {
    this.#peers.delete(peer.channel.peer);
    peer.unsubscribe();
    for (const session of peer.sessions.values()) session.end(session.error('closed', why));
    for (const waiting of peer.queue.splice(0)) waiting.fail(why);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
