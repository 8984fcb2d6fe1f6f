/**
 * The browser's side of the signaling relay (src/server, wire protocol in
 * src/server/protocol.ts): join a room, hear who comes and goes, pass opaque strings.
 *
 * Everything from the server is checked before anyone hears of it: frame size, shape,
 * fields, and order (`joined` first and once; `peer-joined` only for a new id; `peer-left`
 * and `message` only from a member). A frame that breaks this closes the client with 4100
 * and an `error` first. The relay is untrusted: this client keeps it to the protocol, and
 * the layers above (pairing, authentication) never trust what it relays.
 *
 * Lifecycle: connecting → joined → closed; `close` is heard exactly once, whoever closed.
 * No reconnection here: the session layer above retries with backoff.
 */
import { CloseCode, closeReason, describeClose } from '../server/closeCodes.ts';
import {
  decodeServerMessage,
  encodeClientMessage,
  isPeerId,
  isRoom,
  MAX_FRAME_BYTES,
  SIGNAL_PATH,
  type ClientMessage,
  type ServerMessage,
} from '../server/protocol.ts';

/** What the client needs of a WebSocket: the browser's and the `ws` package's both fit. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { readonly code: number; readonly reason: string }) => void,
  ): void;
}

export type SocketConstructor = new (url: string) => SocketLike;

export interface SignalingClose {
  readonly code: number;
  readonly reason: string;
  /** For a person: what happened (src/server/closeCodes.ts `describeClose`). */
  readonly text: string;
}

/** `server`: the relay answered a send with an error frame; `bad-frame`: the relay broke the protocol. */
export class SignalingError extends Error {
  override readonly name = 'SignalingError';
  constructor(
    readonly kind: 'server' | 'bad-frame',
    message: string,
  ) {
    super(message);
  }
}

export interface SignalingEvents {
  joined: (you: string, peers: readonly string[]) => void;
  'peer-joined': (id: string) => void;
  'peer-left': (id: string) => void;
  message: (from: string, data: string) => void;
  error: (error: SignalingError) => void;
  close: (close: SignalingClose) => void;
}

export interface JoinOptions {
  /** The relay endpoint, `ws(s)://host/signal` (see `signalingUrlFor`). */
  readonly url: string;
  readonly room: string;
  /** The WebSocket class; the platform's by default (Node tests pass `ws`'s). */
  readonly WebSocket?: SocketConstructor;
}

export type SignalingState = 'connecting' | 'joined' | 'closed';

const OPEN = 1;
const encoder = new TextEncoder();

