/** Which addresses the server is reachable at: loopback tests and the machine's LAN addresses. */
import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** `localhost`, 127.0.0.0/8, ::1 and the IPv4-mapped loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Listening on every interface: the LAN URLs are those of all the machine's addresses. */
export const isWildcardHost = (host: string): boolean => host === '0.0.0.0' || host === '::';

const PRIVATE_V4 = [/^192\.168\./, /^10\./, /^172\.(1[6-9]|2\d|3[01])\./];

/**
 * The machine's non-loopback IPv4 addresses, private (LAN) ranges first, so the first is the
 * one to put in the QR code. IPv6 is left out: link-local v6 URLs need a zone id browsers
 * refuse, and a phone on the same Wi-Fi reaches the v4 address.
 */
export function lanAddresses(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string[] {
  const found = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((info) => info.family === 'IPv4' && !info.internal && !info.address.startsWith('169.254.'))
    .map((info) => info.address);
  const rank = (address: string) => (PRIVATE_V4.some((pattern) => pattern.test(address)) ? 0 : 1);
  return [...new Set(found)].sort((a, b) => rank(a) - rank(b));
}

/** How a host appears in a URL (IPv6 in brackets). */
export const urlHost = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);
