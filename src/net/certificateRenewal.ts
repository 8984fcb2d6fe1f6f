/**
 * Renewing the DTLS certificate without breaking pins. A browser caps a certificate's
 * life (Chromium: 365 days), and peers pin its fingerprint, so a device that needs a new
 * certificate signs, with its device key, the statement "my certificate changes from
 * `from` to `to`". It sends the statement in its reconnection hello; a peer whose pin is
 * `from` accepts `to` once the statement verifies with the remembered key (and the whole
 * handshake then succeeds), and moves its pin. One step only: a peer that missed two
 * renewals refuses the changed fingerprint, and the devices pair again.
 *
 * This adds no new trust: whoever holds the device key can already prove the device's
 * identity; the pin stays what stops a relay that holds neither key.
 */
import type { DeviceId, Store } from '../ports/Store.ts';
import { fromBase64urlOfLength, toBase64url } from './base64url.ts';
import { isFingerprint, type Fingerprint } from './fingerprint.ts';
import { encodeFields } from './handshakeTranscript.ts';
import { importSpki, sign, SIGNATURE_BYTES, verify } from './webCrypto.ts';

export const RENEWAL_SETTING = 'device-certificate-renewal';
const LABEL = 'tandem/certificate-renewal/v1';

/** A signed change of certificate, to the device's current fingerprint. */
export interface CertificateRenewal {
  /** The fingerprint peers pinned before. */
  readonly from: Fingerprint;
  /** ECDSA signature by the device key over (label, device ID, from, to). */
  readonly signature: Uint8Array;
}

const statement = (device: DeviceId, from: Fingerprint, to: Fingerprint) =>
  encodeFields([LABEL, device, from, to]);

/** Signs and saves the renewal from `from` to `to`; resolves with it. */
export async function saveRenewal(
  store: Pick<Store, 'setSetting'>,
  privateKey: CryptoKey,
  device: DeviceId,
  from: Fingerprint,
  to: Fingerprint,
): Promise<CertificateRenewal> {
  const signature = await sign(privateKey, statement(device, from, to));
  await store.setSetting(RENEWAL_SETTING, JSON.stringify({ from, to, signature: toBase64url(signature) }));
  return { from, signature };
}

/**
 * The saved renewal to `to`, or `undefined` when there is none for it (none saved, or an
 * older one): an unusable saved statement only means peers may have to pair again.
 */
export async function loadRenewal(
  store: Pick<Store, 'getSetting'>,
  to: Fingerprint,
): Promise<CertificateRenewal | undefined> {
  const text = await store.getSetting(RENEWAL_SETTING);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as { from?: unknown; to?: unknown; signature?: unknown };
    const signature =
      typeof value.signature === 'string'
        ? fromBase64urlOfLength(value.signature, SIGNATURE_BYTES)
        : undefined;
    if (value.to !== to || !isFingerprint(value.from) || !signature) return undefined;
    return { from: value.from, signature };
  } catch {
    return undefined;
  }
}

/** Whether `renewal` moves `device`'s certificate from `pinned` to `to`, signed by its key. */
export async function verifyRenewal(
  device: { readonly id: DeviceId; readonly publicKeySpki: Uint8Array; readonly fingerprint: Fingerprint },
  renewal: CertificateRenewal,
  to: Fingerprint,
): Promise<boolean> {
  if (renewal.from !== device.fingerprint) return false;
  const key = await importSpki(device.publicKeySpki);
  return key !== undefined && verify(key, renewal.signature, statement(device.id, renewal.from, to));
}
