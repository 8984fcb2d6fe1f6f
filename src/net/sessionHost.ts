/**
 * The network as the UI sees it: this device's name and IDs, its paired devices, and
 * pairing. The session (and the sync engine behind it) starts once the device has a name,
 * because pairing and the engine's hello both send it.
 */
import type { DeviceShortId } from '../core/model/fileRecord.ts';
import type { DeviceId, Store } from '../ports/Store.ts';
import type { Unsubscribe } from '../ports/Transport.ts';
import { saveDeviceName } from './deviceName.ts';
import type { PairResult } from './handshakePair.ts';
import type { DeviceView, PairingInvite, Session } from './session.ts';

export interface NetworkService {
  readonly deviceId: DeviceId;
  readonly shortId: DeviceShortId;
  /** `undefined` until the person names this device. */
  readonly name: string | undefined;
  /** Why the network part cannot run, if it cannot (shown instead of pairing). */
  readonly problem: string | undefined;
  /** Validates and saves the name; the first one starts the session. */
  setName(name: string): Promise<void>;
  devices(): DeviceView[];
  /** Hears changes to the name, the devices and their status. */
  onChange(listener: () => void): Unsubscribe;
  startPairing(): PairingInvite;
  joinPairing(link: string, hooks?: { onAttempt?: () => void; signal?: AbortSignal }): Promise<PairResult>;
  forget(id: DeviceId): Promise<void>;
}

export interface SessionHostOptions {
  readonly deviceId: DeviceId;
  readonly shortId: DeviceShortId;
  readonly store: Pick<Store, 'setSetting'>;
  readonly name: string | undefined;
  /** Starts the session (and the engine) for a device with this name. */
  readonly start: (name: () => string) => Promise<Session>;
}

export class SessionHost implements NetworkService {
  readonly deviceId: DeviceId;
  readonly shortId: DeviceShortId;
  readonly #o: SessionHostOptions;
  readonly #listeners = new Set<() => void>();
  #name: string | undefined;
  #session: Session | undefined;
  #problem: string | undefined;

  static async create(options: SessionHostOptions): Promise<SessionHost> {
    const host = new SessionHost(options);
    if (options.name !== undefined) await host.#start();
    return host;
  }

  private constructor(options: SessionHostOptions) {
    this.#o = options;
    this.deviceId = options.deviceId;
    this.shortId = options.shortId;
    this.#name = options.name;
  }

  get name(): string | undefined {
    return this.#name;
  }

  get problem(): string | undefined {
    return this.#problem;
  }

  async setName(name: string): Promise<void> {
    this.#name = await saveDeviceName(this.#o.store, name);
    if (!this.#session) await this.#start();
    this.#changed();
  }

  devices(): DeviceView[] {
    return this.#session?.devices() ?? [];
  }

  onChange(listener: () => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  startPairing(): PairingInvite {
    return this.#ready().startPairing();
  }

  joinPairing(link: string, hooks?: { onAttempt?: () => void; signal?: AbortSignal }): Promise<PairResult> {
    try {
      return this.#ready().joinPairing(link, hooks);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  forget(id: DeviceId): Promise<void> {
    return this.#ready().forget(id);
  }

  #ready(): Session {
    if (this.#session) return this.#session;
    throw new Error(this.#problem ?? 'name this device first');
  }

  async #start(): Promise<void> {
    try {
      this.#session = await this.#o.start(() => this.#name ?? '');
      this.#session.onChange(() => this.#changed());
      this.#problem = undefined;
    } catch (error) {
      this.#problem = `the network could not start: ${(error as Error).message}`;
    }
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
