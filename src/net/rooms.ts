/**
 * Relay rooms. A pairing uses the invite's random room; two remembered devices meet in a
 * room derived from both their IDs, the same on both sides whichever computes it. Anyone
 * who knows both IDs can compute it too: the room only brings the devices together, the
 * handshake is what keeps others out.
 */
import type { DeviceId } from '../ports/Store.ts';
import { toBase64url } from './base64url.ts';
import { isDeviceId } from './identity.ts';
import { sha256 } from './webCrypto.ts';

/** The relay's rule for a room ID. */
const ROOM_ID = /^[A-Za-z0-9_-]{16,128}$/;

const LABEL = 'tandem/reconnect-room/v1';

export function isRoomId(text: unknown): text is string {
  return typeof text === 'string' && ROOM_ID.test(text);
}

/**
 * The reconnection room of two devices: base64url(SHA-256(label ‖ 0 ‖ lower ID ‖ 0 ‖
 * higher ID)), 43 characters. Throws `RangeError` for a malformed ID or the same ID twice.
 */
export async function reconnectionRoom(a: DeviceId, b: DeviceId): Promise<string> {
  if (!isDeviceId(a) || !isDeviceId(b)) throw new RangeError('a reconnection room needs two device IDs');
  if (a === b) throw new RangeError('a device has no reconnection room with itself');
  const [low, high] = a < b ? [a, b] : [b, a];
  const text = new TextEncoder().encode(`${LABEL}\0${low}\0${high}`);
  return toBase64url(await sha256(text));
}
