/**
 * Serves rsync refinement sessions: a peer that holds an old version of a small file asks
 * for the version this device serves as a delta against it (DESIGN.md, "Sync" step 4).
 * The peer's side is deltaFetcher.ts; the payloads are core/content/rsync/refineFormat.ts.
 *
 * Flow of one session (F fetches and holds OLD; S serves NEW):
 *
 *     F → S  refine {id, reply: false, folder, path, hash, maxDelta, COARSE}
 *     S → F  refine {id, reply: true, WANT}          while a hole could still shrink
 *     F → S  refine {id, reply: false, SUBSIGS}
 *            …
 *     S → F  refine {id, reply: true, delta}         the session ends
 *        or  error  {id, code, message}              the session ends
 *
 * Invariants:
 *
 * 1. Every session ends with one delta or one `error` answer, unless the connection closes
 *    first. The codes (`too-large` here answers one session; the connection stays open):
 *    - `unknown-folder`: the folder is not served to this peer;
 *    - `not-found`: no file at the path, or its bytes do not hash to `hash` (it changed
 *      since the peer's index): nothing of it is sent; or a continuation for a session
 *      that is not open (it ended or timed out);
 *    - `too-large`: the file or the peer's old version is over `maxFileBytes`, or the
 *      delta is over the peer's `maxDelta` or the payload cap;
 *    - `busy`: this peer already has `maxSessionsPerPeer` sessions open;
 *    - `generic`: the folder cannot be read now, more than `maxRounds` rounds, a failure.
 * 2. A payload the refinement refuses, a message while this side is still working on the
 *    last one, or an open session opened again is the peer breaking the protocol: the
 *    connection closes with `malformed` (PeerChannel.fail).
 * 3. The file is read and hashed once, when the session opens, and every round works on
 *    those bytes: a delta always rebuilds exactly the version whose hash was asked for.
 *    Memory: at most `maxSessionsPerPeer` × `maxFileBytes` per peer.
 * 4. A session waiting `idleTimeoutMs` (on the Clock) for the peer's next message ends
 *    silently: the peer gave up. Every session of a connection ends when it closes.
 * 5. Nothing throws into the transport: a send that fails because the connection closed
 *    is dropped.
 */
import { bytesSource } from '../content/byteSource.ts';
import { equalBytes } from '../content/bytes.ts';
import { digestSource } from '../content/chunk.ts';
import { webCryptoSha256, type Sha256 } from '../content/hash.ts';
import { RsyncFormatError } from '../content/rsync/errors.ts';
import { decodeRefineMessage } from '../content/rsync/refineFormat.ts';
import type { RefineStep } from '../content/rsync/refineGeometry.ts';
import { RefineSender } from '../content/rsync/refineSender.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import { LIMITS, type Refine } from '../protocol/messages.ts';
import type { CancelTimer, Clock } from '../../ports/Clock.ts';
import type { Unsubscribe } from '../../ports/Transport.ts';
import { NotFoundError, VolumeError, WrongKindError, type Volume } from '../../ports/Volume.ts';
import { DELTA_MAX_FILE_BYTES } from './chooseTransfer.ts';
import { reasonText, type PeerChannel } from './peerChannel.ts';

export interface DeltaServerOptions {
  /** The volume of `folder` if it is served to `peer`, else undefined. */
  readonly volumeFor: (folder: string, peer: string) => Pick<Volume, 'source'> | undefined;
  /** Ends sessions the peer abandoned. */
  readonly clock: Clock;
  /** Default: WebCrypto. */
  readonly sha256?: Sha256;
  /** Sessions open for one peer before further ones are answered `busy`. Default 4. */
  readonly maxSessionsPerPeer?: number;
  /** Largest file served, and largest old version accepted, as a delta. Default DELTA_MAX_FILE_BYTES. */
  readonly maxFileBytes?: number;
  /** WANT rounds before a session is answered `generic`. Default 8 (4 MiB files take 3). */
  readonly maxRounds?: number;
  /** How long a session waits for the peer's next message, in ms. Default 60 000. */
  readonly idleTimeoutMs?: number;
  /** RefineSender's smallest sub-block. Default its own (64). */
  readonly minSubBlock?: number;
}

