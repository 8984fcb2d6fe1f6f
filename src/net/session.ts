/**
 * The session layer: what the page does on the network for its person. It pairs (as the
 * device that made a link, or the one that opened it) and keeps every remembered device
 * connected while the page is open, handing each authenticated transport to the sync
 * engine. The UI hears a list of devices with their status and last error.
 *
 * Rooms: a pairing meets in the link's room (the inviter offers); remembered devices meet
 * in `reconnectionRoom(me, them)`, where the lower device ID offers.
 */
import { systemClock } from '../adapters/clock/SystemClock.ts';
import { CryptoRandom } from '../adapters/random/CryptoRandom.ts';
import type { Clock } from '../ports/Clock.ts';
import type { DeviceId, Store } from '../ports/Store.ts';
import type { Transport, Unsubscribe } from '../ports/Transport.ts';
import { meetInRoom, MeetError, type Meeting, type MeetOptions } from './connector.ts';
import type { ConnectionPath } from './connectionPath.ts';
import { DeviceLinks, type LinkStatus } from './deviceLinks.ts';
import { authenticate } from './handshakeAuth.ts';
import { PairingError } from './handshakeErrors.ts';
import { pair, type PairResult } from './handshakePair.ts';
import type { DeviceIdentity } from './identity.ts';
import { Invites } from './invites.ts';
import { LastSeen } from './lastSeen.ts';
import { createInvite, INVITE_TTL_MS, parsePairingLink } from './pairingLink.ts';
import type { RememberedDevice, RememberedDevices } from './rememberedDevices.ts';
import { reconnectionRoom } from './rooms.ts';
import { runInvite, type PairingInvite } from './sessionPairing.ts';
import type { SocketConstructor } from './signalingClient.ts';

export type { PairingInvite, PairingPhase } from './sessionPairing.ts';
export type { LinkState, LinkStatus } from './deviceLinks.ts';
export type { ConnectionPath } from './connectionPath.ts';

/** How long a device that opened a link waits for the device that made it. */
export const JOIN_WAIT_MS = 20_000;
/** Invites answered at once; making another cancels the oldest. */
const MAX_OPEN_INVITES = 3;

export interface SessionOptions {
  readonly identity: DeviceIdentity;
  readonly remembered: RememberedDevices;
  /** This device's name as chosen by the user (pairing sends it). */
  readonly name: () => string;
  /** The relay endpoint (`signalingUrlFor(location.href)`). */
  readonly signalingUrl: string;
  /** The app's address, for pairing links (`location.href`). */
  readonly pageUrl: string;
  /** Receives each authenticated transport (the sync engine). */
  readonly engine: { connect(peer: DeviceId, transport: Transport): void };
  readonly iceServers?: readonly RTCIceServer[];
  readonly inviteTtlMs?: number;
  readonly joinWaitMs?: number;
  readonly clock?: Clock;
  readonly WebSocket?: SocketConstructor;
  /** Where the devices' last-seen times are kept (lastSeen.ts); in memory only without it. */
  readonly store?: Pick<Store, 'getSetting' | 'setSetting'>;
}

export interface DeviceView {
  readonly device: RememberedDevice;
  readonly status: LinkStatus;
  /** When it was last connected (ms since the epoch), if ever. */
  readonly lastSeen?: number;
  /** Which way the connection runs, while connected and once known. */
  readonly path?: ConnectionPath;
}

/** Reads a new connection's path at these times after it opens: ICE may still be settling. */
const PATH_TRIES = [0, 1000, 5000] as const;

export class Session {
  readonly #o: SessionOptions;
  readonly #clock: Clock;
  readonly #invites: Invites;
  readonly #links: DeviceLinks;
  readonly #listeners = new Set<() => void>();
  readonly #open: PairingInvite[] = [];
  readonly #lastSeen: LastSeen;
  /** How to read each WebRTC transport's path (from its meeting). */
  readonly #probes = new WeakMap<Transport, Meeting['path']>();
  /** The path of each device's current connection. */
  readonly #paths = new Map<DeviceId, { readonly transport: Transport; readonly path: ConnectionPath }>();
  #devices: RememberedDevice[] = [];
  #closed = false;

