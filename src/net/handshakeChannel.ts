/**
 * Runs one handshake over a fresh Transport: the protocol (pairing or reconnection) reads
 * and sends messages through a `HandshakeChannel`, and this file does the rest the same
 * way for both — one deadline for the whole handshake, decoding every message at the
 * edge, and ending in exactly one of two ways:
 *
 * - success: the channel lets go of the transport right after the peer's `accept` (the
 *   last handshake message), so whatever the peer sends next is held for the engine;
 * - failure: a problem found here is sent to the peer as `refuse` with its code, the
 *   transport is closed with the sentence, and the caller gets the typed error; a refusal
 *   from the peer closes the transport and becomes the same error with `by: 'peer'`.
 */
import { systemClock } from '../adapters/clock/SystemClock.ts';
import type { Clock } from '../ports/Clock.ts';
import type { Transport, Unsubscribe } from '../ports/Transport.ts';
import { HandshakeError, isHandshakeErrorCode, type HandshakeErrorCode } from './handshakeErrors.ts';
import {
  decodeMessage,
  encodeMessage,
  type HandshakeKind,
  type HandshakeMessage,
} from './handshakeMessages.ts';

/** How long a whole handshake may take unless the caller says otherwise. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long a refusal may take to be accepted by the transport before it closes anyway. */
const REFUSAL_GRACE_MS = 1_000;

export interface HandshakeOptions {
  /** The deadline for the whole handshake (default 10 s). */
  readonly timeoutMs?: number;
  /** Arms the deadline and gives the time (default the system clock). */
  readonly clock?: Clock;
}

/** Builds the protocol's own error class (PairingError, AuthError) for a code. */
export type ErrorFactory = (
  code: HandshakeErrorCode,
  by: 'local' | 'peer',
  detail?: string,
) => HandshakeError;

type Item = HandshakeMessage | HandshakeError;

export class HandshakeChannel {
  readonly #transport: Transport;
  readonly #makeError: ErrorFactory;
  readonly #queue: Item[] = [];
  #waiter: ((item: Item | undefined) => void) | undefined;
  /** Set when the deadline passed; every later read and send fails with it. */
  #failure: HandshakeError | undefined;
  /** Set when the transport closed; reads fail with it once the queue is drained. */
  #closed: HandshakeError | undefined;
  #stopMessages: Unsubscribe | undefined;
  /** False once the peer's last handshake message (or an unreadable one) arrived. */
  #listening = true;
  /** True once the handshake succeeded on the wire; the transport is then the caller's. */
  #handedOver = false;
  readonly #stopClose: Unsubscribe;
  #rejectFailed: (error: HandshakeError) => void = () => {};
  /**
   * Rejects when the deadline passes, whatever the protocol is waiting on. A close only
   * fails reads and sends, so a refusal that came just before it is read first.
   */
  readonly failed: Promise<never>;

  constructor(transport: Transport, makeError: ErrorFactory) {
    this.#transport = transport;
    this.#makeError = makeError;
    this.failed = new Promise<never>((_, reject) => (this.#rejectFailed = reject));
    this.failed.catch(() => {}); // observed by runHandshake's race; never unhandled
    this.#stopMessages = transport.onMessage((bytes) => this.#arrive(bytes));
    // Messages held before we subscribed arrive inside `onMessage`, before it returns.
    if (!this.#listening) this.#stopListening();
    this.#stopClose = transport.onClose((reason) => {
      this.#closed = makeError('closed', 'peer', `${reason.by}: ${reason.message}`);
      this.#wake(undefined);
    });
  }

  /** Sends a message; a transport that closed meanwhile fails the handshake. */
  async send(message: HandshakeMessage): Promise<void> {
    if (this.#failure) throw this.#failure;
    try {
      await this.#transport.send(encodeMessage(message));
    } catch (error) {
      // A peer that refuses closes right after: its reason may be waiting unread.
      for (const item of this.#queue)
        if (!(item instanceof HandshakeError) && item.kind === 'refuse') throw this.#refusal(item.code);
      throw this.#failure ?? this.#closed ?? this.#makeError('closed', 'peer', (error as Error).message);
    }
  }

  #refusal(code: string): HandshakeError {
    return this.#makeError(isHandshakeErrorCode(code) ? code : 'refused', 'peer', `code ${code}`);
  }

  /**
   * The peer's next message, which must be of `kind`. A refusal becomes the peer's error;
   * another kind, or a message that failed to decode, becomes ours.
   */
  async receive<K extends HandshakeKind>(kind: K): Promise<Extract<HandshakeMessage, { kind: K }>> {
    const item = await this.#next();
    if (item instanceof HandshakeError) throw this.#makeError(item.code, 'local', item.detail);
    if (item.kind === 'refuse') throw this.#refusal(item.code);
    if (item.kind !== kind) throw this.#makeError('malformed', 'local', `expected ${kind}, got ${item.kind}`);
    return item as Extract<HandshakeMessage, { kind: K }>;
  }

  /** Fails the handshake (the deadline): the pending read and every later one reject with `error`. */
  fail(error: HandshakeError): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#rejectFailed(error);
    this.#wake(undefined);
  }

  /** Lets go of the transport (it stays open); called on success and on failure. */
  detach(): void {
    this.#stopListening();
    this.#stopClose();
  }

  /** The handshake succeeded on the wire: let go, and never send a refusal after it. */
  handOver(): void {
    this.#handedOver = true;
    this.detach();
  }

  #stopListening(): void {
    this.#listening = false;
    this.#stopMessages?.();
    this.#stopMessages = undefined;
  }