interface Session {
  readonly id: number;
  readonly folder: string;
  readonly path: string;
  readonly maxDelta: number;
  sender: RefineSender | undefined;
  rounds: number;
  /** This side is working on the peer's last message; the peer must wait for the answer. */
  working: boolean;
  cancelIdle: CancelTimer;
}

/** A session's end with an answer: an error code and the message for the peer. */
class SessionRefusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class DeltaServer {
  readonly #volumeFor: DeltaServerOptions['volumeFor'];
  readonly #clock: Clock;
  readonly #sha256: Sha256;
  readonly #cap: number;
  readonly #maxFileBytes: number;
  readonly #maxRounds: number;
  readonly #idleMs: number;
  readonly #minSubBlock: number | undefined;
  /** Open sessions by connection, for tests and the UI. */
  readonly #open = new Map<PeerChannel, Map<number, Session>>();

  constructor(options: DeltaServerOptions) {
    this.#volumeFor = options.volumeFor;
    this.#clock = options.clock;
    this.#sha256 = options.sha256 ?? webCryptoSha256;
    this.#cap = Math.max(1, options.maxSessionsPerPeer ?? 4);
    this.#maxFileBytes = options.maxFileBytes ?? DELTA_MAX_FILE_BYTES;
    this.#maxRounds = Math.max(1, options.maxRounds ?? 8);
    this.#idleMs = options.idleTimeoutMs ?? 60_000;
    this.#minSubBlock = options.minSubBlock;
  }

