/**
 * Two connected stand-ins for simple-peer, enough for WebRtcTransport under Node: each has
 * a data channel whose `bufferedAmount` grows on `send` and drains one message per host
 * turn into the other side's channel `message` event, firing `bufferedamountlow` on the way down as
 * Chromium does. The real thing runs in test/e2e/webrtcTransport.spec.ts.
 */
import { EventEmitter } from 'node:events';
import type SimplePeer from '@thaunknown/simple-peer/lite.js';

export const FAKE_SDP = (fingerprint: string) =>
  `v=0\r\na=fingerprint:sha-256 ${fingerprint}\r\na=max-message-size:262144\r\n`;

export class FakeChannel extends EventTarget {
  readyState: RTCDataChannelState = 'open';
  /** simple-peer's own handler, which the transport takes off. */
  onmessage: ((event: MessageEvent) => void) | null = () => {
    throw new Error('simple-peer would have buffered this frame in its stream');
  };
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  remote: FakePeer | undefined;
  /** Frames handed over, in order: what a test can inspect. */
  readonly sent: Uint8Array[] = [];
  /** When set, `send` throws it (a channel the platform refuses to send on). */
  failSend: Error | undefined;

  send(data: Uint8Array): void {
    if (this.failSend) throw this.failSend;
    if (this.readyState !== 'open') throw new DOMException('channel is not open', 'InvalidStateError');
    const copy = data.slice();
    this.sent.push(copy);
    this.bufferedAmount += copy.length;
    setTimeout(() => this.#deliver(copy), 0);
  }

  #deliver(frame: Uint8Array): void {
    if (this.readyState !== 'open') return;
    const before = this.bufferedAmount;
    this.bufferedAmount -= frame.length;
    if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) {
      this.dispatchEvent(new Event('bufferedamountlow'));
    }
    // After `connect` the transport reads the channel itself, as it does in the browser.
    this.remote?._channel.dispatchEvent(new MessageEvent('message', { data: frame.buffer }));
  }

  /** The channel ends (here or at the other side): later sends throw, undelivered frames vanish. */
  end(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.bufferedAmount = 0;
    this.dispatchEvent(new Event('close'));
  }
}

export class FakePeerConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = 'connected';
  readonly sctp: { maxMessageSize: number } | null;

  constructor(
    readonly localDescription: { sdp: string },
    readonly remoteDescription: { sdp: string },
    maxMessageSize: number | undefined,
  ) {
    super();
    this.sctp = maxMessageSize === undefined ? null : { maxMessageSize };
  }

  fail(): void {
    this.connectionState = 'failed';
    this.dispatchEvent(new Event('connectionstatechange'));
  }
}

export class FakePeer extends EventEmitter {
  connected = true;
  destroyed = false;
  readonly _channel = new FakeChannel();
  other: FakePeer | undefined;

  constructor(readonly _pc: FakePeerConnection) {
    super();
  }

  /** Tears the connection down: both channels close, as the remote's pc.close() does. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.connected = false;
    this._channel.end();
    const other = this.other;
    setTimeout(() => other?._channel.end(), 0);
    setTimeout(() => this.emit('close'), 0);
  }

  asSimplePeer(): SimplePeer {
    return this as unknown as SimplePeer;
  }
}

/** Two fake peers joined to each other. `maxMessageSize` is what each pc's SCTP reports. */
export function fakePeerPair(maxMessageSize: number | undefined = 262_144): [FakePeer, FakePeer] {
  const sdpA = FAKE_SDP('AA:AA');
  const sdpB = FAKE_SDP('BB:BB');
  const a = new FakePeer(new FakePeerConnection({ sdp: sdpA }, { sdp: sdpB }, maxMessageSize));
  const b = new FakePeer(new FakePeerConnection({ sdp: sdpB }, { sdp: sdpA }, maxMessageSize));
  a.other = b;
  b.other = a;
  a._channel.remote = b;
  b._channel.remote = a;
  return [a, b];
}
