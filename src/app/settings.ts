/**
 * The network settings a person may change (DESIGN.md, "Network and pairing"): the ICE
 * servers (STUN/TURN; none by default, so only host candidates: one LAN or loopback needs
 * nothing more) and the signaling relay's URL (default: this page's server, `/signal`).
 *
 * Saved in the Store as JSON settings and validated both when typed and when read back: a
 * damaged saved value gives the default and a note saying so, never a broken start. The
 * session reads them once, at start; a change applies when the page reloads ("Apply and
 * reconnect"), which restarts the session and every connection with them.
 */
import { signalingUrlFor } from '../net/signalingClient.ts';
import type { Store } from '../ports/Store.ts';
import type { Unsubscribe } from '../ports/Transport.ts';

export const ICE_SERVERS_SETTING = 'ice-servers';
export const SIGNALING_URL_SETTING = 'signaling-url';
/** More servers only slow candidate gathering down. */
export const MAX_ICE_SERVERS = 8;
export const MAX_URL_LENGTH = 512;
export const MAX_CREDENTIAL_LENGTH = 256;

/** One STUN or TURN server, as RTCIceServer takes it (one URL each). */
export interface IceServer {
  readonly urls: string;
  readonly username?: string;
  readonly credential?: string;
}

export interface NetworkSettings {
  readonly iceServers: readonly IceServer[];
  /** The relay's WebSocket URL; undefined: this page's own server. */
  readonly signalingUrl?: string;
}

/** A value that cannot be used, with a sentence saying why. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

// Control characters and spaces have no place in a URL or a credential typed here.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

/**
 * A STUN/TURN server checked (RFC 7064, 7065): `stun:host[:port]`, `turn:` or
 * `turns:host[:port][?transport=udp|tcp]`; TURN needs a username and a credential, STUN
 * takes neither. Throws `SettingsError`.
 */
export function validateIceServer(input: {
  readonly urls: unknown;
  readonly username?: unknown;
  readonly credential?: unknown;
}): IceServer {
  if (typeof input.urls !== 'string') throw new SettingsError('an ICE server URL must be text');
  const url = input.urls.trim();
  if (url === '') throw new SettingsError('an ICE server needs a URL, such as stun:stun.example.org:3478');
  if (url.length > MAX_URL_LENGTH)
    throw new SettingsError(`an ICE server URL is at most ${MAX_URL_LENGTH} characters`);
  if (CONTROL.test(url) || /\s/.test(url))
    throw new SettingsError(`"${url}" has spaces or control characters`);
  const match = /^(stun|turns?):([^?]+)(?:\?transport=(udp|tcp))?$/i.exec(url);
  if (!match) {
    throw new SettingsError(
      `"${url}" is not a STUN or TURN URL: write stun:host:port, turn:host:port or turns:host:port`,
    );
  }
  const scheme = match[1]!.toLowerCase();
  if (scheme === 'stun' && match[3] !== undefined)
    throw new SettingsError(`"${url}": a STUN URL takes no ?transport=`);
  hostAndPort(url, match[2]!);
  const username = optionalText(input.username, 'username');
  const credential = optionalText(input.credential, 'password');
  if (scheme === 'stun') {
    if (username !== undefined || credential !== undefined)
      throw new SettingsError(`"${url}": a STUN server takes no username or password`);
    return { urls: `${scheme}:${match[2]}` };
  }
  if (username === undefined || credential === undefined)
    throw new SettingsError(`"${url}": a TURN server needs a username and a password`);
  const query = match[3] === undefined ? '' : `?transport=${match[3].toLowerCase()}`;
  return { urls: `${scheme}:${match[2]}${query}`, username, credential };
}

function hostAndPort(url: string, rest: string): void {
  const split = /^(.*?)(?::(\d{1,5}))?$/.exec(rest)!;
  const host = split[1]!;
  if (!HOST.test(host) || host.length > 253) throw new SettingsError(`"${url}" does not name a valid host`);
  if (split[2] !== undefined) {
    const port = Number(split[2]);
    if (port < 1 || port > 65535) throw new SettingsError(`"${url}": the port must be 1 to 65535`);
  }
}

function optionalText(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new SettingsError(`a ${what} must be text`);
  if (value.length > MAX_CREDENTIAL_LENGTH)
    throw new SettingsError(`a ${what} is at most ${MAX_CREDENTIAL_LENGTH} characters`);
  if (CONTROL.test(value)) throw new SettingsError(`a ${what} cannot contain control characters`);
  return value;
}

/** A list of ICE servers checked one by one (the first bad one is named); at most MAX_ICE_SERVERS. */
export function validateIceServers(list: unknown): IceServer[] {
  if (!Array.isArray(list)) throw new SettingsError('the ICE servers must be a list');
  if (list.length > MAX_ICE_SERVERS) throw new SettingsError(`at most ${MAX_ICE_SERVERS} ICE servers`);
  return list.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null)
      throw new SettingsError(`ICE server ${i + 1} is not an entry`);
    try {
      return validateIceServer(entry as { urls: unknown });
    } catch (error) {
      throw new SettingsError(`ICE server ${i + 1}: ${(error as Error).message}`);
    }
  });
}

/**
 * A relay URL checked: `ws:` or `wss:`, a host, no user name, password or fragment; a page
 * served over HTTPS may only use `wss:` (browsers block the other). Throws `SettingsError`.
 */
