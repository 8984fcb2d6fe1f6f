/**
 * WebRtcTransport in a real page, exposed as `window.tandemRtc` to
 * test/e2e/webrtcTransport.spec.ts and test/bench/transportBrowser.ts. Each page is one
 * device; the Node side carries the signals between two pages (no relay needed), then
 * asks one page to send planned messages and the other what it received, as hashes.
 * For the benchmark it also opens a raw RTCDataChannel beside the transport, paced the
 * same way, as the reference.
 */
import type { SimplePeerSignal } from '@thaunknown/simple-peer/lite.js';
import {
  openWebRtcTransport,
  type WebRtcTransport,
} from '../../../src/adapters/transport/WebRtcTransport.ts';
import { createWebRtcPeer } from '../../../src/adapters/transport/webRtcPeer.ts';
import type { DtlsFingerprint } from '../../../src/adapters/transport/webRtcSdp.ts';
import type { CloseReason } from '../../../src/ports/Transport.ts';

export interface ConnectInfo {
  readonly frameBytes: number;
  readonly maxMessageSize: number;
  readonly localFingerprints: readonly DtlsFingerprint[];
  readonly remoteFingerprints: readonly DtlsFingerprint[];
  readonly sdpHasFingerprint: boolean;
}

export type OpenState =
  | { readonly state: 'opening' }
  | { readonly state: 'open'; readonly info: ConnectInfo }
  | { readonly state: 'failed'; readonly error: string };

export interface SendPlan {
  readonly sizes: readonly number[];
  readonly seed: number;
  /** `each`: await every send before the next; `all`: call them all, then await all. */
  readonly mode: 'each' | 'all';
}

export interface SendReport {
  readonly hashes: string[];
  /** The largest `bufferedAmount` seen: after each accepted send and every few ms. */
  readonly maxBuffered: number;
  /** With `all`: sends accepted before the page went back to its event loop. */
  readonly acceptedAtOnce: number;
  readonly outcome: 'sent' | string;
}

export interface ReceivedReport {
  readonly count: number;
  readonly hashes: string[];
}

export interface BenchRun {
  readonly bytes: number;
  readonly startedAt: number;
}

let transport: WebRtcTransport | undefined;
let openState: OpenState = { state: 'opening' };
const outgoing: string[] = [];
const received: Uint8Array[] = [];
let closeReason: CloseReason | undefined;
let peer: ReturnType<typeof createWebRtcPeer> | undefined;
let raw: RawChannel | undefined;
let benchReceiving: Promise<number> | undefined;

/** Deterministic bytes for message `index` of a plan: xorshift32 seeded by both. */
function messageBytes(seed: number, index: number, size: number): Uint8Array<ArrayBuffer> {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = (seed * 0x9e3779b1 + index * 0x85ebca6b + 1) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, size);
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes.slice());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function open(): WebRtcTransport {
  if (!transport) throw new Error('the transport is not open');
  return transport;
}

function errorName(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const by = (error as Error & { reason?: CloseReason }).reason?.by;
  return by ? `${error.name}:${by}` : `${error.name}: ${error.message}`;
}

const harness = {
  start(initiator: boolean, highWaterMark?: number): void {
    peer = createWebRtcPeer({ initiator });
    peer.on('signal', (signal) => outgoing.push(JSON.stringify(signal)));
    openWebRtcTransport(peer, highWaterMark ? { highWaterMark } : {}).then(
      (opened) => {
        transport = opened;
        opened.onClose((reason) => (closeReason = reason));
        const { session } = opened;
        openState = {
          state: 'open',
          info: {
            frameBytes: opened.frameBytes,
            maxMessageSize: opened.maxMessageSize,
            localFingerprints: session.localFingerprints,
            remoteFingerprints: session.remoteFingerprints,
            sdpHasFingerprint: session.remoteSdp.includes('a=fingerprint:'),
          },
        };
      },
      (error: unknown) => (openState = { state: 'failed', error: String(error) }),
    );
  },

  takeSignals(): string[] {
    return outgoing.splice(0);
  },

  giveSignals(signals: string[]): void {
    for (const signal of signals) peer?.signal(JSON.parse(signal) as SimplePeerSignal);
  },

  openState(): OpenState {
    return openState;
  },

  /** Starts keeping what arrives; `held` first waits a while so messages queue unheard. */
  async listen(holdMs = 0): Promise<void> {
    if (holdMs > 0) await sleep(holdMs);
    open().onMessage((message) => received.push(message));
  },

  receivedCount(): number {
    return received.length;
  },

  async received(): Promise<ReceivedReport> {
    const hashes: string[] = [];
    for (const message of received) hashes.push(await sha256(message));
    return { count: received.length, hashes };
  },

  async send(plan: SendPlan): Promise<SendReport> {
    const t = open();
    const messages = plan.sizes.map((size, i) => messageBytes(plan.seed, i, size));
    const hashes: string[] = [];
    for (const message of messages) hashes.push(await sha256(message));
    let maxBuffered = 0;
    const sample = () => (maxBuffered = Math.max(maxBuffered, t.bufferedAmount));
    const sampler = setInterval(sample, 2);
    let acceptedAtOnce = -1;
    let outcome = 'sent';
    try {
      if (plan.mode === 'each') {
        for (const message of messages) {
          await t.send(message);
          sample();
        }
      } else {
        let accepted = 0;
        const sends = messages.map((message) =>
          t.send(message).then(() => {
            accepted++;
            sample();
          }),
        );
        sample();
        // Sends accepted without waiting resolve on these microtasks; the rest wait for
        // `bufferedamountlow`, which needs the event loop.
        for (let i = 0; i < 3; i++) await Promise.resolve();
        acceptedAtOnce = accepted;
        await Promise.all(sends);
      }
    } catch (error) {
      outcome = errorName(error);
    } finally {
      clearInterval(sampler);
    }
    return { hashes, maxBuffered, acceptedAtOnce, outcome };
  },

  close(reason: string): void {
    open().close(reason);
  },

  /** The close reason, once closed; waits at most `timeoutMs`. */
  async closed(timeoutMs: number): Promise<CloseReason | 'still open'> {
    const deadline = performance.now() + timeoutMs;
    while (!closeReason && performance.now() < deadline) await sleep(20);
    return closeReason ?? 'still open';
  },

  async sendAfterClose(): Promise<string> {
    try {
      await open().send(new Uint8Array(8));
      return 'accepted';
    } catch (error) {
      return errorName(error);
    }
  },

  /** Bypasses the transport: puts raw bytes on the data channel, as a broken peer would. */
  sendRawFrame(bytes: number[]): void {
    const channel = peer?._channel;
    if (!channel) throw new Error('no data channel');
    channel.send(new Uint8Array(bytes));
  },

  /** Sender side of a benchmark run: `total` bytes in messages of `size`, each awaited. */
  async benchSend(total: number, size: number): Promise<BenchRun> {
    const t = open();
    const message = messageBytes(1, 0, size);
    const startedAt = now();
    for (let sent = 0; sent < total; sent += size) await t.send(message);
    return { bytes: total, startedAt };
  },

  /**
   * Receiver side, in two steps so it listens before the sender starts: `benchArm` starts
   * counting (the raw channel's or the transport's bytes), `benchFinish` resolves with the
   * time the `total`-th byte arrived, or rejects after `timeoutMs`.
   */
  benchArm(channel: 'raw' | 'transport', total: number, timeoutMs: number): void {
    benchReceiving = countBytes(total, timeoutMs, (onBytes) => {
      if (channel === 'transport') return open().onMessage((m) => onBytes(m.length));
      const reference = raw!;
      reference.onMessage = onBytes;
      return () => (reference.onMessage = undefined);
    });
    benchReceiving.catch(() => {}); // benchFinish reports it
  },

  benchFinish(): Promise<number> {
    if (!benchReceiving) return Promise.reject(new Error('benchArm was not called'));
    return benchReceiving;
  },
};

