/**
 * Keeps this device connected to each remembered device while the page is open: one loop
 * per device that dials (meet in the reconnection room, authenticate), hands the
 * authenticated transport on, waits for it to end, and dials again. Failures back off
 * (sessionBackoff.ts); a connection that ends soon after it opened counts as a failure,
 * so two devices that keep dropping each other do not spin.
 *
 * Invariants:
 * 1. At most one dial or connection per device at a time.
 * 2. A forgotten device's loop stops at once: its dial is aborted, its transport closed.
 * 3. Every status change is heard, in order, as `(device, status)`.
 * Time and chance come in through Clock and Random, so tests drive it with a ManualClock.
 */
import type { Clock, CancelTimer } from '../ports/Clock.ts';
import type { Random } from '../ports/Random.ts';
import type { DeviceId } from '../ports/Store.ts';
import type { Transport, Unsubscribe } from '../ports/Transport.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './sessionBackoff.ts';

export type LinkState = 'offline' | 'connecting' | 'connected';

export interface LinkStatus {
  readonly state: LinkState;
  /** Why the last attempt or connection ended, for a person; cleared on connection. */
  readonly error?: string;
  /** When the next attempt starts after a failure (ms since the epoch), if one is scheduled. */
  readonly retryAt?: number;
}

export interface DialHooks {
  readonly signal: AbortSignal;
  /** The other device is there and a connection attempt has started. */
  readonly onAttempt: () => void;
}

/** Meets `device` and authenticates it; resolves with the transport, rejects with a readable error. */
export type Dial = (device: DeviceId, hooks: DialHooks) => Promise<Transport>;

export interface DeviceLinksOptions {
  readonly clock: Clock;
  readonly random: Pick<Random, 'int'>;
  readonly dial: Dial;
  /** Hears each authenticated transport (the sync engine's `connect`). */
  readonly onConnected: (device: DeviceId, transport: Transport) => void;
  readonly backoff?: BackoffPolicy;
  /** A connection that ends sooner than this after opening counts as a failure (default 10 s). */
  readonly stableMs?: number;
}

interface Link {
  readonly device: DeviceId;
  status: LinkStatus;
  stopped: boolean;
  failures: number;
  dialing: AbortController | undefined;
  transport: Transport | undefined;
  adopted: Transport | undefined;
  wake: (() => void) | undefined;
}

const JITTER_STEPS = 1_000_000;

export class DeviceLinks {
  readonly #o: DeviceLinksOptions;
  readonly #links = new Map<DeviceId, Link>();
  readonly #listeners = new Set<(device: DeviceId, status: LinkStatus) => void>();

  constructor(options: DeviceLinksOptions) {
    this.#o = options;
  }

  status(device: DeviceId): LinkStatus | undefined {
    return this.#links.get(device)?.status;
  }

