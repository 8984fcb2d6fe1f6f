/**
 * The devices this one is paired with: for each, its ID, the name it gave (or the user
 * gave it here), its public key and its pinned certificate fingerprint. Public keys are
 * not secret, so the list is one JSON setting in the Store:
 *
 *   { "v": 1, "devices": [{ "id", "name", "key": base64url SPKI, "fingerprint", "pairedAt" }] }
 *
 * Read back, every entry is checked again (its ID must be the hash of its key): a damaged
 * list stops with `RememberedDevicesError` rather than quietly losing or trusting a device.
 * Changes made through one instance are applied one after another; two tabs writing at
 * the same moment can still overwrite each other (the last write wins).
 */
import type { DeviceId, Store } from '../ports/Store.ts';
import { fromBase64url, toBase64url } from './base64url.ts';
import { validateDeviceName } from './deviceName.ts';
import { isFingerprint, type Fingerprint } from './fingerprint.ts';
import { deviceIdOfKey, isDeviceId } from './identity.ts';
import { importSpki } from './webCrypto.ts';

export const REMEMBERED_DEVICES_SETTING = 'remembered-devices';
/** More than anyone pairs; a longer list is damaged. */
export const MAX_REMEMBERED_DEVICES = 1000;

export interface RememberedDevice {
  readonly id: DeviceId;
  readonly name: string;
  /** SubjectPublicKeyInfo of its ECDSA P-256 key. */
  readonly publicKeySpki: Uint8Array;
  /** Its DTLS certificate fingerprint, pinned at pairing. */
  readonly fingerprint: Fingerprint;
  /** When the pairing happened (ms since the epoch). */
  readonly pairedAt: number;
}

/** The stored list is damaged, or a device given to `remember` is not valid. */
export class RememberedDevicesError extends Error {
  override readonly name = 'RememberedDevicesError';
}

interface StoredEntry {
  readonly id: string;
  readonly name: string;
  readonly key: string;
  readonly fingerprint: string;
  readonly pairedAt: number;
}

const ENTRY_KEYS = ['fingerprint', 'id', 'key', 'name', 'pairedAt'].join();

export class RememberedDevices {
  readonly #store: Pick<Store, 'getSetting' | 'setSetting'>;
  /** The last change in flight: each change starts after the one before settles. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: Pick<Store, 'getSetting' | 'setSetting'>) {
    this.#store = store;
  }

  /** Every remembered device, by name then ID. */
  async list(): Promise<RememberedDevice[]> {
    await this.#queue.catch(() => {});
    return this.#read();
  }

  async get(id: DeviceId): Promise<RememberedDevice | undefined> {
    return (await this.list()).find((device) => device.id === id);
  }

  /** Remembers `device`, replacing what was remembered under its ID. */
  remember(device: RememberedDevice): Promise<void> {
    return this.#change(async (devices) => {
      const checked = await checkDevice(device, 'the device to remember');
      return [...devices.filter((d) => d.id !== checked.id), checked];
    });
  }

  /** Forgets (revokes) a device; resolves with whether it was remembered. */
  async forget(id: DeviceId): Promise<boolean> {
    let found = false;
    await this.#change(async (devices) => {
      found = devices.some((d) => d.id === id);
      return devices.filter((d) => d.id !== id);
    });
    return found;
  }

  /** Gives a remembered device another name; throws if it is not remembered or the name is bad. */
  async rename(id: DeviceId, name: string): Promise<RememberedDevice> {
    const clean = validateDeviceName(name);
    let renamed: RememberedDevice | undefined;
    await this.#change(async (devices) => {
      const device = devices.find((d) => d.id === id);
      if (!device) throw new RememberedDevicesError(`no paired device has the ID ${id}`);
      renamed = { ...device, name: clean };
      return devices.map((d) => (d.id === id ? renamed! : d));
    });
    return renamed!;
  }

  #change(edit: (devices: RememberedDevice[]) => Promise<RememberedDevice[]>): Promise<void> {
    const run = this.#queue
      .catch(() => {})
      .then(async () => {
        const devices = await edit(await this.#read());
        if (devices.length > MAX_REMEMBERED_DEVICES) {
          throw new RememberedDevicesError(`at most ${MAX_REMEMBERED_DEVICES} devices can be paired`);
        }
        await this.#store.setSetting(REMEMBERED_DEVICES_SETTING, encode(devices));
      });
    this.#queue = run;
    return run;
  }

  async #read(): Promise<RememberedDevice[]> {
    const text = await this.#store.getSetting(REMEMBERED_DEVICES_SETTING);
    if (text === undefined) return [];
    const devices = await decode(text);
    return devices.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
  }
}

function encode(devices: readonly RememberedDevice[]): string {
  const entries: StoredEntry[] = devices.map((d) => ({
    id: d.id,
    name: d.name,
    key: toBase64url(d.publicKeySpki),
    fingerprint: d.fingerprint,
    pairedAt: d.pairedAt,
  }));
  return JSON.stringify({ v: 1, devices: entries });
}

const damaged = (why: string) =>
  new RememberedDevicesError(
    `the list of paired devices is damaged (${why}); forget and pair the devices again`,
  );

async function decode(text: string): Promise<RememberedDevice[]> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw damaged('not JSON');
  }
  if (!isObject(value) || value.v !== 1 || !Array.isArray(value.devices))
    throw damaged('not a version 1 list');
  if (value.devices.length > MAX_REMEMBERED_DEVICES) throw damaged('too many entries');
  const devices: RememberedDevice[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of (value.devices as unknown[]).entries()) {
    if (!isObject(entry) || Object.keys(entry).sort().join() !== ENTRY_KEYS) throw damaged(`entry ${index}`);
    const key = typeof entry.key === 'string' ? fromBase64url(entry.key) : undefined;
    if (!key) throw damaged(`entry ${index} has no readable key`);
    const device = {
      id: entry.id,
      name: entry.name,
      publicKeySpki: key,
      fingerprint: entry.fingerprint,
      pairedAt: entry.pairedAt,
    } as RememberedDevice;
    try {
      devices.push(await checkDevice(device, `entry ${index}`));
    } catch (error) {
      throw damaged((error as Error).message);
    }
    if (seen.has(device.id)) throw damaged(`the device ${device.id} appears twice`);
    seen.add(device.id);
  }
  return devices;
}

/** `device` with its name normalised, if every field is valid; else `RememberedDevicesError`. */
async function checkDevice(device: RememberedDevice, what: string): Promise<RememberedDevice> {
  const fail = (why: string) => new RememberedDevicesError(`${what} ${why}`);
  if (!isDeviceId(device.id)) throw fail('has a malformed device ID');
  if (!(device.publicKeySpki instanceof Uint8Array) || !(await importSpki(device.publicKeySpki))) {
    throw fail('has no ECDSA P-256 public key');
  }
  if ((await deviceIdOfKey(device.publicKeySpki)) !== device.id)
    throw fail('has an ID that does not match its key');
  if (!isFingerprint(device.fingerprint)) throw fail('has a malformed certificate fingerprint');
  if (typeof device.pairedAt !== 'number' || !Number.isFinite(device.pairedAt))
    throw fail('has no pairing time');
  let name: string;
  try {
    name = validateDeviceName(device.name);
  } catch (error) {
    throw fail(`has an unusable name: ${(error as Error).message}`);
  }
  return {
    id: device.id,
    name,
    publicKeySpki: device.publicKeySpki.slice(),
    fingerprint: device.fingerprint,
    pairedAt: device.pairedAt,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
