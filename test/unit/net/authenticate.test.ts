import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import type { Transport } from '../../../src/ports/Transport.ts';
import { authenticate, type AuthenticateResult } from '../../../src/net/handshakeAuth.ts';
import { AuthError } from '../../../src/net/handshakeErrors.ts';
import {
  decodeMessage,
  encodeMessage,
  type FingerprintView,
  type HandshakeMessage,
} from '../../../src/net/handshakeMessages.ts';
import { loadOrCreateIdentity } from '../../../src/net/identity.ts';
import type { RememberedDevice } from '../../../src/net/rememberedDevices.ts';
import {
  connect,
  fakeCertificate,
  directViews,
  makeDevice,
  randomFingerprint,
  settledState,
  type Device,
  failures,
  tap,
} from './netFixture.ts';

/** Two devices that remember each other as pairing left them. */
async function pairedDevices(): Promise<[Device, Device]> {
  const [a, b] = await Promise.all([makeDevice('Laptop'), makeDevice('Phone')]);
  await a.remembered.remember(asRemembered(b));
  await b.remembered.remember(asRemembered(a));
  return [a, b];
}

function asRemembered(device: Device, changes: Partial<RememberedDevice> = {}): RememberedDevice {
  return {
    id: device.identity.id,
    name: device.name,
    publicKeySpki: device.identity.publicKeySpki,
    fingerprint: device.identity.fingerprint,
    pairedAt: 1,
    ...changes,
  };
}

interface RunOptions {
  readonly views?: { a: FingerprintView; b: FingerprintView };
  readonly transports?: { a: Transport; b: Transport };
}

function run(
  a: Device,
  b: Device,
  options: RunOptions = {},
): [Promise<AuthenticateResult>, Promise<AuthenticateResult>] {
  const { a: ta, b: tb } = options.transports ?? connect();
  const views = options.views ?? directViews(a, b);
  return [
    authenticate({ transport: ta, identity: a.identity, remembered: a.remembered, fingerprints: views.a }),
    authenticate({ transport: tb, identity: b.identity, remembered: b.remembered, fingerprints: views.b }),
  ];
}