  /** Answers `channel`'s refinement sessions until it closes or the returned call. */
  serve(channel: PeerChannel): Unsubscribe {
    const sessions = new Map<number, Session>();
    this.#open.set(channel, sessions);
    const stopMessages = channel.on('refine', (m) => {
      if (!m.reply) this.#receive(channel, sessions, m);
    });
    const endAll = () => {
      for (const session of sessions.values()) session.cancelIdle();
      sessions.clear();
      if (this.#open.get(channel) === sessions) this.#open.delete(channel);
    };
    const stopClose = channel.onClose(endAll);
    return () => {
      stopMessages();
      stopClose();
      endAll();
    };
  }

  /** Sessions open for `channel` (0 once it closed). */
  openSessions(channel: PeerChannel): number {
    return this.#open.get(channel)?.size ?? 0;
  }

  /** Checks turn and caps at once, then works on the message. */
  #receive(channel: PeerChannel, sessions: Map<number, Session>, m: Refine): void {
    const existing = sessions.get(m.id);
    if (m.hash === undefined) {
      if (!existing) {
        this.#reply(
          channel,
          m.id,
          'not-found',
          `no refinement session ${m.id} is open (it ended or timed out)`,
        );
      } else if (existing.working || existing.folder !== m.folder || existing.path !== m.path) {
        channel.fail('malformed', `refinement session ${m.id}: a message out of turn`);
      } else {
        existing.cancelIdle();
        existing.working = true;
        void this.#advance(channel, sessions, existing, () => existing.sender!.receive(m.payload));
      }
      return;
    }
    if (existing) {
      channel.fail('malformed', `refinement session ${m.id} opened while open`);
      return;
    }
    if (sessions.size >= this.#cap) {
      this.#reply(
        channel,
        m.id,
        'busy',
        `${sessions.size} refinement sessions already open; try again later`,
      );
      return;
    }
    const session: Session = {
      id: m.id,
      folder: m.folder,
      path: m.path,
      maxDelta: Math.min(m.maxDelta ?? LIMITS.opaqueBytes, LIMITS.opaqueBytes),
      sender: undefined,
      rounds: 0,
      working: true,
      cancelIdle: () => {},
    };
    sessions.set(m.id, session);
    void this.#advance(channel, sessions, session, () => this.#opening(channel.peer, session, m, m.hash!));
  }

  /** Checks the opening and the file, then answers the peer's COARSE. */
  async #opening(peer: string, session: Session, m: Refine, hash: Uint8Array): Promise<RefineStep> {
    const { folder, path } = m;
    const volume = this.#volumeFor(folder, peer);
    if (!volume) throw new SessionRefusal('unknown-folder', `folder ${folder} is not shared with you`);
    const coarse = decodeRefineMessage(m.payload);
    if (coarse.kind !== 'coarse')
      throw new RsyncFormatError('refine', `a session opens with sums, not ${coarse.kind}`);
    if (coarse.baseSize > this.#maxFileBytes) {
      throw new SessionRefusal(
        'too-large',
        `an old version of ${coarse.baseSize} bytes is over the ${this.#maxFileBytes}-byte limit for deltas`,
      );
    }
    const bytes = await this.#read(volume, path);
    const digest = await digestSource(bytesSource(bytes), { sha256: this.#sha256 });
    if (!equalBytes(digest.hash, hash)) {
      throw new SessionRefusal(
        'not-found',
        `"${path}" changed: this device no longer has the version asked for`,
      );
    }
    session.sender = new RefineSender(
      bytesSource(bytes),
      this.#minSubBlock === undefined ? {} : { minSubBlock: this.#minSubBlock },
    );
    return session.sender.receive(m.payload);
  }

  /** The whole file at `path`, read once. */
  async #read(volume: Pick<Volume, 'source'>, path: string): Promise<Uint8Array> {
    try {
      const source = await volume.source(path);
      if (source.size > this.#maxFileBytes) {
        throw new SessionRefusal(
          'too-large',
          `"${path}" is over the ${this.#maxFileBytes}-byte limit for deltas; fetch its chunks`,
        );
      }
      const bytes = await source.read(0, source.size);
      if (bytes.length !== source.size)
        throw new SessionRefusal('not-found', `"${path}" shrank while being read`);
      return bytes;
    } catch (error) {
      if (error instanceof SessionRefusal) throw error;
      const gone = error instanceof NotFoundError || error instanceof WrongKindError;
      const changed = error instanceof VolumeError && error.code === 'changed-meanwhile';
      if (gone || changed)
        throw new SessionRefusal('not-found', `"${path}" is not here (${errorText(error)})`);
      throw new SessionRefusal('generic', `cannot read "${path}" now: ${errorText(error)}`);
    }
  }

  /** Runs one step of `session` and answers it: the next message, the delta, or an error. */
  async #advance(
    channel: PeerChannel,
    sessions: Map<number, Session>,
    session: Session,
    step: () => Promise<RefineStep>,
  ): Promise<void> {
    const open = () => sessions.get(session.id) === session;
    const end = (code?: ErrorCode, message?: string) => {
      if (!open()) return;
      sessions.delete(session.id);
      session.cancelIdle();
      if (code !== undefined) this.#reply(channel, session.id, code, message ?? code);
    };
    let result: RefineStep;
    try {
      result = await step();
    } catch (error) {
      if (!open()) return;
      if (error instanceof RsyncFormatError) {
        end();
        channel.fail('malformed', `refinement session ${session.id}: ${error.message}`);
      } else if (error instanceof SessionRefusal) {
        end(error.code, error.message);
      } else {
        end('generic', `refinement of "${session.path}" failed: ${errorText(error)}`);
      }
      return;
    }
    if (!open()) return;
    const payload = result.kind === 'send' ? result.message : result.delta;
    if (result.kind === 'send' && ++session.rounds > this.#maxRounds) {
      end('generic', `refinement of "${session.path}" took more than ${this.#maxRounds} rounds`);
      return;
    }
    if (result.kind === 'done' && payload.length > session.maxDelta) {
      end(
        'too-large',
        `the delta is ${payload.length} bytes, over the ${session.maxDelta} asked for; fetch the chunks`,
      );
      return;
    }
    if (payload.length > LIMITS.opaqueBytes) {
      end('too-large', `a refinement message of ${payload.length} bytes is over the cap`);
      return;
    }
    if (result.kind === 'done') {
      end();
    } else {
      session.working = false;
      session.cancelIdle = this.#clock.setTimer(this.#idleMs, () => end());
    }
    const { id, folder, path } = session;
    channel.send({ kind: 'refine', id, reply: true, folder, path, payload }).catch((error: unknown) => {
      if (channel.closed) return;
      end();
      this.#reply(channel, id, 'generic', `cannot send the refinement: ${errorText(error)}`);
    });
  }

  #reply(channel: PeerChannel, id: number, code: ErrorCode, message: string): void {
    channel.send({ kind: 'error', id, code, message: reasonText(message) }).catch(() => undefined);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
