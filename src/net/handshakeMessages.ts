/**
 * The handshake's wire messages: one JSON object per transport message, UTF-8, at most
 * `MAX_HANDSHAKE_MESSAGE` bytes, every field checked and no field more than listed.
 * Binary fields are base64url; fingerprints are in normal form (fingerprint.ts).
 *
 * Every message has `v` (the protocol version, 1) and `kind`:
 *
 *   pair-hello  { role, room, device, name, key, nonce, fingerprints: { local, remote } }
 *   pair-proof  { mac, signature }
 *   auth-hello  { device, nonce, fingerprints: { local, remote }, renewal?: { from, signature },
 *                 name? }      name: the sender's current name, so a rename reaches its peers
 *   auth-proof  { signature }
 *   accept      {}                the sender accepted the peer; the last handshake message
 *   refuse      { code }          the sender refuses, and closes (handshakeErrors.ts)
 *
 * `fingerprints` is what the sender's own RTCPeerConnection shows: `local` from its local
 * description, `remote` from the remote one. `renewal` is the sender's signed change of
 * certificate (certificateRenewal.ts), when it has one. A message with another `v` fails with
 * `version`, anything else wrong with `malformed` or `too-large`.
 */
import { fromBase64url, fromBase64urlOfLength, toBase64url } from './base64url.ts';
import { validateDeviceName } from './deviceName.ts';
import type { CertificateRenewal } from './certificateRenewal.ts';
import { isFingerprint, type Fingerprint } from './fingerprint.ts';
import { HandshakeError } from './handshakeErrors.ts';
import { isDeviceId } from './identity.ts';
import { isRoomId } from './rooms.ts';
import { MAC_BYTES, SIGNATURE_BYTES } from './webCrypto.ts';

export const HANDSHAKE_VERSION = 1;
/** Far above the largest real message (a pair-hello is about 600 bytes). */
export const MAX_HANDSHAKE_MESSAGE = 4096;
export const NONCE_BYTES = 32;
/** A P-256 SPKI is 91 bytes; leave room, refuse more. */
const MAX_KEY_BYTES = 256;

export interface FingerprintView {
  readonly local: Fingerprint;
  readonly remote: Fingerprint;
}

export interface PairHello {
  readonly kind: 'pair-hello';
  readonly role: 'inviter' | 'joiner';
  readonly room: string;
  readonly device: string;
  readonly name: string;
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
  readonly fingerprints: FingerprintView;
}

export interface PairProof {
  readonly kind: 'pair-proof';
  readonly mac: Uint8Array;
  readonly signature: Uint8Array;
}

export interface AuthHello {
  readonly kind: 'auth-hello';
  readonly device: string;
  readonly nonce: Uint8Array;
  readonly fingerprints: FingerprintView;
  readonly renewal?: CertificateRenewal;
  /** The sender's name now (absent from older pages): a rename reaches peers at reconnection. */
  readonly name?: string;
}

export interface AuthProof {
  readonly kind: 'auth-proof';
  readonly signature: Uint8Array;
}

export interface Accept {
  readonly kind: 'accept';
}

export interface Refuse {
  readonly kind: 'refuse';
  /** A code from handshakeErrors.ts, or one a newer version knows (up to 32 of [a-z-]). */
  readonly code: string;
}

export type HandshakeMessage = PairHello | PairProof | AuthHello | AuthProof | Accept | Refuse;
export type HandshakeKind = HandshakeMessage['kind'];

export function encodeMessage(message: HandshakeMessage): Uint8Array {
  const b64 = toBase64url;
  let body: Record<string, unknown>;
  switch (message.kind) {
    case 'pair-hello':
      body = {
        ...message,
        key: b64(message.key),
        nonce: b64(message.nonce),
        fingerprints: { ...message.fingerprints },
      };
      break;
    case 'pair-proof':
      body = { kind: message.kind, mac: b64(message.mac), signature: b64(message.signature) };
      break;
    case 'auth-hello':
      body = { ...message, nonce: b64(message.nonce), fingerprints: { ...message.fingerprints } };
      if (message.renewal)
        body.renewal = { from: message.renewal.from, signature: b64(message.renewal.signature) };
      break;
    case 'auth-proof':
      body = { kind: message.kind, signature: b64(message.signature) };
      break;
    default:
      body = { ...message };
  }
  return new TextEncoder().encode(JSON.stringify({ v: HANDSHAKE_VERSION, ...body }));
}

const malformed = (detail: string) => new HandshakeError('malformed', 'local', detail);

