import { describe, expect, it } from 'vitest';
import { MemoryStoreBacking } from '../../../src/adapters/store/MemoryStore.ts';
import { deviceIdFromDigest, shortDeviceId } from '../../../src/core/model/device.ts';
import type { StoredCertificate } from '../../../src/ports/Store.ts';
import {
  DEVICE_NAME_SETTING,
  DeviceNameError,
  loadDeviceName,
  saveDeviceName,
  validateDeviceName,
} from '../../../src/net/deviceName.ts';
import {
  DEVICE_CERTIFICATE_NAME,
  DEVICE_KEYS_NAME,
  IdentityError,
  isDeviceId,
  loadOrCreateIdentity,
  RENEW_BEFORE_MS,
} from '../../../src/net/identity.ts';
import { RENEWAL_SETTING, verifyRenewal } from '../../../src/net/certificateRenewal.ts';
import { CertificateKeepingStore, fakeCertificate } from './netFixture.ts';

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

function counting(make: () => StoredCertificate = () => fakeCertificate()) {
  const generator = { calls: 0, generate: async () => (generator.calls++, make()) };
  return generator;
}

describe('device identity', () => {
  it('is created once and loads the same after a reopen', async () => {
    const backing = new MemoryStoreBacking();
    const shelf = new Map();
    const certificates = counting();
    const first = await loadOrCreateIdentity(new CertificateKeepingStore(backing, shelf), {
      generateCertificate: certificates.generate,
    });
    const second = await loadOrCreateIdentity(new CertificateKeepingStore(backing, shelf), {
      generateCertificate: certificates.generate,
    });
    expect(certificates.calls).toBe(1);
    expect(second.id).toBe(first.id);
    expect(second.publicKeySpki).toEqual(first.publicKeySpki);
    expect(second.fingerprint).toBe(first.fingerprint);
    // The reloaded private key signs what the first public key verifies.
    const data = new TextEncoder().encode('same device');
    const signature = await crypto.subtle.sign(SIGN, second.keys.privateKey, data);
    expect(await crypto.subtle.verify(SIGN, first.keys.publicKey, signature, data)).toBe(true);
  });

  it('derives its ID from the SHA-256 of its public key', async () => {
    const identity = await loadOrCreateIdentity(new CertificateKeepingStore(), {
      generateCertificate: async () => fakeCertificate(),
    });
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', identity.keys.publicKey));
    expect(identity.publicKeySpki).toEqual(spki);
    expect(identity.id).toBe(deviceIdFromDigest(new Uint8Array(await crypto.subtle.digest('SHA-256', spki))));
    expect(isDeviceId(identity.id)).toBe(true);
    expect(identity.shortId).toBe(shortDeviceId(identity.id));
  });

  it('gives different devices different IDs', async () => {
    const make = () =>
      loadOrCreateIdentity(new CertificateKeepingStore(), {
        generateCertificate: async () => fakeCertificate(),
      });
    const [a, b] = await Promise.all([make(), make()]);
    expect(a.id).not.toBe(b.id);
  });

  it('keeps the private key non-extractable, in memory and in the store', async () => {
    const store = new CertificateKeepingStore();
    const identity = await loadOrCreateIdentity(store, {
      generateCertificate: async () => fakeCertificate(),
    });
    expect(identity.keys.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('pkcs8', identity.keys.privateKey)).rejects.toThrow();
    const stored = (await store.getKey(DEVICE_KEYS_NAME)) as CryptoKeyPair;
    expect(stored.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', stored.privateKey)).rejects.toThrow();
  });

  it('normalises the certificate fingerprint to upper case', async () => {
    const certificate: StoredCertificate = {
      expires: Date.UTC(2100, 0, 1),
      getFingerprints: () => [
        { algorithm: 'sha-1', value: 'ab:cd' },
        { algorithm: 'sha-256', value: Array(32).fill('a0').join(':') },
      ],
    };
    const identity = await loadOrCreateIdentity(new CertificateKeepingStore(), {
      generateCertificate: async () => certificate,
    });
    expect(identity.fingerprint).toBe(Array(32).fill('A0').join(':'));
    expect(identity.certificate).toBe(certificate);
  });

  const damagedKeys: [string, () => Promise<unknown>][] = [
    [
      'a single key instead of a pair',
      async () => (await crypto.subtle.generateKey(ECDSA, false, ['sign', 'verify'])).publicKey,
    ],
    ['an extractable private key', () => crypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])],
    [
      'another curve',
      () => crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign', 'verify']),
    ],
    [
      'swapped keys',
      async () => {
        const pair = await crypto.subtle.generateKey(ECDSA, false, ['sign', 'verify']);
        return { publicKey: pair.privateKey, privateKey: pair.publicKey };
      },
    ],
  ];
  for (const [what, make] of damagedKeys) {
    it(`refuses a stored key pair that is ${what}, rather than making a new identity`, async () => {
      const store = new CertificateKeepingStore();
      await store.putKey(DEVICE_KEYS_NAME, (await make()) as CryptoKeyPair);
      const certificates = counting();
      await expect(
        loadOrCreateIdentity(store, { generateCertificate: certificates.generate }),
      ).rejects.toThrow(IdentityError);
      expect(await store.getKey(DEVICE_KEYS_NAME)).toBeDefined(); // left for the user to decide
    });
  }

  it('refuses a stored certificate that is not one', async () => {
    const store = new CertificateKeepingStore();
    await store.putKey(
      DEVICE_CERTIFICATE_NAME,
      (await crypto.subtle.generateKey(ECDSA, false, ['sign'])).privateKey,
    );
    await expect(
      loadOrCreateIdentity(store, { generateCertificate: async () => fakeCertificate() }),
    ).rejects.toThrow(/stored DTLS certificate is damaged/);
  });

  it('refuses a stored certificate without a sha-256 fingerprint', async () => {
    const store = new CertificateKeepingStore();
    await store.putKey(DEVICE_CERTIFICATE_NAME, { expires: Date.UTC(2100, 0, 1), getFingerprints: () => [] });
    await expect(
      loadOrCreateIdentity(store, { generateCertificate: async () => fakeCertificate() }),
    ).rejects.toThrow(IdentityError);
  });

  it('renews a certificate close to expiry (a browser refuses an expired one), keeps the keys and signs the change', async () => {
    const store = new CertificateKeepingStore();
    const now = Date.UTC(2030, 0, 1);
    const expires = now + RENEW_BEFORE_MS + 1000;
    const first = await loadOrCreateIdentity(store, {
      generateCertificate: async () => fakeCertificate(expires),
    });
    expect(first.renewal).toBeUndefined();
    const same = await loadOrCreateIdentity(store, {
      generateCertificate: async () => fakeCertificate(),
      now: () => now + 999,
    });
    expect(same.fingerprint).toBe(first.fingerprint);

    const renewed = await loadOrCreateIdentity(store, {
      generateCertificate: async () => fakeCertificate(),
      now: () => now + 1000,
    });
    expect(renewed.fingerprint).not.toBe(first.fingerprint);
    expect(renewed.id).toBe(first.id);
    expect(renewed.renewal?.from).toBe(first.fingerprint);
    const pinned = { id: first.id, publicKeySpki: first.publicKeySpki, fingerprint: first.fingerprint };
    expect(await verifyRenewal(pinned, renewed.renewal!, renewed.fingerprint)).toBe(true);
    expect(await verifyRenewal(pinned, renewed.renewal!, first.fingerprint)).toBe(false);
    expect(
      await verifyRenewal(
        { ...pinned, fingerprint: renewed.fingerprint },
        renewed.renewal!,
        renewed.fingerprint,
      ),
    ).toBe(false);

    const reloaded = await loadOrCreateIdentity(store, {
      generateCertificate: async () => fakeCertificate(),
    });
    expect(reloaded.fingerprint).toBe(renewed.fingerprint);
    expect(reloaded.renewal).toEqual(renewed.renewal);
  });

  it('ignores a saved renewal that is not for the current certificate or is unreadable', async () => {
    const store = new CertificateKeepingStore();
    await store.setSetting(RENEWAL_SETTING, '{"from":"x"}');
    expect(
      (await loadOrCreateIdentity(store, { generateCertificate: async () => fakeCertificate() })).renewal,
    ).toBe(undefined);
    await store.setSetting(RENEWAL_SETTING, 'not json');
    expect(
      (await loadOrCreateIdentity(store, { generateCertificate: async () => fakeCertificate() })).renewal,
    ).toBe(undefined);
  });

  it('surfaces the store failing, instead of creating anything', async () => {
    const backing = new MemoryStoreBacking();
    const store = new CertificateKeepingStore(backing);
    backing.closeFromOutside('storage cleared');
    await expect(
      loadOrCreateIdentity(store, { generateCertificate: async () => fakeCertificate() }),
    ).rejects.toThrow(/closed/);
  });
});

