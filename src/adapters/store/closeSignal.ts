/**
 * The `onClose` signal both stores give (Store.onClose): fires once, with a reason, when
 * the backing goes away without `close`; a listener added after that is called in a
 * microtask with the same reason; after `close`, no listener is ever called.
 */
import type { Unsubscribe } from '../../ports/Store.ts';

type Listener = (reason: string) => void;

export class CloseSignal {
  /** One entry per subscription, so the same function added twice is called twice. */
  readonly #listeners = new Set<{ readonly listener: Listener }>();
  #reason: string | undefined;
  #settled = false;

  subscribe(listener: Listener): Unsubscribe {
    const entry = { listener };
    if (this.#reason !== undefined) {
      const reason = this.#reason;
      let active = true;
      queueMicrotask(() => {
        if (active) call(listener, reason);
      });
      return () => void (active = false);
    }
    if (this.#settled) return () => {};
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  /** The backing went away: calls every listener once, unless `cancel` or `fire` came first. */
  fire(reason: string): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reason = reason;
    const entries = [...this.#listeners];
    this.#listeners.clear();
    for (const { listener } of entries) call(listener, reason);
  }

  /** The store was closed by its owner: forgets every listener, and `fire` does nothing. */
  cancel(): void {
    this.#settled = true;
    this.#listeners.clear();
  }
}

/** A listener that throws does not stop the others; its error is reported on its own. */
function call(listener: Listener, reason: string): void {
  try {
    listener(reason);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