/** The message in `bytes`, or a `HandshakeError` (`too-large`, `version`, `malformed`). */
export function decodeMessage(bytes: Uint8Array): HandshakeMessage {
  if (bytes.length > MAX_HANDSHAKE_MESSAGE) {
    throw new HandshakeError(
      'too-large',
      'local',
      `${bytes.length} bytes, the limit is ${MAX_HANDSHAKE_MESSAGE}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw malformed('not JSON text');
  }
  if (!isObject(value)) throw malformed('not a JSON object');
  if (value.v !== HANDSHAKE_VERSION) {
    throw new HandshakeError(
      'version',
      'local',
      `the other device speaks version ${JSON.stringify(value.v)}`,
    );
  }
  const fields = new Fields(value);
  const kind = fields.string('kind');
  let message: HandshakeMessage;
  switch (kind) {
    case 'pair-hello':
      message = {
        kind,
        role: fields.oneOf('role', ['inviter', 'joiner'] as const),
        room: fields.check('room', isRoomId, 'a room ID'),
        device: fields.check('device', isDeviceId, 'a device ID'),
        name: fields.name('name'),
        key: fields.bytes('key', MAX_KEY_BYTES),
        nonce: fields.bytesOfLength('nonce', NONCE_BYTES),
        fingerprints: fields.fingerprints('fingerprints'),
      };
      break;
    case 'pair-proof':
      message = {
        kind,
        mac: fields.bytesOfLength('mac', MAC_BYTES),
        signature: fields.bytesOfLength('signature', SIGNATURE_BYTES),
      };
      break;
    case 'auth-hello': {
      const hello: AuthHello = {
        kind,
        device: fields.check('device', isDeviceId, 'a device ID'),
        nonce: fields.bytesOfLength('nonce', NONCE_BYTES),
        fingerprints: fields.fingerprints('fingerprints'),
      };
      const renewed = fields.has('renewal') ? { ...hello, renewal: fields.renewal('renewal') } : hello;
      message = fields.has('name') ? { ...renewed, name: fields.name('name') } : renewed;
      break;
    }
    case 'auth-proof':
      message = { kind, signature: fields.bytesOfLength('signature', SIGNATURE_BYTES) };
      break;
    case 'accept':
      message = { kind };
      break;
    case 'refuse':
      message = { kind, code: fields.check('code', isCodeShaped, 'a refusal code') };
      break;
    default:
      throw malformed(`unknown message kind ${JSON.stringify(kind).slice(0, 40)}`);
  }
  fields.noneLeft();
  return message;
}

const isCodeShaped = (value: unknown): value is string =>
  typeof value === 'string' && /^[a-z-]{1,32}$/.test(value);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads an object's fields one by one, then checks nothing else was there. */
class Fields {
  readonly #value: Record<string, unknown>;
  readonly #read = new Set<string>(['v']);

  constructor(value: Record<string, unknown>) {
    this.#value = value;
  }

  #get(field: string): unknown {
    this.#read.add(field);
    return Object.hasOwn(this.#value, field) ? this.#value[field] : undefined;
  }

  has(field: string): boolean {
    return Object.hasOwn(this.#value, field);
  }

  check<T>(field: string, test: (value: unknown) => value is T, what: string): T {
    const value = this.#get(field);
    if (!test(value)) throw malformed(`"${field}" is not ${what}`);
    return value;
  }

  string(field: string): string {
    return this.check(field, (v): v is string => typeof v === 'string', 'text');
  }

  oneOf<const T extends string>(field: string, values: readonly T[]): T {
    return this.check(field, (v): v is T => values.includes(v as T), `one of ${values.join(', ')}`);
  }

  name(field: string): string {
    try {
      return validateDeviceName(this.#get(field));
    } catch (error) {
      throw malformed(`"${field}": ${(error as Error).message}`);
    }
  }

  bytes(field: string, max: number): Uint8Array {
    const text = this.string(field);
    const bytes = text.length <= Math.ceil((max * 4) / 3) ? fromBase64url(text) : undefined;
    if (!bytes || bytes.length === 0 || bytes.length > max) {
      throw malformed(`"${field}" is not base64url of 1 to ${max} bytes`);
    }
    return bytes;
  }

  bytesOfLength(field: string, length: number): Uint8Array {
    const bytes = fromBase64urlOfLength(this.string(field), length);
    if (!bytes) throw malformed(`"${field}" is not base64url of ${length} bytes`);
    return bytes;
  }

  fingerprints(field: string): FingerprintView {
    const value = this.check(field, isObject, 'an object');
    const inner = new Fields(value);
    inner.#read.delete('v');
    const view = {
      local: inner.check('local', isFingerprint, 'a sha-256 fingerprint'),
      remote: inner.check('remote', isFingerprint, 'a sha-256 fingerprint'),
    };
    inner.noneLeft(`"${field}" has `);
    return view;
  }

  renewal(field: string): CertificateRenewal {
    const inner = new Fields(this.check(field, isObject, 'an object'));
    inner.#read.delete('v');
    const renewal = {
      from: inner.check('from', isFingerprint, 'a sha-256 fingerprint'),
      signature: inner.bytesOfLength('signature', SIGNATURE_BYTES),
    };
    inner.noneLeft(`"${field}" has `);
    return renewal;
  }

  noneLeft(prefix = 'the message has '): void {
    const extra = Object.keys(this.#value).filter((key) => !this.#read.has(key));
    if (extra.length > 0)
      throw malformed(`${prefix}unknown fields: ${extra.slice(0, 3).join(', ').slice(0, 80)}`);
  }
}