describe('reconnection', () => {
  it('authenticates two remembered devices, each getting the other as remembered', async () => {
    const [a, b] = await pairedDevices();
    const { a: ta, b: tb } = connect();
    const [ra, rb] = await Promise.all(run(a, b, { transports: { a: ta, b: tb } }));
    expect(ra.peer).toEqual(await a.remembered.get(b.identity.id));
    expect(rb.peer.id).toBe(a.identity.id);
    expect(ta.closed).toBeUndefined();
    expect(tb.closed).toBeUndefined();
  });

  it("takes a peer's new name from its auth-hello, once the peer proved its key", async () => {
    const [a, b] = await pairedDevices();
    const { a: ta, b: tb } = connect();
    const views = directViews(a, b);
    const [ra, rb] = await Promise.all([
      authenticate({ transport: ta, identity: a.identity, remembered: a.remembered, fingerprints: views.a }),
      authenticate({
        transport: tb,
        identity: b.identity,
        remembered: b.remembered,
        fingerprints: views.b,
        name: '  Phone, renamed ',
      }),
    ]);
    expect(ra.peer.name).toBe('Phone, renamed');
    expect((await a.remembered.get(b.identity.id))?.name).toBe('Phone, renamed');
    expect(rb.peer.name).toBe('Laptop'); // a sent no name: b keeps what it remembered
  });

  it('refuses an auth-hello whose name is not a usable device name', async () => {
    const [a, b] = await pairedDevices();
    const hello: HandshakeMessage = {
      kind: 'auth-hello',
      device: a.identity.id,
      nonce: new Uint8Array(32),
      fingerprints: directViews(a, b).a,
    };
    expect(decodeMessage(encodeMessage({ ...hello, name: 'Laptop' }))).toMatchObject({ name: 'Laptop' });
    expect(() => decodeMessage(encodeMessage({ ...hello, name: 'bad\u0007name' }))).toThrow(/name/);
  });

  it('authenticates again and again on new connections (nothing is used up)', async () => {
    const [a, b] = await pairedDevices();
    for (let i = 0; i < 3; i++) await Promise.all(run(a, b));
  });

  it('refuses a device it never paired with, on both sides, without learning anything more', async () => {
    const [a] = await pairedDevices();
    const stranger = await makeDevice('Stranger');
    await stranger.remembered.remember(asRemembered(a)); // the stranger knows a's public ID and key
    const { a: ta, b: tb } = connect();
    const fromA = tap(tb);
    const [aError, strangerError] = await failures(
      AuthError,
      ...run(a, stranger, { transports: { a: ta, b: tb } }),
    );
    expect(aError).toMatchObject({ code: 'unknown-device', by: 'local' });
    expect(strangerError).toMatchObject({ code: 'unknown-device', by: 'peer' });
    // a sent its hello and its refusal, never a proof.
    await expect.poll(() => tb.closed?.by, { timeout: 2000 }).toBe('remote');
    expect(fromA.map((m) => m.kind)).toEqual(['auth-hello', 'refuse']);
  });

  it('refuses a device that was forgotten (revoked) on the other side', async () => {
    const [a, b] = await pairedDevices();
    await Promise.all(run(a, b));
    expect(await b.remembered.forget(a.identity.id)).toBe(true);
    const [aError, bError] = await failures(AuthError, ...run(a, b));
    expect(bError).toMatchObject({ code: 'unknown-device', by: 'local' });
    expect(aError).toMatchObject({ code: 'unknown-device', by: 'peer' });
    expect(aError.message).toMatch(/not paired/);
  });

  it('refuses a device whose signature does not verify with the remembered key', async () => {
    const [a, b] = await pairedDevices();
    // b claims its own ID and certificate but holds other keys (it cannot have b's private key).
    const other = await makeDevice('Other');
    const impostor: Device = { ...b, identity: { ...b.identity, keys: other.identity.keys } };
    const [aError, impostorError] = await failures(AuthError, ...run(a, impostor));
    expect(aError).toMatchObject({ code: 'bad-signature', by: 'local' });
    expect(impostorError).toMatchObject({ code: 'bad-signature', by: 'peer' });
  });

  it('refuses when the remembered key is another one', async () => {
    const [a, b] = await pairedDevices();
    const other = await makeDevice('Other');
    // Remembered under b's ID with a key that hashes to another ID: the list refuses it.
    await expect(
      a.remembered.remember(asRemembered(b, { publicKeySpki: other.identity.publicKeySpki })),
    ).rejects.toThrow(/does not match its key/);
    // And a device that kept b's identity but lost its private key to a new one cannot sign.
    const wrongKey: Device = { ...b, identity: { ...b.identity, keys: other.identity.keys } };
    expect((await failures(AuthError, ...run(wrongKey, a)))[1].code).toBe('bad-signature');
  });

  it('refuses a peer whose certificate is not the pinned one, on both sides', async () => {
    const [a, b] = await pairedDevices();
    await a.remembered.remember(asRemembered(b, { fingerprint: randomFingerprint() }));
    const [aError, bError] = await failures(AuthError, ...run(a, b));
    expect(aError).toMatchObject({ code: 'fingerprint-changed', by: 'local' });
    expect(bError).toMatchObject({ code: 'fingerprint-changed', by: 'peer' });
  });

  it('fails on both sides with the tampering message when a relay swapped the fingerprints', async () => {
    const [a, b] = await pairedDevices();
    const views = {
      a: { local: a.identity.fingerprint, remote: randomFingerprint() },
      b: { local: b.identity.fingerprint, remote: randomFingerprint() },
    };
    const errors = await failures(AuthError, ...run(a, b, { views }));
    for (const error of errors)
      expect(error).toMatchObject({ code: 'tampered', message: expect.stringMatching(/tampering/) });
  });

  it('refuses a replayed signature from an earlier connection', async () => {
    const [a, b] = await pairedDevices();
    const first = connect();
    const recorded: HandshakeMessage[] = [];
    const original = first.b.send.bind(first.b);
    first.b.send = (bytes: Uint8Array) => {
      recorded.push(decodeMessage(bytes));
      return original(bytes);
    };
    await Promise.all(run(a, b, { transports: first }));
    const second = connect();
    const result = authenticate({
      transport: second.a,
      identity: a.identity,
      remembered: a.remembered,
      fingerprints: directViews(a, b).a,
    });
    for (const message of recorded.slice(0, 2)) await second.b.send(encodeMessage(message));
    expect((await failures(AuthError, result))[0].code).toBe('bad-signature');
  });

  it('refuses a remembered device other than the one the connection was made for', async () => {
    const [a, b] = await pairedDevices();
    const c = await makeDevice('Tablet');
    await a.remembered.remember(asRemembered(c));
    const { a: ta, b: tb } = connect();
    const result = authenticate({
      transport: ta,
      identity: a.identity,
      remembered: a.remembered,
      fingerprints: directViews(a, b).a,
      expected: c.identity.id,
    });
    const peer = authenticate({
      transport: tb,
      identity: b.identity,
      remembered: b.remembered,
      fingerprints: directViews(a, b).b,
    });
    const [error] = await failures(AuthError, result, peer);
    expect(error).toMatchObject({ code: 'unknown-device', by: 'local' });
  });

  it('refuses a pairing message on a reconnection', async () => {
    const [a, b] = await pairedDevices();
    const { a: ta, b: tb } = connect();
    const result = authenticate({
      transport: ta,
      identity: a.identity,
      remembered: a.remembered,
      fingerprints: directViews(a, b).a,
    });
    await tb.send(
      encodeMessage({ kind: 'pair-proof', mac: new Uint8Array(32), signature: new Uint8Array(64) }),
    );
    expect((await failures(AuthError, result))[0]).toMatchObject({ code: 'malformed', by: 'local' });
    expect(ta.closed?.by).toBe('local');
  });

  it('fails with timeout at the limit, not before, and closes', async () => {
    const [a, b] = await pairedDevices();
    const clock = new ManualClock();
    const { a: ta, b: tb } = connect();
    const got = tap(tb);
    const result = authenticate({
      transport: ta,
      identity: a.identity,
      remembered: a.remembered,
      fingerprints: directViews(a, b).a,
      clock,
    });
    await expect.poll(() => got.length, { timeout: 2000 }).toBe(1);
    clock.advance(9_999);
    expect(await settledState(result)).toBe('pending');
    clock.advance(1);
    expect((await failures(AuthError, result))[0]).toMatchObject({ code: 'timeout', by: 'local' });
    expect(ta.closed?.by).toBe('local');
    await expect.poll(() => got.at(-1), { timeout: 2000 }).toEqual({ kind: 'refuse', code: 'timeout' });
  });
});

