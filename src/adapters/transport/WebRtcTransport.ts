/**
 * The Transport port over a WebRTC data channel, through simple-peer (lite build).
 *
 * - Framing (webRtcFrames.ts): a message of up to `maxMessageSize` (the protocol's
 *   `LIMITS.messageBytes`) goes as frames of at most min(remote max-message-size, 64 KiB)
 *   and is put back together in order; a bad frame sequence closes the transport and says
 *   why.
 * - Pacing: frames go straight onto the channel (not simple-peer's stream, which caps at
 *   64 KiB) while its `bufferedAmount` is below the high-water mark; past it, sending
 *   resumes on `bufferedamountlow`. A send resolves when its last frame is on the channel.
 *   Frames are read from the channel too, once connected.
 * - Close: `close` sends a CLOSE frame behind everything accepted; the peer hears
 *   `remote` once it has read all of it, and tears the connection down, which frees this
 *   side. Delivery is promised while the peer keeps reading: a closing side waits up to
 *   `closeLingerMs` without progress, then drops the connection. Anything else that ends
 *   the connection — ICE failure, the peer's page gone, a channel error — is `lost`, with
 *   the platform's text.
 * - Authentication (src/net) reads the SDP and DTLS fingerprints the connection used.
 */
import type SimplePeer from '@thaunknown/simple-peer/lite.js';
import type { SimplePeerError } from '@thaunknown/simple-peer/lite.js';
import { LIMITS } from '../../core/protocol/messages.ts';
import {
  MessageTooLargeError,
  TransportClosedError,
  type CloseReason,
  type Transport,
  type Unsubscribe,
} from '../../ports/Transport.ts';
import {
  encodeClose,
  encodeFrameInto,
  FrameError,
  frameBytesFor,
  frameCount,
  FrameReader,
} from './webRtcFrames.ts';
import { sdpFingerprints, sdpMaxMessageSize, type DtlsFingerprint } from './webRtcSdp.ts';
import { TransportListeners } from './transportListeners.ts';

export interface WebRtcTransportOptions {
  /** Bytes the channel may hold unsent before `send` waits (default 1 MiB). */
  readonly highWaterMark?: number;
  /** The largest message, both ways (default the protocol's `LIMITS.messageBytes`). */
  readonly maxMessageSize?: number;
  /** How long a closing side waits for its buffered bytes to move before it drops the link. */
  readonly closeLingerMs?: number;
}

export interface OpenOptions extends WebRtcTransportOptions {
  /** Gives up waiting for the connection: the peer is destroyed and the open rejects. */
  readonly signal?: AbortSignal;
}

/** What each side's peer connection used: the authentication handshake binds these. */
export interface WebRtcSession {
  readonly localSdp: string;
  readonly remoteSdp: string;
  readonly localFingerprints: readonly DtlsFingerprint[];
  readonly remoteFingerprints: readonly DtlsFingerprint[];
}

