/**
 * Transport: an ordered, reliable pipe of binary messages between two engines.
 *
 * The net layer hands the engine one Transport per authenticated peer connection; the
 * engine sends protocol frames (core/protocol) and reads the peer's. Adapters: a WebRTC
 * data channel in the browser, an in-memory pair with a step-by-step scheduler and fault
 * injection for the simulation. A transport knows nothing of what the bytes mean.
 *
 * Guarantees: messages arrive whole, once, in the order `send` was called (awaited or
 * not), until the transport closes. Sending never buffers without bound: `send` waits
 * while too much is queued (DESIGN.md: `bufferedAmount` against a high-water mark). Once
 * closed, by either side or by the network, it stays closed; close listeners hear of it
 * exactly once, and message listeners hear nothing more.
 */

export type Unsubscribe = () => void;

/** Why a transport closed. */
export interface CloseReason {
  /** `local`: this side called `close`; `remote`: the peer did; `lost`: the link broke. */
  readonly by: 'local' | 'remote' | 'lost';
  /** Human-readable cause (may be generic when the platform gives none). */
  readonly message: string;
}

export interface Transport {
  /** The largest message `send` accepts, in bytes (both sides' limits already applied). */
  readonly maxMessageSize: number;

  /** The reason, once closed; `undefined` while open. */
  readonly closed: CloseReason | undefined;

  /**
   * Queues `message` for the peer. Resolves once the transport has accepted it, which
   * waits while more than its high-water mark is buffered unsent: an engine that awaits
   * each send never runs ahead of the network. The caller must not change `message`
   * afterwards. Rejects with `TransportClosedError` if the transport is closed or closes
   * before accepting it, and `MessageTooLargeError` above `maxMessageSize`.
   */
  send(message: Uint8Array): Promise<void>;

  /**
   * Subscribes to messages from the peer. Messages that arrive while nobody listens are
   * held and given to the first listener, so the engine loses nothing between receiving a
   * transport and subscribing. A listener must not throw; each message is the listener's
   * to keep.
   */
  onMessage(listener: (message: Uint8Array) => void): Unsubscribe;

  /**
   * Subscribes to the close, which happens once. A listener added after the close is
   * called at once with the reason.
   */
  onClose(listener: (reason: CloseReason) => void): Unsubscribe;

  /**
   * Closes the transport (protocol error, unshare, shutdown); idempotent. Pending sends
   * reject, listeners hear `{ by: 'local', message }`, and the peer hears `by: 'remote'`
   * after the messages already accepted (adapters that cannot promise their delivery say
   * so).
   */
  close(message: string): void;
}

/** A send on a closed transport. */
export class TransportClosedError extends Error {
  override readonly name = 'TransportClosedError';
  constructor(readonly reason: CloseReason) {
    super(`the connection is closed (${reason.by}: ${reason.message})`);
  }
}

/** A message larger than the transport carries: the sender must split it. */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super(`a message of ${size} bytes exceeds the connection's limit of ${max}`);
  }
}
