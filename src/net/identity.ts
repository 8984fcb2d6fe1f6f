/**
 * Who this device is (DESIGN.md, "Data model", Device): an ECDSA P-256 key pair whose
 * private key never leaves WebCrypto, and a persistent DTLS certificate whose fingerprint
 * peers pin. Both live in the Store's credentials; the device ID is base32 of SHA-256 of
 * the public key (SPKI).
 *
 * Loading is the only way in: the first load creates what is missing, later loads give
 * back the same identity. A stored value that is not what we saved stops the load with an
 * `IdentityError`: quietly making a new identity would cut the device off from every peer
 * that remembers it, with nothing to say why.
 */
import { deviceIdFromDigest, shortDeviceId } from '../core/model/device.ts';
import type { DeviceShortId } from '../core/model/fileRecord.ts';
import type { DeviceId, Store, StoredCertificate, StoredCredential } from '../ports/Store.ts';
import { loadRenewal, saveRenewal, type CertificateRenewal } from './certificateRenewal.ts';
import { certificateFingerprint, FingerprintError, type Fingerprint } from './fingerprint.ts';
import { exportSpki, generateDeviceKeys, sha256 } from './webCrypto.ts';

/** Credential names in the Store. */
export const DEVICE_KEYS_NAME = 'device-keys';
export const DEVICE_CERTIFICATE_NAME = 'device-certificate';

/**
 * The certificate lifetime asked of the browser. Chromium caps it at 365 days (checked on
 * Chromium 156; the default is 30), so ask for the cap.
 */
export const CERTIFICATE_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;
/**
 * A certificate with less life left than this is renewed at load (certificateRenewal.ts),
 * while it still works. Well under the shortest lifetime a browser gives (30 days), so a
 * fresh certificate is never renewed at once.
 */
export const RENEW_BEFORE_MS = 14 * 24 * 60 * 60 * 1000;

export interface DeviceIdentity {
  /** Base32 of SHA-256 of `publicKeySpki` (52 characters). */
  readonly id: DeviceId;
  readonly shortId: DeviceShortId;
  /** The private key signs and is not extractable. */
  readonly keys: CryptoKeyPair;
  readonly publicKeySpki: Uint8Array;
  /** Give it to every RTCPeerConnection (`certificates: [it]`), so peers see `fingerprint`. */
  readonly certificate: StoredCertificate;
  readonly fingerprint: Fingerprint;
  /** When the certificate replaced an earlier one: the signed change, for peers that pinned it. */
  readonly renewal: CertificateRenewal | undefined;
}

export interface IdentityOptions {
  /**
   * Makes a new DTLS certificate: in the browser `browserCertificateGenerator()`; tests
   * pass a fake.
   */
  readonly generateCertificate: () => Promise<StoredCertificate>;
  /**
   * The time (default `Date.now`), to renew a certificate that expires within
   * `RENEW_BEFORE_MS` (a browser refuses an expired one).
   */
  readonly now?: () => number;
}

/** The stored identity cannot be used; the message says what to do. */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';
}

/** `RTCPeerConnection.generateCertificate` for ECDSA P-256 with the longest lifetime allowed. */
export function browserCertificateGenerator(): () => Promise<StoredCertificate> {
  return () =>
    RTCPeerConnection.generateCertificate({
      name: 'ECDSA',
      namedCurve: 'P-256',
      expires: CERTIFICATE_LIFETIME_MS,
    } as EcKeyGenParams);
}

/** The device ID that belongs to a public key. */
export async function deviceIdOfKey(publicKeySpki: Uint8Array): Promise<DeviceId> {
  return deviceIdFromDigest(await sha256(publicKeySpki));
}

/**
 * This device's identity, created on first use. Rejects with `IdentityError` when a stored
 * credential is damaged, and with the Store's error when it cannot be read or written.
 */