/**
 * A raw RTCDataChannel, the benchmark's reference: negotiated up front (no `datachannel`
 * event), SDP sent once ICE gathering completes, sends paced on `bufferedAmount` as the
 * transport paces them.
 */
class RawChannel {
  readonly pc = new RTCPeerConnection({ iceServers: [] });
  readonly channel = this.pc.createDataChannel('raw', { negotiated: true, id: 0, ordered: true });
  readonly signals: string[] = [];
  onMessage: ((bytes: number) => void) | undefined;

  constructor(
    readonly initiator: boolean,
    readonly highWaterMark: number,
  ) {
    this.channel.binaryType = 'arraybuffer';
    this.channel.bufferedAmountLowThreshold = highWaterMark / 2;
    this.channel.onmessage = (event: MessageEvent<ArrayBuffer>) => this.onMessage?.(event.data.byteLength);
    if (initiator) void this.#describe(() => this.pc.createOffer());
  }

  async give(signal: string): Promise<void> {
    await this.pc.setRemoteDescription(JSON.parse(signal) as RTCSessionDescriptionInit);
    if (!this.initiator) await this.#describe(() => this.pc.createAnswer());
  }

  async #describe(create: () => Promise<RTCSessionDescriptionInit>): Promise<void> {
    await this.pc.setLocalDescription(await create());
    for (let i = 0; i < 250 && this.pc.iceGatheringState !== 'complete'; i++) await sleep(20);
    this.signals.push(JSON.stringify(this.pc.localDescription));
  }

  async send(total: number, size: number): Promise<BenchRun> {
    const message = messageBytes(1, 0, size);
    const startedAt = now();
    for (let sent = 0; sent < total; sent += size) {
      if (this.channel.bufferedAmount >= this.highWaterMark) {
        await new Promise((resolve) =>
          this.channel.addEventListener('bufferedamountlow', resolve, { once: true }),
        );
      }
      this.channel.send(message);
    }
    return { bytes: total, startedAt };
  }
}

function countBytes(
  total: number,
  timeoutMs: number,
  subscribe: (onBytes: (bytes: number) => void) => () => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`received ${got} of ${total} bytes in ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = subscribe((bytes) => {
      got += bytes;
      if (got < total) return;
      clearTimeout(timer);
      stop();
      resolve(now());
    });
  });
}

const rawHarness = {
  rawStart(initiator: boolean, highWaterMark: number): void {
    raw = new RawChannel(initiator, highWaterMark);
  },
  rawTakeSignals(): string[] {
    return raw?.signals.splice(0) ?? [];
  },
  async rawGiveSignals(signals: string[]): Promise<void> {
    for (const signal of signals) await raw!.give(signal);
  },
  rawOpen(): boolean {
    return raw?.channel.readyState === 'open';
  },
  rawBenchSend(total: number, size: number): Promise<BenchRun> {
    return raw!.send(total, size);
  },
};

const tandemRtc = { ...harness, ...rawHarness };
export type RtcHarness = typeof tandemRtc;

declare global {
  interface Window {
    tandemRtc: RtcHarness;
  }
}
window.tandemRtc = tandemRtc;
