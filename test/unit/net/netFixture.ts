/**
 * Devices for the net tests: a Store, an identity with a fake DTLS certificate, the
 * remembered-devices list; and connections between two devices over a memory transport,
 * with each side given the fingerprints its own connection would show.
 */
import { createMemoryPair, type MemoryPairOptions } from '../../../src/adapters/transport/MemoryTransport.ts';
import { MemoryStore, MemoryStoreBacking } from '../../../src/adapters/store/MemoryStore.ts';
import type { StoredCertificate, StoredCredential } from '../../../src/ports/Store.ts';
import type { Fingerprint } from '../../../src/net/fingerprint.ts';
import type { FingerprintView } from '../../../src/net/handshakeMessages.ts';
import { loadOrCreateIdentity, type DeviceIdentity } from '../../../src/net/identity.ts';
import { RememberedDevices } from '../../../src/net/rememberedDevices.ts';
import { decodeMessage, type HandshakeMessage } from '../../../src/net/handshakeMessages.ts';
import type { Transport } from '../../../src/ports/Transport.ts';
import { expect } from 'vitest';

const hexPairs = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');

/** A stand-in for an RTCCertificate: lower-case fingerprint, as Chromium gives it. */
export function fakeCertificate(expires = Date.UTC(2100, 0, 1)): StoredCertificate {
  const value = hexPairs(crypto.getRandomValues(new Uint8Array(32)));
  return { expires, getFingerprints: () => [{ algorithm: 'sha-256', value }] };
}

/** A random fingerprint in normal form, e.g. a relay's own certificate. */
export function randomFingerprint(): Fingerprint {
  return hexPairs(crypto.getRandomValues(new Uint8Array(32))).toUpperCase();
}

/**
 * What IndexedDB does for a real RTCCertificate (a platform object it can clone), for a
 * fake one: keeps it by reference. Everything else goes through MemoryStore's structured
 * clone. `shelf` outlives the store like the backing does.
 */
export class CertificateKeepingStore extends MemoryStore {
  constructor(
    backing = new MemoryStoreBacking(),
    readonly shelf = new Map<string, StoredCredential>(),
  ) {
    super(backing);
  }

  override async putKey(name: string, value: StoredCredential): Promise<void> {
    if (typeof (value as Partial<StoredCertificate>).getFingerprints === 'function') {
      await super.deleteKey(name);
      this.shelf.set(name, value);
    } else {
      this.shelf.delete(name);
      await super.putKey(name, value);
    }
  }

  override async getKey(name: string): Promise<StoredCredential | undefined> {
    return this.shelf.get(name) ?? super.getKey(name);
  }

  override async deleteKey(name: string): Promise<void> {
    this.shelf.delete(name);
    await super.deleteKey(name);
  }
}

export interface Device {
  readonly name: string;
  readonly store: CertificateKeepingStore;
  readonly identity: DeviceIdentity;
  readonly remembered: RememberedDevices;
}

export async function makeDevice(name: string): Promise<Device> {
  const store = new CertificateKeepingStore();
  const identity = await loadOrCreateIdentity(store, { generateCertificate: async () => fakeCertificate() });
  return { name, store, identity, remembered: new RememberedDevices(store) };
}

/** Each side's fingerprints on a direct connection: its own, and the peer's. */
export function directViews(a: Device, b: Device): { a: FingerprintView; b: FingerprintView } {
  return {
    a: { local: a.identity.fingerprint, remote: b.identity.fingerprint },
    b: { local: b.identity.fingerprint, remote: a.identity.fingerprint },
  };
}

/** A memory transport pair (a for the first device, b for the second). */
export function connect(options: MemoryPairOptions = {}) {
  return createMemoryPair(options);
}

/** Whether a promise settled, without waiting for it. */
export async function settledState(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((resolve) => setTimeout(resolve, 0));
  return state;
}

/**
 * The errors the runs failed with, in order, each an instance of `type`; a run that
 * succeeds fails the test.
 */
export async function failures<E extends Error, T extends Promise<unknown>[]>(
  type: abstract new (...args: never[]) => E,
  ...runs: T
): Promise<{ [K in keyof T]: E }> {
  const settled = await Promise.allSettled(runs);
  return settled.map((r) => {
    if (r.status === 'fulfilled')
      throw new Error(`a handshake that should have failed with ${type.name} succeeded`);
    expect(r.reason).toBeInstanceOf(type);
    return r.reason as E;
  }) as { [K in keyof T]: E };
}

/** Everything a transport receives, decoded. */
export function tap(transport: Transport): HandshakeMessage[] {
  const got: HandshakeMessage[] = [];
  transport.onMessage((bytes) => got.push(decodeMessage(bytes)));
  return got;
}
