/**
 * The few WebCrypto operations identity and the handshakes use, over `Uint8Array` in and
 * out (browsers and Node ≥ 20 alike). Device keys are ECDSA P-256 with SHA-256; signatures
 * are WebCrypto's raw r‖s form (64 bytes). Nothing here ever exports a private key.
 */

const ECDSA_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** An ECDSA P-256 signature's length in WebCrypto's raw form. */
export const SIGNATURE_BYTES = 64;
/** An HMAC-SHA256 tag's length. */
export const MAC_BYTES = 32;

// TypeScript's DOM types want ArrayBuffer-backed views; every view here is one.
const source = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>;

export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', source(bytes)));
}

/** A fresh device key pair: the private key can sign and can never be exported. */
export function generateDeviceKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ECDSA_KEY, false, ['sign', 'verify']);
}

/** The public key as SubjectPublicKeyInfo (DER), which names the device and goes on the wire. */
export async function exportSpki(publicKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('spki', publicKey));
}

/**
 * A peer's public key from its SPKI bytes, or `undefined` when they are not an ECDSA P-256
 * public key (a peer's bytes are input like any other).
 */
export async function importSpki(spki: Uint8Array): Promise<CryptoKey | undefined> {
  try {
    return await crypto.subtle.importKey('spki', source(spki), ECDSA_KEY, true, ['verify']);
  } catch {
    return undefined;
  }
}

export async function sign(privateKey: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign(ECDSA_SIGN, privateKey, source(data)));
}

export function verify(publicKey: CryptoKey, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  return crypto.subtle.verify(ECDSA_SIGN, publicKey, source(signature), source(data));
}

/** An HMAC-SHA256 key derived from `secret` with HKDF-SHA256 (RFC 5869). */
export async function deriveMacKey(
  secret: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', source(secret), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: source(salt), info: source(info) },
    base,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign', 'verify'],
  );
}

export async function mac(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, source(data)));
}

/** Checks a tag in constant time (WebCrypto's verify compares without an early exit). */
export function verifyMac(key: CryptoKey, tag: Uint8Array, data: Uint8Array): Promise<boolean> {
  return crypto.subtle.verify('HMAC', key, source(tag), source(data));
}
