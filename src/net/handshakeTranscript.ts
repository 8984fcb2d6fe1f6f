/**
 * Transcripts: what each handshake's proofs are computed over. Fields are encoded each as
 * a 4-byte big-endian length and the bytes, so no two different field lists encode alike;
 * proofs and words use the SHA-256 of that encoding, each under its own label so a value
 * made for one purpose never serves another.
 */
import type { Fingerprint } from './fingerprint.ts';
import { sha256 } from './webCrypto.ts';

export const PAIR_LABEL = 'tandem/pair/v1';
export const AUTH_LABEL = 'tandem/auth/v1';

const utf8 = (text: string) => new TextEncoder().encode(text);

/** The length-prefixed encoding of `fields` (text as UTF-8). */
export function encodeFields(fields: readonly (string | Uint8Array)[]): Uint8Array {
  const parts = fields.map((field) => (typeof field === 'string' ? utf8(field) : field));
  const out = new Uint8Array(parts.reduce((sum, part) => sum + 4 + part.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

/** SHA-256 of the encoding of `fields`. */
export function digestFields(fields: readonly (string | Uint8Array)[]): Promise<Uint8Array> {
  return sha256(encodeFields(fields));
}

/** One device's part in a pairing, as the side computing the transcript sees it. */
export interface PairParty {
  readonly device: string;
  readonly name: string;
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
  /** Its certificate fingerprint as this side's own connection shows it. */
  readonly fingerprint: Fingerprint;
}

/** The pairing transcript's digest: label, room, then the inviter's part and the joiner's. */
export function pairTranscript(room: string, inviter: PairParty, joiner: PairParty): Promise<Uint8Array> {
  const party = (p: PairParty) => [p.device, p.name, p.key, p.nonce, p.fingerprint];
  return digestFields([PAIR_LABEL, room, ...party(inviter), ...party(joiner)]);
}

/** One device's part in a reconnection. */
export interface AuthParty {
  readonly device: string;
  readonly nonce: Uint8Array;
  readonly fingerprint: Fingerprint;
}

/** The reconnection transcript's digest: label, then both parts in device ID order. */
export function authTranscript(a: AuthParty, b: AuthParty): Promise<Uint8Array> {
  const [first, second] = a.device < b.device ? [a, b] : [b, a];
  const party = (p: AuthParty) => [p.device, p.nonce, p.fingerprint];
  return digestFields([AUTH_LABEL, ...party(first), ...party(second)]);
}
