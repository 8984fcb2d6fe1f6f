/**
 * Pulls chunks from peers (DESIGN.md, "Sync" step 4: "missing chunks come from any peer
 * that has them, several in flight, several peers at once").
 *
 * Invariants:
 *
 * 1. Each fetch goes to the candidate peer with the fewest requests outstanding (in flight
 *    plus queued; ties: the peer added first). Candidates are the open peers that
 *    `peersFor` names, or every open peer.
 * 2. At most `maxInFlightPerPeer` requests are outstanding on one peer; more wait in that
 *    peer's queue, in order, and go out as answers come back.
 * 3. A request settles exactly once: on its `chunk` answer, its `error` answer, its timeout
 *    (on the Clock, from when it was sent), or when its peer's connection closes. Late or
 *    unknown answers are ignored.
 * 4. A failed request is retried on another peer not yet tried for this fetch; when none is
 *    left the fetch rejects with `ChunkFetchError` listing every attempt.
 * 5. Bytes are not verified here (commitFile verifies every chunk), but an answer whose
 *    length differs from the requested size is refused and counted against its peer.
 */
import type { FetchChunk } from '../engine/commit.ts';
import type { ChunkRef, FileRecord } from '../model/fileRecord.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import type { Clock, CancelTimer } from '../../ports/Clock.ts';
import type { Unsubscribe } from '../../ports/Transport.ts';
import type { PeerChannel } from './peerChannel.ts';

/** Why one attempt failed: an error code from the peer, or what happened here. */
export type AttemptFailure = ErrorCode | 'timeout' | 'closed' | 'wrong-size';

export interface FetchAttempt {
  readonly peer: string;
  readonly failure: AttemptFailure;
  readonly message: string;
}

/** No peer delivered the chunk: `attempts` says who was asked and what went wrong. */
export class ChunkFetchError extends Error {
  override readonly name = 'ChunkFetchError';
  constructor(
    readonly folder: string,
    readonly path: string,
    readonly offset: number,
    readonly attempts: readonly FetchAttempt[],
  ) {
    super(
      attempts.length === 0
        ? `no connected peer has the chunk at ${offset} of "${path}"; it will be fetched when one connects`
        : `could not fetch the chunk at ${offset} of "${path}": ${attempts
            .map((a) => `${a.peer}: ${a.failure} (${a.message})`)
            .join('; ')}`,
    );
  }
}

export interface ChunkRequesterOptions {
  /** Times requests out. */
  readonly clock: Clock;
  /** How long one request may go unanswered, in ms. Default 30 000. */
  readonly timeoutMs?: number;
  /**
   * Requests outstanding on one peer before more queue. Default 64: with 64 KiB chunks, 4 MiB
   * in flight, enough to keep a link busy across several files (Syncthing allows more).
   */
  readonly maxInFlightPerPeer?: number;
  /** The peers that announced this chunk (device IDs). Default: every connected peer. */
  readonly peersFor?: (folder: string, chunk: ChunkRef) => Iterable<string>;
}

/** One peer's counters, for tests and the UI. */
export interface PeerLoad {
  readonly inFlight: number;
  readonly queued: number;
  /** Chunks received in the requested size. */
  readonly served: number;
  /** Answers of the wrong size: a misbehaving peer. */
  readonly wrongSize: number;
}

interface Request {
  readonly folder: string;
  readonly path: string;
  readonly chunk: ChunkRef;
  readonly offset: number;
  readonly settle: (outcome: { bytes: Uint8Array } | { failure: AttemptFailure; message: string }) => void;
}

interface InFlight {
  readonly request: Request;
  cancelTimer: CancelTimer;
}

class Peer {
  readonly queue: Request[] = [];
  readonly inFlight = new Map<number, InFlight>();
  served = 0;
  wrongSize = 0;
  constructor(
    readonly channel: PeerChannel,
    readonly unsubscribe: Unsubscribe,
  ) {}
  get load(): number {
    return this.inFlight.size + this.queue.length;
  }
}

