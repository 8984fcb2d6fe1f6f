/**
 * The relay on real sockets: WebSocket upgrades on `/signal`, with the limits a public
 * endpoint needs before any frame reaches the rooms (./relay.ts).
 *
 * Per connection: frames of at most 64 KiB (`maxPayload`; ws's own 1009 becomes 4002),
 * text only, a token-bucket rate limit (4003), an idle time-out (4004) that a live client
 * never meets because the server pings it and its pongs count as frames, and a cap on what
 * may pile up unsent for a slow reader (4006). Shutdown closes everyone with 1001.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { CloseCode } from './closeCodes.ts';
import { MAX_FRAME_BYTES, SIGNAL_PATH } from './protocol.ts';
import { ConnectionRateLimit, DEFAULT_RATE_LIMITS, type RateLimits } from './rateLimit.ts';
import { DEFAULT_RELAY_LIMITS, Relay, type RelayLimits, type RelayMember } from './relay.ts';

export interface RelayServerOptions {
  readonly limits?: RelayLimits;
  readonly rateLimits?: RateLimits;
  /** Close a connection after this long without a frame from it (default 120 s). */
  readonly idleTimeoutMs?: number;
  /** How often the server pings each client (default a third of the idle time-out). */
  readonly pingIntervalMs?: number;
  /** Close a client with more than this queued unsent to it (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Milliseconds, for the rate limits and idle checks (default `performance.now`). */
  readonly now?: () => number;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
/** How long a closing socket may take to answer the close frame before it is cut. */
const CLOSE_GRACE_MS = 3_000;

/** ws closes an over-long frame with 1009 from inside its receiver; the contract says 4002. */
class RelaySocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    if (code === 1009) super.close(CloseCode.TOO_LARGE, 'frame too large');
    else super.close(code, data);
  }
}

const newConnectionId = (): string => randomBytes(16).toString('base64url');

const byteLength = (data: RawData): number =>
  Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data.byteLength;

function toText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

export class RelayServer {
  readonly relay: Relay;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();
  readonly #rateLimits: RateLimits;
  readonly #idleTimeoutMs: number;
  readonly #pingIntervalMs: number;
  readonly #maxBufferedBytes: number;
  readonly #now: () => number;
  #closing = false;

  constructor(options: RelayServerOptions = {}) {
    this.relay = new Relay(newConnectionId, options.limits ?? DEFAULT_RELAY_LIMITS);
    this.#rateLimits = options.rateLimits ?? DEFAULT_RATE_LIMITS;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#pingIntervalMs = options.pingIntervalMs ?? Math.max(1, Math.floor(this.#idleTimeoutMs / 3));
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.#now = options.now ?? (() => performance.now());
    if (!(this.#idleTimeoutMs > 0) || !(this.#pingIntervalMs > 0))
      throw new RangeError('time-outs must be positive');
    if (this.#rateLimits.byteBurst < MAX_FRAME_BYTES)
      throw new RangeError('the byte burst must fit one whole frame');
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
      WebSocket: RelaySocket,
    });
  }

  /** Open connections, joined or on their way out. */
  get connectionCount(): number {
    return this.#sockets.size;
  }

  /** For the HTTP server's `upgrade` event: takes `/signal`, answers 404 to anything else. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    let url: URL;
    try {
      // Only the path and query count; a request target that is no URL at all is refused.
      url = new URL(request.url ?? '/', 'http://relay.invalid');
    } catch {
      return refuseUpgrade(socket, 400, 'Bad Request');
    }
    if (url.pathname !== SIGNAL_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (this.#closing) return refuseUpgrade(socket, 503, 'Service Unavailable');
    const rooms = url.searchParams.getAll('room');
    // A repeated or missing room is a bad room: the relay closes it 4000 once connected.
    const room = rooms.length === 1 ? rooms[0]! : '';
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#connected(ws, room));
  }

  #connected(ws: WebSocket, room: string): void {
    this.#sockets.add(ws);
    let lastSeen = this.#now();
    let cutTimer: NodeJS.Timeout | undefined;
    const limit = new ConnectionRateLimit(this.#rateLimits, this.#now);
    const member: RelayMember = {
      deliver: (frame) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (ws.bufferedAmount > this.#maxBufferedBytes) {
          this.relay.expel(member, CloseCode.SLOW_CONSUMER, 'reading too slowly');
          return;
        }
        ws.send(frame);
      },
      close: (code, reason) => {
        if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
        // A peer that never answers the close frame must not hold its socket for long.
        cutTimer ??= setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
      },
    };
    const pinger = setInterval(() => {
      if (this.#now() - lastSeen >= this.#idleTimeoutMs) this.relay.expel(member, CloseCode.IDLE, 'idle');
      else if (ws.readyState === WebSocket.OPEN) ws.ping();
    }, this.#pingIntervalMs).unref();

    ws.on('pong', () => {
      lastSeen = this.#now();
    });
    ws.on('message', (data, isBinary) => {
      lastSeen = this.#now();
      const bytes = byteLength(data);
      if (isBinary)
        return this.relay.expel(member, CloseCode.BAD_REQUEST, 'only JSON text frames are accepted');
      if (bytes > MAX_FRAME_BYTES) return this.relay.expel(member, CloseCode.TOO_LARGE, 'frame too large');
      if (!limit.allow(bytes)) return this.relay.expel(member, CloseCode.RATE_LIMITED, 'too many messages');
      this.relay.receive(member, toText(data));
    });
    // ws reports protocol errors (bad UTF-8, oversize) here and closes the socket itself.
    ws.on('error', () => undefined);
    ws.on('close', () => {
      clearInterval(pinger);
      clearTimeout(cutTimer);
      this.#sockets.delete(ws);
      this.relay.leave(member);
    });
    this.relay.join(room, member);
  }

  /** Closes every connection with 1001 and stops taking new ones; resolves when all are gone. */
  async close(): Promise<void> {
    this.#closing = true;
    this.relay.closeAll(CloseCode.GOING_AWAY, 'server shutting down');
    for (const ws of this.#sockets) {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
        ws.close(CloseCode.GOING_AWAY, 'server shutting down');
      }
    }
    const gone = [...this.#sockets].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, CLOSE_GRACE_MS).unref();
        }),
    );
    await Promise.all(gone);
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}
