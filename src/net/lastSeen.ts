/**
 * When each paired device was last connected, kept as one JSON setting so the device list
 * can say "last seen 10:41" after a reload:
 *
 *   { "v": 1, "seen": { "<device ID>": <ms since the epoch> } }
 *
 * A device counts as seen when a connection opens, every `HEARTBEAT_MS` while it stays
 * open (a page closed mid-connection still leaves a recent time), and when it closes. A
 * damaged setting reads as "never seen": the times are a courtesy, not a record to guard.
 */
import type { CancelTimer, Clock } from '../ports/Clock.ts';
import type { DeviceId, Store } from '../ports/Store.ts';
import { isDeviceId } from './identity.ts';

export const LAST_SEEN_SETTING = 'devices-last-seen';
export const HEARTBEAT_MS = 60_000;

export class LastSeen {
  readonly #store: Pick<Store, 'getSetting' | 'setSetting'>;
  readonly #clock: Clock;
  readonly #seen = new Map<DeviceId, number>();
  readonly #connected = new Set<DeviceId>();
  #heartbeat: CancelTimer | undefined;
  #saving: Promise<void> = Promise.resolve();

  constructor(store: Pick<Store, 'getSetting' | 'setSetting'>, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Reads the saved times; a damaged setting is dropped. */
  async load(): Promise<void> {
    const text = await this.#store.getSetting(LAST_SEEN_SETTING).catch(() => undefined);
    for (const [device, at] of parseLastSeen(text)) if (!this.#seen.has(device)) this.#seen.set(device, at);
  }

  /** When `device` was last connected (ms since the epoch), if ever. */
  get(device: DeviceId): number | undefined {
    return this.#seen.get(device);
  }

  /** A connection to `device` opened. */
  opened(device: DeviceId): void {
    this.#connected.add(device);
    this.#mark([device]);
    this.#heartbeat ??= this.#clock.setTimer(HEARTBEAT_MS, () => this.#beat());
  }

  /** The connection to `device` closed. */
  closed(device: DeviceId): void {
    if (!this.#connected.delete(device)) return;
    this.#mark([device]);
  }

  /** Drops a forgotten device. */
  forget(device: DeviceId): void {
    this.#connected.delete(device);
    if (this.#seen.delete(device)) this.#save();
  }

  /** Stops the heartbeat (the session closed). */
  stop(): void {
    this.#heartbeat?.();
    this.#heartbeat = undefined;
    this.#connected.clear();
  }

  /** Resolves once the last change is saved (tests). */
  settled(): Promise<void> {
    return this.#saving;
  }

  #beat(): void {
    this.#heartbeat = undefined;
    if (this.#connected.size === 0) return;
    this.#mark([...this.#connected]);
    this.#heartbeat = this.#clock.setTimer(HEARTBEAT_MS, () => this.#beat());
  }

  #mark(devices: readonly DeviceId[]): void {
    const now = this.#clock.now();
    for (const device of devices) this.#seen.set(device, now);
    this.#save();
  }

  #save(): void {
    const text = JSON.stringify({ v: 1, seen: Object.fromEntries(this.#seen) });
    // One write after another; a failed write is retried by the next change.
    this.#saving = this.#saving.then(() => this.#store.setSetting(LAST_SEEN_SETTING, text)).catch(() => {});
  }
}

/** The entries of a saved setting that are well formed; none for a damaged one. */
export function parseLastSeen(text: string | undefined): Map<DeviceId, number> {
  const out = new Map<DeviceId, number>();
  if (text === undefined || text.length > 1 << 20) return out;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return out;
  }
  if (typeof value !== 'object' || value === null || (value as { v?: unknown }).v !== 1) return out;
  const seen = (value as { seen?: unknown }).seen;
  if (typeof seen !== 'object' || seen === null || Array.isArray(seen)) return out;
  for (const [device, at] of Object.entries(seen)) {
    if (isDeviceId(device) && typeof at === 'number' && Number.isSafeInteger(at) && at > 0)
      out.set(device, at);
  }
  return out;
}