export class ChunkRequester {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #cap: number;
  readonly #peersFor: ChunkRequesterOptions['peersFor'];
  /** Open peers by device ID, in the order they were added. */
  readonly #peers = new Map<string, Peer>();
  #nextId = 1;

  constructor(options: ChunkRequesterOptions) {
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#cap = Math.max(1, options.maxInFlightPerPeer ?? 64);
    this.#peersFor = options.peersFor;
  }

  /** Starts asking `channel`'s peer for chunks; until it closes or the returned call. */
  addPeer(channel: PeerChannel): Unsubscribe {
    if (channel.closed) return () => {};
    this.removePeer(channel.peer);
    const subscriptions = [
      channel.on('chunk', (m) => this.#answer(peer, m.id, { bytes: m.data })),
      channel.on('error', (m) => {
        if (m.id !== 0) this.#answer(peer, m.id, { failure: m.code, message: m.message });
      }),
    ];
    const unsubscribe = () => subscriptions.forEach((u) => u());
    const peer = new Peer(channel, unsubscribe);
    this.#peers.set(channel.peer, peer);
    const stopClose = channel.onClose((reason) => {
      if (this.#peers.get(channel.peer) === peer)
        this.#drop(peer, `the connection closed (${reason.message})`);
    });
    subscriptions.push(stopClose);
    return () => {
      if (this.#peers.get(channel.peer) === peer) this.#drop(peer, 'the peer was removed');
    };
  }

  /** Stops asking `peer`; its outstanding requests fail over to other peers. */
  removePeer(peer: string): void {
    const p = this.#peers.get(peer);
    if (p) this.#drop(p, 'the peer was removed');
  }

  /** Outstanding work and counters for `peer`, or undefined if it is not connected. */
  load(peer: string): PeerLoad | undefined {
    const p = this.#peers.get(peer);
    return (
      p && { inFlight: p.inFlight.size, queued: p.queue.length, served: p.served, wrongSize: p.wrongSize }
    );
  }

  /**
   * The `chunk.size` bytes at `offset` of `path` in `folder`, from some peer (invariants
   * 1–5). Rejects with `ChunkFetchError` when no peer delivered them.
   */
  async fetchChunk(folder: string, path: string, chunk: ChunkRef, offset: number): Promise<Uint8Array> {
    return (await this.fetchFrom(folder, path, chunk, offset)).bytes;
  }

  /**
   * As `fetchChunk`, and which peer answered. Peers in `avoid` are asked only when no
   * other candidate is left (they sent something the caller rejected before).
   */
  async fetchFrom(
    folder: string,
    path: string,
    chunk: ChunkRef,
    offset: number,
    avoid: ReadonlySet<string> = new Set(),
  ): Promise<{ bytes: Uint8Array; peer: string }> {
    const tried = new Set<string>();
    const attempts: FetchAttempt[] = [];
    for (;;) {
      const peer = this.#pick(folder, chunk, tried, avoid);
      if (!peer) throw new ChunkFetchError(folder, path, offset, attempts);
      tried.add(peer.channel.peer);
      const outcome = await new Promise<Parameters<Request['settle']>[0]>((settle) =>
        this.#enqueue(peer, { folder, path, chunk, offset, settle }),
      );
      if ('bytes' in outcome) return { bytes: outcome.bytes, peer: peer.channel.peer };
      attempts.push({ peer: peer.channel.peer, failure: outcome.failure, message: outcome.message });
    }
  }

  /**
   * commitFile's `FetchChunk` for `record` in `folder`: offsets from the record's chunk
   * list. A retry (`attempt` > 0) means commitFile refused the bytes, so it avoids every
   * peer that already answered that chunk, while another candidate is left. `served`
   * hears which peer delivered each chunk, and how many bytes (for per-peer progress).
   */
  fetcherFor(folder: string, record: FileRecord, served?: (peer: string, bytes: number) => void): FetchChunk {
    const offsets: number[] = [];
    let offset = 0;
    for (const chunk of record.chunks) {
      offsets.push(offset);
      offset += chunk.size;
    }
    const answered = new Map<number, Set<string>>();
    return async (chunk, index, attempt) => {
      const at = offsets[index];
      if (at === undefined) throw new RangeError(`"${record.path}" has no chunk ${index}`);
      const avoid = attempt > 0 ? (answered.get(index) ?? new Set<string>()) : new Set<string>();
      const { bytes, peer } = await this.fetchFrom(folder, record.path, chunk, at, avoid);
      answered.set(index, new Set([...avoid, peer]));
      served?.(peer, bytes.length);
      return bytes;
    };
  }

  /** The least-loaded open candidate not tried yet, preferring peers not in `avoid`. */
  #pick(
    folder: string,
    chunk: ChunkRef,
    tried: ReadonlySet<string>,
    avoid: ReadonlySet<string>,
  ): Peer | undefined {
    const ids = this.#peersFor ? new Set(this.#peersFor(folder, chunk)) : undefined;
    let best: Peer | undefined;
    let bestAvoided = true;
    for (const [id, peer] of this.#peers) {
      if (tried.has(id) || (ids && !ids.has(id)) || peer.channel.closed) continue;
      const avoided = avoid.has(id);
      if (!best || (bestAvoided && !avoided) || (avoided === bestAvoided && peer.load < best.load)) {
        best = peer;
        bestAvoided = avoided;
      }
    }
    return best;
  }

  #enqueue(peer: Peer, request: Request): void {
    peer.queue.push(request);
    this.#pump(peer);
  }

  /** Sends queued requests while the peer is under its cap. */
  #pump(peer: Peer): void {
    while (
      peer.inFlight.size < this.#cap &&
      peer.queue.length > 0 &&
      this.#peers.get(peer.channel.peer) === peer
    ) {
      const request = peer.queue.shift()!;
      const id = this.#nextId++;
      const entry: InFlight = {
        request,
        cancelTimer: this.#clock.setTimer(this.#timeoutMs, () =>
          this.#answer(peer, id, { failure: 'timeout', message: `no answer in ${this.#timeoutMs} ms` }),
        ),
      };
      peer.inFlight.set(id, entry);
      const { folder, path, chunk, offset } = request;
      peer.channel
        .send({ kind: 'request', id, folder, path, hash: chunk.hash, offset, size: chunk.size })
        .catch((error: unknown) =>
          this.#answer(peer, id, { failure: 'closed', message: `could not send: ${String(error)}` }),
        );
    }
  }

  /** Settles request `id` of `peer` once; ignores ids no longer outstanding. */
  #answer(peer: Peer, id: number, outcome: Parameters<Request['settle']>[0]): void {
    const entry = peer.inFlight.get(id);
    if (!entry) return;
    peer.inFlight.delete(id);
    entry.cancelTimer();
    let settled = outcome;
    if ('bytes' in outcome) {
      const wanted = entry.request.chunk.size;
      if (outcome.bytes.length === wanted) {
        peer.served++;
      } else {
        peer.wrongSize++;
        settled = {
          failure: 'wrong-size',
          message: `answered ${outcome.bytes.length} bytes for a ${wanted}-byte chunk`,
        };
      }
    }
    entry.request.settle(settled);
    this.#pump(peer);
  }

  /** Forgets `peer`: everything outstanding on it fails (and moves to another peer). */
  #drop(peer: Peer, why: string): void {
    this.#peers.delete(peer.channel.peer);
    peer.unsubscribe();
    const failure = { failure: 'closed', message: why } as const;
    for (const [id, entry] of [...peer.inFlight]) {
      peer.inFlight.delete(id);
      entry.cancelTimer();
      entry.request.settle(failure);
    }
    for (const request of peer.queue.splice(0)) request.settle(failure);
  }
}
