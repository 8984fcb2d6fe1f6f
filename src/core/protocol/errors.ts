/**
 * Errors that cross the wire: a closed set of codes, mapped both ways. A code this
 * version does not know becomes `generic`, so a newer peer never confuses an older one.
 */

export const ERROR_CODES = [
  'generic',
  'malformed', // a message failed validation: the connection closes
  'too-large', // a message exceeded its size cap: the connection closes
  'version', // no protocol version in common
  'unknown-folder', // the folder is not shared with this device
  'not-found', // the path or chunk is not (or no longer) here
  'busy', // too many requests in flight; try again later
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN = new Set<string>(ERROR_CODES);

/** A code received from a peer: known codes as they are, anything else `generic`. */
export function errorCodeFrom(wire: unknown): ErrorCode {
  return typeof wire === 'string' && KNOWN.has(wire) ? (wire as ErrorCode) : 'generic';
}

/** What went wrong with a received message; `field` names where, for the log and the UI. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(field === undefined ? message : `${field}: ${message}`);
    this.name = 'ProtocolError';
  }
}
