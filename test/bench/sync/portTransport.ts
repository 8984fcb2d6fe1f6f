/**
 * A Transport over a worker_threads MessagePort, so two engines can run on two threads
 * (two devices really are two machines) in the sync benchmark. A port has no buffered
 * amount to pace by, so the receiver acknowledges what it delivered and the sender waits
 * while more than the high-water mark is unacknowledged: the same backpressure the port
 * contract asks of a data channel.
 *
 * Each message is copied once into a buffer of its own and that buffer is transferred,
 * never cloned: a codec's output may be a view into a larger buffer it keeps reusing.
 */
import type { MessagePort } from 'node:worker_threads';
import { LIMITS } from '../../../src/core/protocol/messages.ts';
import {
  MessageTooLargeError,
  TransportClosedError,
  type CloseReason,
  type Transport,
  type Unsubscribe,
} from '../../../src/ports/Transport.ts';
import { TransportListeners } from '../../../src/adapters/transport/transportListeners.ts';

type Frame = Uint8Array | { readonly ack: number } | { readonly close: string };

interface Waiting {
  readonly bytes: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class PortTransport implements Transport {
  readonly maxMessageSize = LIMITS.messageBytes;
  #unacknowledged = 0;
  #toAcknowledge = 0;
  readonly #waiting: Waiting[] = [];
  readonly #listeners = new TransportListeners();

  constructor(
    private readonly port: MessagePort,
    private readonly highWaterMark = 16 << 20,
  ) {
    port.on('message', (frame: Frame) => this.#receive(frame));
    port.on('close', () => this.#shut({ by: 'lost', message: 'the port closed' }));
  }

  send(message: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportClosedError(this.closed));
    if (message.length > this.maxMessageSize) {
      return Promise.reject(new MessageTooLargeError(message.length, this.maxMessageSize));
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push({ bytes: message, resolve, reject });
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
    this.port.postMessage({ close: message } satisfies Frame);
    this.#shut({ by: 'local', message });
    this.port.close();
  }

  #pump(): void {
    while (this.#waiting.length > 0 && this.#unacknowledged < this.highWaterMark && !this.closed) {
      const next = this.#waiting.shift()!;
      // A copy of its own (Buffer.prototype.slice would be a view of the same memory).
      const own = new Uint8Array(next.bytes);
      this.#unacknowledged += own.length;
      this.port.postMessage(own, [own.buffer]);
      next.resolve();
    }
  }

  #receive(frame: Frame): void {
    if (this.closed) return;
    if (frame instanceof Uint8Array) {
      this.#listeners.message(frame);
      // One acknowledgement per turn of the event loop, not one per message.
      if (this.#toAcknowledge === 0) setImmediate(() => this.#acknowledge());
      this.#toAcknowledge += frame.length;
    } else if ('ack' in frame) {
      this.#unacknowledged -= frame.ack;
      this.#pump();
    } else {
      this.#shut({ by: 'remote', message: frame.close });
    }
  }

  #acknowledge(): void {
    if (!this.closed && this.#toAcknowledge > 0)
      this.port.postMessage({ ack: this.#toAcknowledge } satisfies Frame);
    this.#toAcknowledge = 0;
  }

  #shut(reason: CloseReason): void {
    if (!this.#listeners.close(reason)) return;
    const error = new TransportClosedError(reason);
    for (const waiting of this.#waiting.splice(0)) waiting.reject(error);
  }
}