export function validateSignalingUrl(text: unknown, pageUrl?: string): string {
  if (typeof text !== 'string') throw new SettingsError('the signaling URL must be text');
  const trimmed = text.trim();
  if (trimmed.length > MAX_URL_LENGTH)
    throw new SettingsError(`the signaling URL is at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new SettingsError(`"${trimmed}" is not a URL; write one like wss://relay.example.org/signal`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new SettingsError(`the signaling URL must start with ws:// or wss://, not ${url.protocol}//`);
  if (url.hostname === '') throw new SettingsError('the signaling URL needs a host');
  if (url.username !== '' || url.password !== '')
    throw new SettingsError('the signaling URL cannot carry a user name or password');
  if (url.hash !== '') throw new SettingsError('the signaling URL cannot have a #fragment');
  if (pageUrl !== undefined && new URL(pageUrl).protocol === 'https:' && url.protocol === 'ws:')
    throw new SettingsError('this page is served over HTTPS, so the browser allows only a wss:// relay');
  return url.href;
}

/** The relay's URL for the server that served `pageUrl` (http → ws, https → wss), at `/signal`. */
export function defaultSignalingUrl(pageUrl: string): string {
  return signalingUrlFor(pageUrl);
}

/** The saved settings, each checked; a damaged one is the default, with a note saying so. */
export async function loadNetworkSettings(
  store: Pick<Store, 'getSetting'>,
  pageUrl?: string,
): Promise<{ settings: NetworkSettings; notes: string[] }> {
  const notes: string[] = [];
  let iceServers: IceServer[] = [];
  const iceText = await store.getSetting(ICE_SERVERS_SETTING);
  if (iceText !== undefined) {
    try {
      iceServers = validateIceServers(JSON.parse(iceText));
    } catch (error) {
      const why = error instanceof SettingsError ? error.message : 'not readable';
      notes.push(`The saved ICE servers could not be used (${why}); none are used until you save new ones.`);
    }
  }
  let signalingUrl: string | undefined;
  const urlText = await store.getSetting(SIGNALING_URL_SETTING);
  if (urlText !== undefined) {
    try {
      signalingUrl = validateSignalingUrl(JSON.parse(urlText), pageUrl);
    } catch (error) {
      const why = error instanceof SettingsError ? error.message : 'not readable';
      notes.push(`The saved signaling URL could not be used (${why}); this page's own server is used.`);
    }
  }
  return { settings: { iceServers, ...(signalingUrl ? { signalingUrl } : {}) }, notes };
}

export interface SettingsServiceOptions {
  readonly store: Pick<Store, 'getSetting' | 'setSetting' | 'deleteSetting'>;
  /** The page's address: the default relay, and whether `ws:` is allowed. */
  readonly pageUrl: string;
  /** Restarts with the saved settings (reloads the page). */
  readonly reload: () => void;
}

/**
 * The settings as the UI sees them: what the session runs with (`running`, read at start),
 * what is saved (`saved`), and whether they differ, so the panel can say a change waits for
 * "Apply and reconnect".
 */
export class SettingsService {
  readonly #o: SettingsServiceOptions;
  readonly #listeners = new Set<() => void>();
  readonly running: NetworkSettings;
  /** Why saved settings were not used at start, for the panel to show. */
  readonly notes: readonly string[];
  #saved: NetworkSettings;

  static async load(options: SettingsServiceOptions): Promise<SettingsService> {
    const { settings, notes } = await loadNetworkSettings(options.store, options.pageUrl);
    return new SettingsService(options, settings, notes);
  }

  private constructor(options: SettingsServiceOptions, settings: NetworkSettings, notes: string[]) {
    this.#o = options;
    this.running = settings;
    this.#saved = settings;
    this.notes = notes;
  }

  get saved(): NetworkSettings {
    return this.#saved;
  }

  /** The relay URL when none is saved: this page's own server. */
  get defaultSignalingUrl(): string {
    return defaultSignalingUrl(this.#o.pageUrl);
  }

  /** The relay the session uses now. */
  get signalingUrl(): string {
    return this.running.signalingUrl ?? this.defaultSignalingUrl;
  }

  /** Saved settings differ from those the session runs with. */
  get pending(): boolean {
    return JSON.stringify(this.#saved) !== JSON.stringify(this.running);
  }

  onChange(listener: () => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Validates and saves the ICE servers (all or nothing); they apply after a reconnect. */
  async saveIceServers(list: readonly IceServer[]): Promise<void> {
    const servers = validateIceServers(list);
    await this.#o.store.setSetting(ICE_SERVERS_SETTING, JSON.stringify(servers));
    this.#saved = { ...this.#saved, iceServers: servers };
    this.#changed();
  }

  /** Validates and saves the relay URL; empty text goes back to this page's server. */
  async saveSignalingUrl(text: string): Promise<void> {
    if (text.trim() === '') {
      await this.#o.store.deleteSetting(SIGNALING_URL_SETTING);
      this.#saved = { iceServers: this.#saved.iceServers };
    } else {
      const url = validateSignalingUrl(text, this.#o.pageUrl);
      await this.#o.store.setSetting(SIGNALING_URL_SETTING, JSON.stringify(url));
      this.#saved = { ...this.#saved, signalingUrl: url };
    }
    this.#changed();
  }

  /** Restarts the page, so the session and every connection use what is saved. */
  applyAndReconnect(): void {
    this.#o.reload();
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