  /**
   * Ends a failed handshake: tells the peer why (when we found the problem and can still
   * say so), then closes the transport with the sentence.
   */
  async end(error: HandshakeError, clock: Clock): Promise<void> {
    this.detach();
    if (this.#transport.closed) return;
    // After the hand-over the peer's engine owns its end: a refusal would reach it as a frame.
    if (error.by === 'local' && error.code !== 'closed' && !this.#handedOver) {
      const sent = this.#transport.send(encodeMessage({ kind: 'refuse', code: error.code })).catch(() => {});
      let cancel = () => {};
      const grace = new Promise<void>((resolve) => (cancel = clock.setTimer(REFUSAL_GRACE_MS, resolve)));
      await Promise.race([sent, grace]);
      cancel();
    }
    this.#transport.close(error.message);
  }

  #arrive(bytes: Uint8Array): void {
    if (!this.#listening) return; // only possible for messages held before the handshake began
    let item: Item;
    try {
      item = decodeMessage(bytes);
    } catch (error) {
      item =
        error instanceof HandshakeError ? error : new HandshakeError('malformed', 'local', String(error));
    }
    // After the peer's last handshake message (or one we cannot read), stop listening at
    // once: what follows is the engine's, and the transport holds it until it subscribes.
    if (item instanceof HandshakeError || item.kind === 'accept' || item.kind === 'refuse')
      this.#stopListening();
    if (this.#waiter) this.#wake(item);
    else this.#queue.push(item);
  }

  #next(): Promise<Item> {
    if (this.#failure) return Promise.reject(this.#failure);
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise<Item>((resolve, reject) => {
      this.#waiter = (item) => (item ? resolve(item) : reject(this.#failure ?? this.#closed));
    });
  }

  #wake(item: Item | undefined): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(item);
  }
}

/**
 * Runs `body` as a handshake on `transport` under the deadline, and ends it as the header
 * says. Rejects only with the factory's error class.
 */
export async function runHandshake<T>(
  transport: Transport,
  options: HandshakeOptions,
  makeError: ErrorFactory,
  body: (channel: HandshakeChannel, finish: () => void) => Promise<T>,
): Promise<T> {
  const clock = options.clock ?? systemClock();
  const timeoutMs = options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))
    throw new RangeError('the handshake time limit must be positive');
  const channel = new HandshakeChannel(transport, makeError);
  const cancelDeadline = clock.setTimer(timeoutMs, () =>
    channel.fail(makeError('timeout', 'local', `no result within ${timeoutMs} ms`)),
  );
  // Past the peer's accept, the deadline no longer applies: what is left is local work.
  const finish = () => {
    cancelDeadline();
    channel.handOver();
  };
  const run = body(channel, finish);
  run.catch(() => {}); // if the deadline wins the race, the body's own end is moot
  try {
    return await Promise.race([run, channel.failed]);
  } catch (thrown) {
    const error =
      thrown instanceof HandshakeError
        ? makeError(thrown.code, thrown.by, thrown.detail)
        : makeError('internal', 'local', thrown instanceof Error ? thrown.message : String(thrown));
    await channel.end(error, clock);
    throw error;
  } finally {
    cancelDeadline();
    channel.detach();
  }
}