/** The relay endpoint of the server that served `pageUrl` (http → ws, https → wss). */
export function signalingUrlFor(pageUrl: string | URL): string {
  const url = new URL(pageUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`not a web page URL: ${url.href}`);
  return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}${SIGNAL_PATH}`;
}

export class SignalingClient {
  readonly #socket: SocketLike;
  readonly #listeners: { [K in keyof SignalingEvents]: Set<SignalingEvents[K]> } = {
    joined: new Set(),
    'peer-joined': new Set(),
    'peer-left': new Set(),
    message: new Set(),
    error: new Set(),
    close: new Set(),
  };
  readonly #peers = new Set<string>();
  #state: SignalingState = 'connecting';
  #id: string | undefined;

  /** Connects to the relay and joins `room`; listen for `joined` (or `close`). */
  static join(options: JoinOptions): SignalingClient {
    const url = new URL(options.url);
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
      throw new TypeError(`not a WebSocket URL: ${options.url}`);
    if (!isRoom(options.room)) throw new TypeError('a room is 16–128 characters of A–Z a–z 0–9 _ -');
    url.searchParams.set('room', options.room);
    const Socket = options.WebSocket ?? (globalThis.WebSocket as SocketConstructor | undefined);
    if (Socket === undefined) throw new TypeError('no WebSocket here: pass one in');
    return new SignalingClient(new Socket(url.href));
  }

  private constructor(socket: SocketLike) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => this.#onFrame(event.data));
    socket.addEventListener('close', (event) => this.#finish(event.code, event.reason));
    // The close that follows says what happened; the error event itself carries nothing.
    socket.addEventListener('error', () => undefined);
  }

  get state(): SignalingState {
    return this.#state;
  }

  /** This connection's id in the room, once joined. */
  get id(): string | undefined {
    return this.#id;
  }

  /** The other members now in the room. */
  get peers(): ReadonlySet<string> {
    return this.#peers;
  }

  on<K extends keyof SignalingEvents>(event: K, listener: SignalingEvents[K]): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  /**
   * Sends `data` to one member (`to`) or every other member (undefined). Throws when not
   * joined, for a malformed id, or when the frame would pass the relay's 64 KiB. A member
   * that has just left makes the relay answer with an `error` event, not a throw.
   */
  send(to: string | undefined, data: string): void {
    if (this.#state !== 'joined' || this.#socket.readyState !== OPEN) {
      throw new Error(
        `cannot send: the signaling connection is ${this.#state === 'joined' ? 'closing' : this.#state}`,
      );
    }
    if (to !== undefined && !isPeerId(to)) throw new TypeError(`not a peer id: ${String(to).slice(0, 80)}`);
    if (typeof data !== 'string') throw new TypeError('data must be a string');
    const message: ClientMessage = to === undefined ? { type: 'send', data } : { type: 'send', to, data };
    const frame = encodeClientMessage(message);
    // UTF-8 is at most 3 bytes per UTF-16 unit: only a frame that might be too large is measured.
    const bytes = frame.length * 3 <= MAX_FRAME_BYTES ? frame.length : encoder.encode(frame).length;
    if (bytes > MAX_FRAME_BYTES) {
      throw new RangeError(`a signaling frame of ${bytes} bytes is over the relay's ${MAX_FRAME_BYTES}`);
    }
    this.#socket.send(frame);
  }

  /** Leaves the room; `close` is heard at once with 1000. Idempotent. */
  close(): void {
    this.#closeWith(CloseCode.NORMAL, 'closed by client');
  }

  #onFrame(data: unknown): void {
    if (this.#state === 'closed') return;
    if (typeof data !== 'string') return this.#badFrame('a binary frame');
    const decoded = decodeServerMessage(data);
    if (!decoded.ok) return this.#badFrame(decoded.error);
    const problem = this.#apply(decoded.message);
    if (problem !== undefined) this.#badFrame(problem);
  }

  /** Updates the state and tells the listeners; returns why the message is out of order. */
  #apply(message: ServerMessage): string | undefined {
    if (this.#state === 'connecting' && message.type !== 'joined') return `${message.type} before joined`;
    switch (message.type) {
      case 'joined':
        if (this.#state !== 'connecting') return 'joined twice';
        this.#state = 'joined';
        this.#id = message.you;
        for (const peer of message.peers) this.#peers.add(peer);
        this.#emit('joined', message.you, message.peers);
        return undefined;
      case 'peer-joined':
        if (message.id === this.#id || this.#peers.has(message.id)) return `peer-joined for a known id`;
        this.#peers.add(message.id);
        this.#emit('peer-joined', message.id);
        return undefined;
      case 'peer-left':
        if (!this.#peers.delete(message.id)) return 'peer-left for an unknown id';
        this.#emit('peer-left', message.id);
        return undefined;
      case 'message':
        if (!this.#peers.has(message.from)) return 'a message from an unknown id';
        this.#emit('message', message.from, message.data);
        return undefined;
      case 'error':
        this.#emit('error', new SignalingError('server', message.message));
        return undefined;
    }
  }

  #badFrame(problem: string): void {
    this.#emit('error', new SignalingError('bad-frame', `the signaling server sent a bad frame: ${problem}`));
    this.#closeWith(CloseCode.BAD_SERVER_FRAME, closeReason(`bad frame: ${problem}`));
  }

  #closeWith(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    try {
      this.#socket.close(code, reason);
    } catch {
      // Already closing or closed: the close below is what counts.
    }
    this.#finish(code, reason);
  }

  #finish(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#peers.clear();
    this.#emit('close', { code, reason, text: describeClose(code, reason) });
  }

  #emit<K extends keyof SignalingEvents>(event: K, ...args: Parameters<SignalingEvents[K]>): void {
    for (const listener of [...this.#listeners[event]]) {
      try {
        (listener as (...values: Parameters<SignalingEvents[K]>) => void)(...args);
      } catch (error) {
        // One listener's bug must not stop the others or the client's own bookkeeping.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