describe('device name', () => {
  it('is trimmed, NFC-normalised and saved', async () => {
    const store = new CertificateKeepingStore();
    expect(await loadDeviceName(store)).toBeUndefined();
    expect(await saveDeviceName(store, '  Cafe\u0301 laptop ')).toBe('Café laptop');
    expect(await loadDeviceName(store)).toBe('Café laptop');
  });

  it('allows 1 to 64 characters, counted as code points', () => {
    expect(validateDeviceName('x')).toBe('x');
    expect(validateDeviceName('😀'.repeat(64))).toBe('😀'.repeat(64));
    expect(() => validateDeviceName('😀'.repeat(65))).toThrow(/at most 64/);
    expect(() => validateDeviceName('   ')).toThrow(/empty/);
  });

  it.each([['tab\there'], ['new\nline'], ['nul\0'], ['bidi\u202Eoverride'], ['del\u007f']])(
    'refuses control characters: %j',
    (name) => expect(() => validateDeviceName(name)).toThrow(DeviceNameError),
  );

  it('refuses a damaged saved name with a clear error', async () => {
    const store = new CertificateKeepingStore();
    await store.setSetting(DEVICE_NAME_SETTING, 'bad\u0007');
    await expect(loadDeviceName(store)).rejects.toThrow(/saved device name is unusable/);
    await expect(saveDeviceName(store, '')).rejects.toThrow(DeviceNameError);
    expect(await store.getSetting(DEVICE_NAME_SETTING)).toBe('bad\u0007'); // nothing half-done
  });
});