export async function loadOrCreateIdentity(
  store: Pick<Store, 'getKey' | 'putKey' | 'getSetting' | 'setSetting'>,
  options: IdentityOptions,
): Promise<DeviceIdentity> {
  const now = options.now ?? Date.now;
  let keys = checkKeys(await store.getKey(DEVICE_KEYS_NAME));
  let certificate = checkCertificate(await store.getKey(DEVICE_CERTIFICATE_NAME));
  if (!keys) {
    keys = await generateDeviceKeys();
    await store.putKey(DEVICE_KEYS_NAME, keys);
    certificate = undefined; // a new device: nobody pinned the old certificate for this key
  }
  const publicKeySpki = await exportSpki(keys.publicKey);
  const id = await deviceIdOfKey(publicKeySpki);

  if (!certificate || certificate.expires - now() <= RENEW_BEFORE_MS) {
    const previous = certificate && certificateFingerprint(certificate);
    certificate = await options.generateCertificate();
    let fingerprint: Fingerprint;
    try {
      fingerprint = certificateFingerprint(certificate);
    } catch (error) {
      throw new IdentityError(`the browser made an unusable DTLS certificate: ${(error as Error).message}`);
    }
    // The statement first: a crash before the certificate is saved only renews again.
    if (previous) await saveRenewal(store, keys.privateKey, id, previous, fingerprint);
    await store.putKey(DEVICE_CERTIFICATE_NAME, certificate);
  }
  const fingerprint = certificateFingerprint(certificate);
  return {
    id,
    shortId: shortDeviceId(id),
    keys,
    publicKeySpki,
    certificate,
    fingerprint,
    renewal: await loadRenewal(store, fingerprint),
  };
}

const damaged = (what: string, why: string) =>
  new IdentityError(
    `this device's stored ${what} is damaged (${why}); it cannot prove who it is. ` +
      'Reset the device identity, then pair with your other devices again.',
  );

/** The stored key pair, `undefined` when none is stored; throws when it is not ours. */
function checkKeys(value: StoredCredential | undefined): CryptoKeyPair | undefined {
  if (value === undefined) return undefined;
  const pair = value as Partial<CryptoKeyPair>;
  const { publicKey, privateKey } = pair;
  if (!(publicKey instanceof CryptoKey) || !(privateKey instanceof CryptoKey)) {
    throw damaged('key pair', 'not a WebCrypto key pair');
  }
  for (const key of [publicKey, privateKey]) {
    const algorithm = key.algorithm as EcKeyAlgorithm;
    if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
      throw damaged('key pair', `a ${algorithm.name} key where ECDSA P-256 was saved`);
    }
  }
  if (publicKey.type !== 'public' || privateKey.type !== 'private') {
    throw damaged('key pair', 'the public and private keys are mixed up');
  }
  if (privateKey.extractable) throw damaged('key pair', 'the private key is extractable');
  if (!privateKey.usages.includes('sign')) throw damaged('key pair', 'the private key cannot sign');
  return { publicKey, privateKey };
}

/** The stored certificate, `undefined` when none is stored; throws when it is not one. */
function checkCertificate(value: StoredCredential | undefined): StoredCertificate | undefined {
  if (value === undefined) return undefined;
  const certificate = value as Partial<StoredCertificate>;
  if (typeof certificate.getFingerprints !== 'function' || typeof certificate.expires !== 'number') {
    throw damaged('DTLS certificate', 'not a certificate');
  }
  try {
    certificateFingerprint(certificate as StoredCertificate);
  } catch (error) {
    if (error instanceof FingerprintError) throw damaged('DTLS certificate', error.message);
    throw error;
  }
  return certificate as StoredCertificate;
}

const DEVICE_ID = /^[A-Z2-7]{52}$/;

/** Whether `text` has the shape of a full device ID (52 base32 characters). */
export function isDeviceId(text: unknown): text is DeviceId {
  return typeof text === 'string' && DEVICE_ID.test(text);
}
