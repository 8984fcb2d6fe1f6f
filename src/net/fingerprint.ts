/**
 * DTLS certificate fingerprints (SHA-256), the value two devices pin and bind into their
 * handshakes. One normal form everywhere: 32 bytes as upper-case hex pairs joined by `:`,
 * as SDP writes them (`getFingerprints()` gives lower case; both normalise to this).
 */
import type { StoredCertificate } from '../ports/Store.ts';

/** A normalised SHA-256 fingerprint: `AB:CD:…` (32 pairs, 95 characters). */
export type Fingerprint = string;

const FINGERPRINT = /^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/;

/** A fingerprint we cannot use: missing, malformed or ambiguous. */
export class FingerprintError extends Error {
  override readonly name = 'FingerprintError';
}

/** Whether `text` is a fingerprint in normal form. */
export function isFingerprint(text: unknown): text is Fingerprint {
  return typeof text === 'string' && FINGERPRINT.test(text);
}

/** `text` (hex pairs joined by `:`, either case) in normal form, or `undefined`. */
export function normalizeFingerprint(text: string): Fingerprint | undefined {
  const upper = text.trim().toUpperCase();
  return FINGERPRINT.test(upper) ? upper : undefined;
}

/**
 * The SHA-256 fingerprint an SDP announces (`a=fingerprint:sha-256 AB:…`, at session or
 * media level). Lines for other hash functions are ignored. Throws `FingerprintError`
 * when there is none, when one is malformed, or when two differ: a description we cannot
 * read one certificate from must not be half-trusted.
 */
export function parseSdpFingerprint(sdp: string): Fingerprint {
  const found = new Set<Fingerprint>();
  for (const line of sdp.split(/\r?\n/)) {
    const match = /^a=fingerprint:(\S+) (.*)$/i.exec(line.trimEnd());
    if (!match || match[1]!.toLowerCase() !== 'sha-256') continue;
    const value = normalizeFingerprint(match[2]!);
    if (!value) throw new FingerprintError(`the SDP has a malformed sha-256 fingerprint: "${match[2]}"`);
    found.add(value);
  }
  if (found.size === 0) throw new FingerprintError('the SDP has no sha-256 fingerprint');
  if (found.size > 1) throw new FingerprintError('the SDP names more than one sha-256 fingerprint');
  return [...found][0]!;
}

/** The SHA-256 fingerprint of a certificate, normalised; throws `FingerprintError` if it has none. */
export function certificateFingerprint(certificate: StoredCertificate): Fingerprint {
  for (const { algorithm, value } of certificate.getFingerprints()) {
    if (algorithm?.toLowerCase() !== 'sha-256' || value === undefined) continue;
    const normal = normalizeFingerprint(value);
    if (normal) return normal;
  }
  throw new FingerprintError('the certificate has no usable sha-256 fingerprint');
}
