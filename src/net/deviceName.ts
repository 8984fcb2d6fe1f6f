/**
 * The device's name, chosen by the user and shown to paired devices. Kept as a Store
 * setting; validated the same way whether the user typed it, it was read back, or a peer
 * sent it.
 */
import type { Store } from '../ports/Store.ts';

export const DEVICE_NAME_SETTING = 'device-name';
export const MAX_DEVICE_NAME_LENGTH = 64;

// Control characters, and the bidirectional overrides that could make a name display as
// another one.
const FORBIDDEN = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** A name that cannot be used, with a sentence saying why. */
export class DeviceNameError extends Error {
  override readonly name = 'DeviceNameError';
}

/**
 * `name` trimmed and NFC-normalised, if it is 1 to 64 characters (code points) without
 * control characters; otherwise `DeviceNameError`.
 */
export function validateDeviceName(name: unknown): string {
  if (typeof name !== 'string') throw new DeviceNameError('a device name must be text');
  const clean = name.normalize('NFC').trim();
  const length = [...clean].length;
  if (length === 0) throw new DeviceNameError('a device name cannot be empty');
  if (length > MAX_DEVICE_NAME_LENGTH) {
    throw new DeviceNameError(
      `a device name is at most ${MAX_DEVICE_NAME_LENGTH} characters (this one has ${length})`,
    );
  }
  if (FORBIDDEN.test(clean)) throw new DeviceNameError('a device name cannot contain control characters');
  return clean;
}

/** The saved name, or `undefined` before the user chose one. A damaged one throws. */
export async function loadDeviceName(store: Pick<Store, 'getSetting'>): Promise<string | undefined> {
  const saved = await store.getSetting(DEVICE_NAME_SETTING);
  if (saved === undefined) return undefined;
  try {
    return validateDeviceName(saved);
  } catch (error) {
    throw new DeviceNameError(
      `the saved device name is unusable (${(error as Error).message}); choose a new one`,
    );
  }
}

/** Validates and saves `name`; resolves with the name as saved. */
export async function saveDeviceName(store: Pick<Store, 'setSetting'>, name: string): Promise<string> {
  const clean = validateDeviceName(name);
  await store.setSetting(DEVICE_NAME_SETTING, clean);
  return clean;
}
