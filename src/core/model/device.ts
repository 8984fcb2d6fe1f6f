/**
 * Device IDs in their two lengths (DESIGN.md, "Data model"). The full ID, base32 of the
 * SHA-256 of the device's public key, names a device on the wire and in the Store. The
 * short ID keys version vectors and names conflict copies, where the full 52 characters
 * would be repeated in every record.
 */
import type { DeviceShortId } from './fileRecord.ts';

/**
 * Characters of the full ID kept in the short one: 13 base32 characters are 65 bits, as
 * strong as Syncthing's 64-bit vector keys. Two of one person's devices sharing a short
 * ID (odds about n² / 2^66) would share a version counter, so it must not be shorter.
 */
export const SHORT_ID_LENGTH = 13;

/** The short form of a full device ID. */
export function shortDeviceId(device: string): DeviceShortId {
  return device.slice(0, SHORT_ID_LENGTH);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A full device ID from the SHA-256 of the device's public key: RFC 4648 base32, upper
 * case, no padding (52 characters for 32 bytes).
 */
export function deviceIdFromDigest(digest: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}