/** `device` after its certificate was renewed (as a load near its expiry does). */
async function renewCertificate(device: Device): Promise<Device> {
  const identity = await loadOrCreateIdentity(device.store, {
    generateCertificate: async () => fakeCertificate(),
    now: () => Date.UTC(2100, 0, 1) - 1, // the fixture's certificates expire in 2100
  });
  return { ...device, identity };
}

describe('reconnection after a certificate renewal', () => {
  it('accepts the new certificate signed over by the remembered key, and moves the pin', async () => {
    const [a, b] = await pairedDevices();
    const renewedB = await renewCertificate(b);
    expect(renewedB.identity.fingerprint).not.toBe(b.identity.fingerprint);
    const [ra] = await Promise.all(run(a, renewedB));
    expect(ra.peer.fingerprint).toBe(renewedB.identity.fingerprint);
    expect((await a.remembered.get(b.identity.id))?.fingerprint).toBe(renewedB.identity.fingerprint);
    await Promise.all(run(a, renewedB)); // and again, now on the moved pin
  });

  it('refuses a renewal signed by another key', async () => {
    const [a, b] = await pairedDevices();
    const renewedB = await renewCertificate(b);
    const forged = { ...renewedB.identity.renewal!, signature: new Uint8Array(64).fill(1) };
    const forger: Device = { ...renewedB, identity: { ...renewedB.identity, renewal: forged } };
    expect((await failures(AuthError, ...run(a, forger)))[0].code).toBe('fingerprint-changed');
    expect((await a.remembered.get(b.identity.id))?.fingerprint).toBe(b.identity.fingerprint);
  });

  it('refuses a peer that missed two renewals (the statement starts from another pin)', async () => {
    const [a, b] = await pairedDevices();
    const twice = await renewCertificate(await renewCertificate(b));
    const [aError] = await failures(AuthError, ...run(a, twice));
    expect(aError).toMatchObject({ code: 'fingerprint-changed', by: 'local' });
  });

  it('does not let a relay use a renewal to swap in its own certificate', async () => {
    const [a, b] = await pairedDevices();
    const renewedB = await renewCertificate(b);
    // The relay shows a its own fingerprint and rewrites nothing else: the statement names
    // b's new certificate, not the relay's.
    const relay = randomFingerprint();
    const views = {
      a: { local: a.identity.fingerprint, remote: relay },
      b: { local: renewedB.identity.fingerprint, remote: a.identity.fingerprint },
    };
    const errors = await failures(AuthError, ...run(a, renewedB, { views }));
    expect(errors[0].code).toBe('tampered');
    expect((await a.remembered.get(b.identity.id))?.fingerprint).toBe(b.identity.fingerprint);
  });
});