interface Outgoing {
  readonly message: Uint8Array;
  readonly frames: number;
  next: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
const DEFAULT_CLOSE_LINGER_MS = 10_000;

/**
 * Waits until `peer` is connected and wraps it. Rejects with the peer's error if it fails
 * or closes first. From then on the transport owns the peer and destroys it on close.
 */
export function openWebRtcTransport(peer: SimplePeer, options: OpenOptions = {}): Promise<WebRtcTransport> {
  if (peer.destroyed) return Promise.reject(new Error('the WebRTC peer is already destroyed'));
  if (peer.connected) return Promise.resolve(new WebRtcTransport(peer, options));
  return new Promise((resolve, reject) => {
    const { signal } = options;
    const settle = (outcome: () => void) => {
      peer.off('connect', onConnect);
      peer.off('error', onError);
      peer.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const onConnect = () => settle(() => resolve(new WebRtcTransport(peer, options)));
    const onError = (error: SimplePeerError) =>
      settle(() => reject(new Error(`the WebRTC connection failed: ${error.message}`)));
    const onClose = () => settle(() => reject(new Error('the WebRTC connection closed before it opened')));
    const onAbort = () =>
      settle(() => {
        peer.destroy();
        reject(
          signal?.reason instanceof Error ? signal.reason : new Error('opening the connection was aborted'),
        );
      });
    if (signal?.aborted) return onAbort();
    peer.on('connect', onConnect);
    peer.on('error', onError);
    peer.on('close', onClose);
    signal?.addEventListener('abort', onAbort);
  });
}

export class WebRtcTransport implements Transport {
  readonly maxMessageSize: number;
  readonly session: WebRtcSession;
  /** Frame size in use: min(remote max-message-size, 64 KiB). */
  readonly frameBytes: number;

  readonly #peer: SimplePeer;
  readonly #channel: RTCDataChannel;
  readonly #highWaterMark: number;
  readonly #closeLingerMs: number;
  readonly #reader: FrameReader;
  readonly #queue: Outgoing[] = [];
  readonly #listeners = new TransportListeners((listener, message) => this.#deliverTo(listener, message));
  /** The platform's last word on why the link broke, for the `lost` reason. */
  #lastError: string | undefined;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  /** One frame's buffer, reused: `RTCDataChannel.send` copies what it is given. */
  readonly #scratch: Uint8Array<ArrayBuffer>;

  /** Use `openWebRtcTransport`: `peer` must be connected. */
  constructor(peer: SimplePeer, options: WebRtcTransportOptions = {}) {
    const pc = peer._pc;
    const channel = peer._channel;
    if (!peer.connected || !pc || !channel) throw new Error('the WebRTC peer is not connected');
    this.#peer = peer;
    this.#channel = channel;
    this.#highWaterMark = positive(options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK, 'highWaterMark');
    this.#closeLingerMs = positive(options.closeLingerMs ?? DEFAULT_CLOSE_LINGER_MS, 'closeLingerMs');
    this.maxMessageSize = positive(options.maxMessageSize ?? LIMITS.messageBytes, 'maxMessageSize');
    this.#reader = new FrameReader(this.maxMessageSize);

    const localSdp = pc.localDescription?.sdp ?? '';
    const remoteSdp = pc.remoteDescription?.sdp ?? '';
    this.session = {
      localSdp,
      remoteSdp,
      localFingerprints: sdpFingerprints(localSdp),
      remoteFingerprints: sdpFingerprints(remoteSdp),
    };
    this.frameBytes = frameBytesFor(pc.sctp?.maxMessageSize ?? sdpMaxMessageSize(remoteSdp));
    this.#scratch = new Uint8Array(this.frameBytes);

    channel.bufferedAmountLowThreshold = Math.floor(this.#highWaterMark / 2);
    channel.addEventListener('bufferedamountlow', this.#pump);
    channel.addEventListener('error', this.#onChannelError);
    channel.addEventListener('close', this.#onChannelClose);
    pc.addEventListener('connectionstatechange', this.#onConnectionState);
    // Frames that came before `connect` wait in simple-peer's stream: this drains them.
    peer.on('data', this.#onData);
    // Later frames come straight from the channel: simple-peer's stream would cost a push,
    // a buffer and an emit per frame, and hold frames nobody reads.
    channel.onmessage = null;
    channel.addEventListener('message', this.#onChannelMessage);
    peer.on('error', this.#onPeerError);
    peer.on('close', this.#onPeerClose);
  }

  /** Bytes handed to the channel and not yet sent (the high-water mark bounds it). */
  get bufferedAmount(): number {
    return this.closed ? 0 : this.#channel.bufferedAmount;
  }

  send(message: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportClosedError(this.closed));
    if (message.length > this.maxMessageSize) {
      return Promise.reject(new MessageTooLargeError(message.length, this.maxMessageSize));
    }
    return new Promise((resolve, reject) => {
      const frames = frameCount(message.length, this.frameBytes);
      this.#queue.push({ message, frames, next: 0, resolve, reject });
      this.#pump();
    });
  }

  get closed(): CloseReason | undefined {
    return this.#listeners.closed;
  }

  onMessage(listener: (message: Uint8Array) => void): Unsubscribe {
    return this.#listeners.onMessage(listener);
  }

  onClose(listener: (reason: CloseReason) => void): Unsubscribe {
    return this.#listeners.onClose(listener);
  }

  close(message: string): void {
    if (this.closed) return;
    this.#shut({ by: 'local', message });
    try {
      if (this.#channel.readyState === 'open') this.#channel.send(encodeClose(message));
    } catch {
      // The channel is going anyway: the peer hears `lost` instead of our reason.
    }
    this.#linger(this.#channel.bufferedAmount);
  }

  /** Puts queued frames on the channel while it holds less than the high-water mark. */
  readonly #pump = (): void => {
    const channel = this.#channel;
    try {
      while (!this.closed && this.#queue.length > 0 && channel.bufferedAmount < this.#highWaterMark) {
        const head = this.#queue[0]!;
        const length = encodeFrameInto(this.#scratch, head.message, head.next, this.frameBytes);
        channel.send(this.#scratch.subarray(0, length));
        if (++head.next === head.frames) {
          this.#queue.shift();
          head.resolve();
        }
      }
    } catch (error) {
      this.#lose(`sending failed: ${errorText(error)}`);
    }
  };

  readonly #onChannelMessage = (event: MessageEvent<unknown>): void => {
    const { data } = event;
    if (data instanceof ArrayBuffer) this.#onData(new Uint8Array(data));
    else this.close('the peer sent a text message; this connection carries only binary frames');
  };

  readonly #onData = (frame: Uint8Array): void => {
    if (this.closed) return;
    let event;
    try {
      event = this.#reader.read(frame);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.close(`malformed frames from the peer: ${error.message}`);
      return;
    }
    if (event.kind === 'close') {
      this.#shut({ by: 'remote', message: event.reason });
      this.#peer.destroy();
    } else if (event.kind === 'message') {
      this.#listeners.message(event.message);
    }
  };

  #deliverTo(listener: (message: Uint8Array) => void, message: Uint8Array): void {
    if (this.closed) return;
    try {
      listener(message);
    } catch (error) {
      // A listener must not throw; if one does, say so rather than wedge the stream.
      this.close(`a message listener threw: ${errorText(error)}`);
    }
  }

  readonly #onChannelError = (event: Event): void => {
    const error = (event as Partial<RTCErrorEvent>).error;
    this.#lastError ??= error?.message || 'data channel error';
  };

  readonly #onChannelClose = (): void => {
    if (this.closed) this.#destroy();
    else this.#lose(this.#lastError ?? 'the data channel closed without a goodbye');
  };

  readonly #onConnectionState = (): void => {
    const state = this.#peer._pc?.connectionState;
    if (state === 'failed') this.#lose('the connection failed (ICE or DTLS)');
  };

  readonly #onPeerError = (error: SimplePeerError): void => {
    this.#lastError ??= error.message;
    this.#lose(error.message);
  };

  readonly #onPeerClose = (): void => this.#lose(this.#lastError ?? 'the connection closed');

  /**
   * The link broke. Frames delivered just before may still be on their way — simple-peer's
   * stream flushes on microtasks, its error comes a turn late — perhaps the peer's CLOSE,
   * so they get a turn first.
   */
  #lose(message: string): void {
    if (this.closed) return;
    setTimeout(() => {
      if (this.closed) return;
      this.#shut({ by: 'lost', message });
      this.#destroy();
    }, 0);
  }

  /**
   * After a local close: waits for the peer to take the CLOSE frame and hang up, while
   * buffered bytes keep moving; drops the connection when they stop for `closeLingerMs`.
   */
  #linger(buffered: number): void {
    if (this.#peer.destroyed) return;
    this.#lingerTimer = setTimeout(() => {
      const now = this.#peer.destroyed ? 0 : this.#channel.bufferedAmount;
      if (now > 0 && now < buffered) this.#linger(now);
      else this.#destroy();
    }, this.#closeLingerMs);
  }

  #destroy(): void {
    clearTimeout(this.#lingerTimer);
    this.#channel.removeEventListener('bufferedamountlow', this.#pump);
    if (!this.#peer.destroyed) this.#peer.destroy();
  }

  /** Closes this side: waiting sends reject, close listeners hear it once. */
  #shut(reason: CloseReason): void {
    if (!this.#listeners.close(reason)) return;
    const error = new TransportClosedError(reason);
    for (const waiting of this.#queue.splice(0)) waiting.reject(error);
  }
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