  on(listener: (device: DeviceId, status: LinkStatus) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts keeping `device` connected; does nothing if it already is watched. */
  watch(device: DeviceId): void {
    this.#watch(device, undefined);
  }

  #watch(device: DeviceId, adopted: Transport | undefined): void {
    if (this.#links.has(device)) return;
    const link: Link = {
      device,
      status: { state: 'offline' },
      stopped: false,
      failures: 0,
      dialing: undefined,
      transport: undefined,
      adopted,
      wake: undefined,
    };
    this.#links.set(device, link);
    this.#emit(link);
    void this.#run(link);
  }

  /** A transport to `device` made elsewhere (by pairing): used now, and redialled when it ends. */
  adopt(device: DeviceId, transport: Transport): void {
    if (!this.#links.has(device)) return this.#watch(device, transport);
    const link = this.#links.get(device)!;
    link.adopted?.close('replaced by a newer connection');
    link.adopted = transport;
    link.dialing?.abort(new Error('replaced by a newer connection'));
    link.transport?.close('replaced by a newer connection');
    link.wake?.();
  }

  /** Stops keeping `device` connected and closes what it has (invariant 2). */
  forget(device: DeviceId, reason = 'the device was forgotten'): void {
    const link = this.#links.get(device);
    if (!link) return;
    this.#links.delete(device);
    link.stopped = true;
    link.dialing?.abort(new Error(reason));
    link.transport?.close(reason);
    link.adopted?.close(reason);
    link.wake?.();
  }

  /** Retries now every device waiting out a backoff (the network came back, the page woke). */
  wake(): void {
    for (const link of this.#links.values()) {
      link.failures = 0;
      link.wake?.();
    }
  }

  close(): void {
    for (const device of [...this.#links.keys()]) this.forget(device, 'the page is closing');
  }

  async #run(link: Link): Promise<void> {
    while (!link.stopped) {
      let transport = link.adopted;
      link.adopted = undefined;
      if (!transport) {
        this.#set(link, { state: 'offline', error: link.status.error });
        const dialing = new AbortController();
        link.dialing = dialing;
        try {
          transport = await this.#o.dial(link.device, {
            signal: dialing.signal,
            onAttempt: () => {
              if (link.dialing === dialing && !link.stopped)
                this.#set(link, { state: 'connecting', error: link.status.error });
            },
          });
        } catch (error) {
          if (link.stopped) return;
          if (link.adopted) continue; // aborted for a pairing's transport
          link.failures++;
          await this.#backOff(link, (error as Error).message);
          continue;
        } finally {
          if (link.dialing === dialing) link.dialing = undefined;
        }
        if (link.stopped) return void transport.close('the device was forgotten');
      }
      const reason = await this.#hold(link, transport);
      if (link.stopped) return;
      if (link.adopted) continue;
      if (reason.short) {
        link.failures++;
        await this.#backOff(link, reason.message);
      } else {
        link.failures = 0;
        this.#set(link, { state: 'offline', error: reason.message });
      }
    }
  }

  /** Hands `transport` on and waits for it to close. */
  async #hold(link: Link, transport: Transport): Promise<{ message: string; short: boolean }> {
    const opened = this.#o.clock.now();
    link.transport = transport;
    this.#set(link, { state: 'connected' });
    const closed = new Promise<{ message: string; short: boolean }>((resolve) => {
      transport.onClose((reason) => {
        const lasted = this.#o.clock.now() - opened;
        const message =
          reason.by === 'local' ? reason.message : `the connection ended (${reason.by}: ${reason.message})`;
        resolve({ message, short: lasted < (this.#o.stableMs ?? 10_000) });
      });
    });
    try {
      this.#o.onConnected(link.device, transport);
    } catch (error) {
      transport.close(`could not use the connection: ${(error as Error).message}`);
    }
    const reason = await closed;
    if (link.transport === transport) link.transport = undefined;
    return reason;
  }

  async #backOff(link: Link, message: string): Promise<void> {
    const unit = this.#o.random.int(JITTER_STEPS) / JITTER_STEPS;
    const delay = backoffDelay(link.failures, unit, this.#o.backoff ?? DEFAULT_BACKOFF);
    this.#set(link, { state: 'offline', error: message, retryAt: this.#o.clock.now() + delay });
    await new Promise<void>((resolve) => {
      let cancel: CancelTimer = () => {};
      const done = () => {
        cancel();
        link.wake = undefined;
        resolve();
      };
      link.wake = done;
      cancel = this.#o.clock.setTimer(delay, done);
    });
  }

  #set(link: Link, status: LinkStatus): void {
    if (link.stopped) return;
    const same =
      status.state === link.status.state &&
      status.error === link.status.error &&
      status.retryAt === link.status.retryAt;
    link.status = status;
    if (!same) this.#emit(link);
  }

  #emit(link: Link): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(link.device, link.status);
      } catch {
        // A listener's bug must not stop the links.
      }
    }
  }
}
