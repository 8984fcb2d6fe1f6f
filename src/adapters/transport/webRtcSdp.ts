/**
 * What the WebRTC transport reads from session descriptions: the DTLS certificate
 * fingerprints (`a=fingerprint`, RFC 8122), which the authentication handshake binds to
 * the pairing secret and the device keys, and the SCTP `a=max-message-size` (RFC 8841),
 * where the peer connection does not say it (`RTCSctpTransport.maxMessageSize`).
 */

/** One `a=fingerprint` line: the hash function, lower case, and the colon-separated hex, upper case. */
export interface DtlsFingerprint {
  readonly algorithm: string;
  readonly value: string;
}

const FINGERPRINT = /^a=fingerprint:(\S+) ((?:[0-9A-Fa-f]{2}:)*[0-9A-Fa-f]{2})\s*$/;
const MAX_MESSAGE_SIZE = /^a=max-message-size:(\d{1,15})\s*$/;

function lines(sdp: string): string[] {
  return sdp.split(/\r?\n/);
}

/**
 * Every distinct fingerprint in `sdp` (session and media level), normalised so two
 * descriptions of the same certificate compare equal as strings.
 */
export function sdpFingerprints(sdp: string): DtlsFingerprint[] {
  const seen = new Map<string, DtlsFingerprint>();
  for (const line of lines(sdp)) {
    const match = FINGERPRINT.exec(line);
    if (!match) continue;
    const fingerprint = { algorithm: match[1]!.toLowerCase(), value: match[2]!.toUpperCase() };
    seen.set(`${fingerprint.algorithm} ${fingerprint.value}`, fingerprint);
  }
  return [...seen.values()];
}

/** The first `a=max-message-size` of `sdp`, or `undefined` when it has none. */
export function sdpMaxMessageSize(sdp: string): number | undefined {
  for (const line of lines(sdp)) {
    const match = MAX_MESSAGE_SIZE.exec(line);
    if (match) return Number(match[1]);
  }
  return undefined;
}