  /** Starts keeping the remembered devices connected. */
  static async start(options: SessionOptions): Promise<Session> {
    const session = new Session(options);
    await session.#lastSeen.load();
    await session.#refresh();
    return session;
  }

  private constructor(options: SessionOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock();
    this.#invites = new Invites(this.#clock);
    const memory = new Map<string, string>();
    this.#lastSeen = new LastSeen(
      options.store ?? {
        getSetting: async (key) => memory.get(key),
        setSetting: async (key, value) => void memory.set(key, value),
      },
      this.#clock,
    );
    this.#links = new DeviceLinks({
      clock: this.#clock,
      random: new CryptoRandom(),
      dial: (device, hooks) => this.#dial(device, hooks),
      onConnected: (device, transport) => {
        this.#opened(device, transport);
        options.engine.connect(device, transport);
      },
    });
    this.#links.on(() => this.#changed());
  }

  get me(): DeviceIdentity {
    return this.#o.identity;
  }

  /** The remembered devices (by name) and how each link stands. */
  devices(): DeviceView[] {
    return this.#devices.map((device) => {
      const status = this.#links.status(device.id) ?? { state: 'offline' };
      const path = status.state === 'connected' ? this.#paths.get(device.id)?.path : undefined;
      const lastSeen = this.#lastSeen.get(device.id);
      return { device, status, ...(lastSeen !== undefined ? { lastSeen } : {}), ...(path ? { path } : {}) };
    });
  }

  /** Hears any change to `devices()`. */
  onChange(listener: () => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Makes a pairing link and answers it until it expires (sessionPairing.ts). */
  startPairing(): PairingInvite {
    this.#assertOpen();
    const invite = createInvite({
      origin: this.#o.pageUrl,
      now: this.#clock.now(),
      ttlMs: this.#o.inviteTtlMs ?? INVITE_TTL_MS,
    });
    this.#invites.add(invite);
    this.#invites.prune();
    const handle = runInvite({
      invite,
      clock: this.#clock,
      meet: (hooks) => this.#meet({ room: invite.room, initiator: true, ...hooks }),
      pair: (meeting) =>
        pair({
          role: 'inviter',
          invites: this.#invites,
          transport: meeting.transport,
          identity: this.#o.identity,
          name: this.#o.name(),
          room: invite.room,
          secret: invite.secret,
          fingerprints: meeting.fingerprints,
          remembered: this.#o.remembered,
          clock: this.#clock,
        }),
      paired: (result, transport) => this.#paired(result, transport),
      revoke: () => this.#invites.revoke(invite.room),
    });
    this.#open.push(handle);
    while (this.#open.length > MAX_OPEN_INVITES) this.#open.shift()!.cancel();
    return handle;
  }

  /**
   * Pairs through a link another device made (scanned, pasted or opened). Rejects with
   * `PairingLinkError` for a malformed link, `MeetError` when nobody answers or no
   * connection opens, and `PairingError` when the handshake fails.
   */
  async joinPairing(
    linkText: string,
    hooks: { onAttempt?: () => void; signal?: AbortSignal } = {},
  ): Promise<PairResult> {
    this.#assertOpen();
    const link = parsePairingLink(linkText);
    let meeting: Meeting;
    try {
      meeting = await this.#meet({
        room: link.room,
        initiator: false,
        waitMs: this.#o.joinWaitMs ?? JOIN_WAIT_MS,
        onAttempt: hooks.onAttempt,
        signal: hooks.signal,
      });
    } catch (error) {
      if (error instanceof MeetError && error.kind === 'nobody') {
        throw new MeetError(
          'nobody',
          'no device answered this pairing link: the device that made it closed its page, or the link is too old. Make a new link there.',
        );
      }
      throw error;
    }
    const result = await pair({
      role: 'joiner',
      transport: meeting.transport,
      identity: this.#o.identity,
      name: this.#o.name(),
      room: link.room,
      secret: link.secret,
      fingerprints: meeting.fingerprints,
      remembered: this.#o.remembered,
      clock: this.#clock,
    });
    this.#paired(result, meeting.transport);
    return result;
  }

  /** Forgets (revokes) a device: no more connections to or from it. */
  async forget(id: DeviceId): Promise<void> {
    this.#links.forget(id);
    this.#lastSeen.forget(id);
    await this.#o.remembered.forget(id);
    await this.#refresh();
  }

  /** Retries now every device waiting out a backoff (the network is back, the page woke). */
  wake(): void {
    this.#links.wake();
  }

  close(): void {
    this.#closed = true;
    for (const invite of this.#open.splice(0)) invite.cancel();
    this.#links.close();
    this.#lastSeen.stop();
  }

  #paired(result: PairResult, transport: Transport): void {
    if (this.#closed) return transport.close('the page is closing');
    this.#links.adopt(result.peer.id, transport);
    void this.#refresh();
  }

  async #dial(device: DeviceId, hooks: { signal: AbortSignal; onAttempt: () => void }): Promise<Transport> {
    const me = this.#o.identity.id;
    const meeting = await this.#meet({
      room: await reconnectionRoom(me, device),
      initiator: me < device,
      ...hooks,
    });
    const { peer } = await authenticate({
      transport: meeting.transport,
      identity: this.#o.identity,
      remembered: this.#o.remembered,
      fingerprints: meeting.fingerprints,
      expected: device,
      clock: this.#clock,
      name: this.#o.name(),
    });
    // The peer was renamed since: show its new name.
    if (this.#devices.find((d) => d.id === device)?.name !== peer.name) void this.#refresh();
    return meeting.transport;
  }

  /** A connection to `device` opened: it is seen now, and its path is read. */
  #opened(device: DeviceId, transport: Transport): void {
    this.#lastSeen.opened(device);
    transport.onClose(() => {
      if (this.#paths.get(device)?.transport === transport) this.#paths.delete(device);
      this.#lastSeen.closed(device);
      this.#changed();
    });
    const probe = this.#probes.get(transport);
    if (probe) void this.#readPath(device, transport, probe, 0);
  }

  async #readPath(
    device: DeviceId,
    transport: Transport,
    probe: Meeting['path'],
    attempt: number,
  ): Promise<void> {
    const path = await probe();
    if (transport.closed || this.#closed) return;
    if (path && this.#paths.get(device)?.path !== path) {
      this.#paths.set(device, { transport, path });
      this.#changed();
    }
    const wait = PATH_TRIES[attempt + 1];
    if (wait !== undefined)
      this.#clock.setTimer(wait, () => void this.#readPath(device, transport, probe, attempt + 1));
  }

  async #meet(
    options: Pick<MeetOptions, 'room' | 'initiator' | 'signal' | 'onAttempt' | 'waitMs'>,
  ): Promise<Meeting> {
    const meeting = await meetInRoom({
      ...options,
      url: this.#o.signalingUrl,
      // In the browser the stored certificate is the RTCCertificate it was made as.
      certificate: this.#o.identity.certificate as unknown as RTCCertificate,
      iceServers: this.#o.iceServers,
      WebSocket: this.#o.WebSocket,
    });
    this.#probes.set(meeting.transport, meeting.path);
    return meeting;
  }

  async #refresh(): Promise<void> {
    const devices = await this.#o.remembered.list();
    if (this.#closed) return;
    const ids = new Set(devices.map((d) => d.id));
    for (const old of this.#devices) if (!ids.has(old.id)) this.#links.forget(old.id);
    this.#devices = devices;
    for (const device of devices) this.#links.watch(device.id);
    this.#changed();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the session is closed');
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch {
        // A listener's bug must not stop the session.
      }
    }
  }
}

export { MeetError, PairingError };
