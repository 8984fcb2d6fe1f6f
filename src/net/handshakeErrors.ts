/**
 * Why a handshake failed: a closed set of codes, the same on the wire and in errors
 * (STYLE practice 9). The side that finds a problem sends `refuse` with its code and
 * closes; the other side turns the code back into an error with `by: 'peer'`. A code this
 * version does not know becomes `refused`. Sentences are ours, never the peer's text.
 */

const SENTENCES = {
  timeout: 'the handshake did not finish in time',
  closed: 'the connection closed during the handshake',
  malformed: 'a handshake message was malformed',
  'too-large': 'a handshake message was too large',
  version: 'the two devices run incompatible versions of Tandem; update both',
  tampered:
    'the two devices see different connection fingerprints: something between them (the relay?) is tampering with the connection',
  'same-device': 'the other end of the connection is this same device',
  'bad-device-id': "a device's ID does not match its key",
  'wrong-room': 'the two devices came to different pairing rooms',
  'proof-failed':
    "the proof of the pairing link's secret did not match (a wrong or old link, a replayed message, or a tampered connection)",
  'bad-signature': "a device's signature did not verify: it is not the device it claims to be",
  'invite-unknown':
    'this pairing link was not made on this device, or the page was reloaded since; create a new one',
  'invite-used': 'this pairing link was already used; create a new one',
  'invite-expired': 'this pairing link has expired; create a new one',
  'unknown-device':
    'the device is not paired (it never was, or it was forgotten); pair the two devices again',
  'fingerprint-changed':
    "the device's connection certificate is not the one remembered at pairing; if it was reset, pair again",
  internal: 'the handshake failed on this device',
  refused: 'the connection was refused for a reason this version of Tandem does not know',
} as const;

export type HandshakeErrorCode = keyof typeof SENTENCES;

/** Codes a pairing can end with. */
export type PairingErrorCode = Exclude<HandshakeErrorCode, 'unknown-device' | 'fingerprint-changed'>;
/** Codes a reconnection can end with. */
export type AuthErrorCode = Exclude<
  HandshakeErrorCode,
  'wrong-room' | 'proof-failed' | 'invite-unknown' | 'invite-used' | 'invite-expired' | 'bad-device-id'
>;

export function isHandshakeErrorCode(code: unknown): code is HandshakeErrorCode {
  return typeof code === 'string' && Object.hasOwn(SENTENCES, code);
}

/** The sentence for a code, as the UI may show it. */
export function describeHandshakeCode(code: HandshakeErrorCode): string {
  return SENTENCES[code];
}

/**
 * A failed handshake. `by: 'local'` when this side found the problem (and told the peer),
 * `'peer'` when the peer refused. `detail` is what exactly was wrong, for logs.
 */
export class HandshakeError extends Error {
  override readonly name: string = 'HandshakeError';
  constructor(
    readonly code: HandshakeErrorCode,
    readonly by: 'local' | 'peer' = 'local',
    readonly detail?: string,
  ) {
    const sentence = SENTENCES[code];
    const text = by === 'peer' ? `the other device refused: ${sentence}` : sentence;
    super(detail ? `${text} (${detail})` : text);
  }
}

/** A pairing that did not complete; nothing was remembered. */
export class PairingError extends HandshakeError {
  override readonly name = 'PairingError';
  declare readonly code: PairingErrorCode;
  constructor(code: PairingErrorCode, by: 'local' | 'peer' = 'local', detail?: string) {
    super(code, by, detail);
  }
}

/** A remembered device that could not be authenticated; the connection is closed. */
export class AuthError extends HandshakeError {
  override readonly name = 'AuthError';
  declare readonly code: AuthErrorCode;
  constructor(code: AuthErrorCode, by: 'local' | 'peer' = 'local', detail?: string) {
    super(code, by, detail);
  }
}
