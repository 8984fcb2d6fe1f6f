/**
 * Two Transports joined in memory, for tests and the simulation (STYLE practice 11: a
 * seeded connector delivers one queued message per step). Each direction is a queue; the
 * `MemoryLink` decides when its head is delivered: at once (on a microtask), after a
 * virtual latency, or only when the test steps it. The link can also lose a message or
 * break, so a simulation can cut a connection at any point of a conversation.
 *
 * Backpressure is real: a side's buffered amount is the bytes it sent that are not yet
 * delivered, and `send` waits while that is at or above the high-water mark.
 */
import type { Clock } from '../../ports/Clock.ts';
import {
  MessageTooLargeError,
  TransportClosedError,
  type CloseReason,
  type Transport,
  type Unsubscribe,
} from '../../ports/Transport.ts';
import { TransportListeners } from './transportListeners.ts';

export type Side = 'a' | 'b';

export interface MemoryPairOptions {
  /** Bytes a side may have undelivered before `send` waits (default 256 KiB). */
  readonly highWaterMark?: number;
  /** Largest message accepted (default 64 KiB, DESIGN.md's data-channel frame limit). */
  readonly maxMessageSize?: number;
  /**
   * `auto` (default): every message is delivered on a microtask, or after `latency` on its
   * clock. `manual`: nothing moves until the test calls `link.step()`.
   */
  readonly delivery?: 'auto' | 'manual';
  /** With `auto` delivery: deliver each message this long after it was accepted. */
  readonly latency?: { readonly clock: Clock; readonly ms: number };
}

/** The wire between the two sides, as a test or the simulation drives it. */
export interface MemoryLink {
  /** Messages (and a close notice) sent by `from`, or by both sides, not yet delivered. */
  pending(from?: Side): number;
  /**
   * Delivers the oldest item sent by `from`, or without `from` the oldest of both sides.
   * Returns false when there was nothing to deliver.
   */
  step(from?: Side): boolean;
  /** Steps until nothing is pending (items sent meanwhile included); returns how many. */
  flush(): number;
  /**
   * Loses the next message sent by `from` — something a reliable transport never does,
   * for tests of what the protocol does about it. Returns false if none was pending.
   */
  drop(from: Side): boolean;
  /** Breaks the link: both sides close with `by: 'lost'`; undelivered messages vanish. */
  cut(message?: string): void;
}

export interface MemoryPair {
  readonly a: Transport;
  readonly b: Transport;
  readonly link: MemoryLink;
}

type Item =
  | { readonly kind: 'message'; readonly bytes: Uint8Array }
  | { readonly kind: 'close'; readonly message: string };

interface Waiting {
  readonly bytes: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

class MemoryTransport implements Transport {
  readonly maxMessageSize: number;
  /** Items this side sent, oldest first, not yet delivered to the peer. */
  readonly outbox: Item[] = [];
  buffered = 0;
  readonly #waiting: Waiting[] = [];
  readonly #listeners = new TransportListeners();

  constructor(
    readonly wire: Wire,
    readonly side: Side,
  ) {
    this.maxMessageSize = wire.maxMessageSize;
  }

  send(message: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportClosedError(this.closed));
    if (message.length > this.maxMessageSize) {
      return Promise.reject(new MessageTooLargeError(message.length, this.maxMessageSize));
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push({ bytes: message.slice(), resolve, reject });
      this.pump();
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
    this.shut({ by: 'local', message });
    this.wire.enqueue(this.side, { kind: 'close', message });
  }

  /** Accepts waiting sends, oldest first, while below the high-water mark. */
  pump(): void {
    while (this.#waiting.length > 0 && this.buffered < this.wire.highWaterMark && !this.closed) {
      const next = this.#waiting.shift()!;
      this.buffered += next.bytes.length;
      this.wire.enqueue(this.side, { kind: 'message', bytes: next.bytes });
      next.resolve();
    }
  }

  /** An item from the peer arrives. */
  receive(item: Item): void {
    if (this.closed) return;
    if (item.kind === 'close') this.shut({ by: 'remote', message: item.message });
    else this.#listeners.message(item.bytes);
  }

  /** Closes this side: waiting sends reject, close listeners hear it once. */
  shut(reason: CloseReason): void {
    if (!this.#listeners.close(reason)) return;
    const error = new TransportClosedError(reason);
    for (const waiting of this.#waiting.splice(0)) waiting.reject(error);
  }
}

class Wire implements MemoryLink {
  readonly highWaterMark: number;
  readonly maxMessageSize: number;
  readonly a: MemoryTransport;
  readonly b: MemoryTransport;
  readonly #options: MemoryPairOptions;
  /** Both outboxes' items in the order they were sent, by side: picks the oldest overall. */
  readonly #order: Side[] = [];

  constructor(options: MemoryPairOptions) {
    this.#options = options;
    this.highWaterMark = options.highWaterMark ?? 256 * 1024;
    this.maxMessageSize = options.maxMessageSize ?? 64 * 1024;
    this.a = new MemoryTransport(this, 'a');
    this.b = new MemoryTransport(this, 'b');
  }

  enqueue(from: Side, item: Item): void {
    this.#sender(from).outbox.push(item);
    this.#order.push(from);
    if (this.#options.delivery === 'manual') return;
    const deliver = () => void this.step(from);
    const latency = this.#options.latency;
    if (latency) latency.clock.setTimer(latency.ms, deliver);
    else queueMicrotask(deliver);
  }

  pending(from?: Side): number {
    return from ? this.#sender(from).outbox.length : this.a.outbox.length + this.b.outbox.length;
  }

  step(from?: Side): boolean {
    const side = from ?? this.#order[0];
    if (!side) return false;
    const item = this.#take(side);
    if (!item) return false;
    this.#receiver(side).receive(item);
    return true;
  }

  flush(): number {
    let delivered = 0;
    while (this.step()) delivered++;
    return delivered;
  }

  drop(from: Side): boolean {
    const sender = this.#sender(from);
    const index = sender.outbox.findIndex((item) => item.kind === 'message');
    if (index < 0) return false;
    this.#remove(from, index);
    return true;
  }

  cut(message = 'the connection was lost'): void {
    for (const side of ['a', 'b'] as const) {
      const sender = this.#sender(side);
      sender.outbox.length = 0;
      sender.buffered = 0;
    }
    this.#order.length = 0;
    this.a.shut({ by: 'lost', message });
    this.b.shut({ by: 'lost', message });
  }

  #take(side: Side): Item | undefined {
    return this.#sender(side).outbox.length > 0 ? this.#remove(side, 0) : undefined;
  }

  /** Takes an item out of a side's outbox, freeing its bytes for waiting sends. */
  #remove(side: Side, index: number): Item {
    const sender = this.#sender(side);
    const [item] = sender.outbox.splice(index, 1);
    // The n-th item of this side in the global order is its n-th outbox item.
    let seen = -1;
    const at = this.#order.findIndex((s) => s === side && ++seen === index);
    this.#order.splice(at, 1);
    if (item!.kind === 'message') sender.buffered -= item!.bytes.length;
    sender.pump();
    return item!;
  }

  #sender(side: Side): MemoryTransport {
    return side === 'a' ? this.a : this.b;
  }

  #receiver(from: Side): MemoryTransport {
    return from === 'a' ? this.b : this.a;
  }
}

/** Two connected transports and the link between them. */
export function createMemoryPair(options: MemoryPairOptions = {}): MemoryPair {
  const wire = new Wire(options);
  return { a: wire.a, b: wire.b, link: wire };
}
