/**
 * The listening half of the Transport port (ports/Transport.ts), as every adapter must
 * keep it: messages that arrive before anyone listens are held for the first listener;
 * the close is heard once, and at once by a listener that comes after it; once closed,
 * nothing more is heard.
 */
import type { CloseReason, Unsubscribe } from '../../ports/Transport.ts';

export type Deliver = (listener: (message: Uint8Array) => void, message: Uint8Array) => void;

export class TransportListeners {
  #closed: CloseReason | undefined;
  readonly #held: Uint8Array[] = [];
  readonly #messageListeners = new Set<(message: Uint8Array) => void>();
  readonly #closeListeners = new Set<(reason: CloseReason) => void>();

  /** `deliver` hands one message to one listener (an adapter may guard the call). */
  constructor(private readonly deliver: Deliver = (listener, message) => listener(message)) {}

  get closed(): CloseReason | undefined {
    return this.#closed;
  }

  onMessage(listener: (message: Uint8Array) => void): Unsubscribe {
    if (this.#closed) return () => {};
    this.#messageListeners.add(listener);
    for (const message of this.#held.splice(0)) this.deliver(listener, message);
    return () => this.#messageListeners.delete(listener);
  }

  onClose(listener: (reason: CloseReason) => void): Unsubscribe {
    if (this.#closed) {
      listener(this.#closed);
      return () => {};
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** A message from the peer: to every listener, or held for the first one. */
  message(message: Uint8Array): void {
    if (this.#closed) return;
    if (this.#messageListeners.size === 0) this.#held.push(message);
    else for (const listener of this.#messageListeners) this.deliver(listener, message);
  }

  /** Closes, once: returns false when already closed. Close listeners hear `reason`. */
  close(reason: CloseReason): boolean {
    if (this.#closed) return false;
    this.#closed = reason;
    this.#held.length = 0;
    this.#messageListeners.clear();
    const listeners = [...this.#closeListeners];
    this.#closeListeners.clear();
    for (const listener of listeners) listener(reason);
    return true;
  }
}
