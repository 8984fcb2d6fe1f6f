import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../../../src/net/handshakeErrors.ts';
import {
  decodeMessage,
  encodeMessage,
  MAX_HANDSHAKE_MESSAGE,
  type HandshakeMessage,
} from '../../../src/net/handshakeMessages.ts';
import { makeDevice, randomFingerprint } from './netFixture.ts';

const text = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

async function samples(): Promise<HandshakeMessage[]> {
  const device = await makeDevice('Laptop ✓');
  const fingerprints = { local: device.identity.fingerprint, remote: randomFingerprint() };
  return [
    {
      kind: 'pair-hello',
      role: 'inviter',
      room: 'r'.repeat(22),
      device: device.identity.id,
      name: 'Laptop ✓',
      key: device.identity.publicKeySpki,
      nonce: new Uint8Array(32).fill(3),
      fingerprints,
    },
    { kind: 'pair-proof', mac: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(2) },
    { kind: 'auth-hello', device: device.identity.id, nonce: new Uint8Array(32), fingerprints },
    {
      kind: 'auth-hello',
      device: device.identity.id,
      nonce: new Uint8Array(32),
      fingerprints,
      renewal: { from: randomFingerprint(), signature: new Uint8Array(64).fill(5) },
    },
    { kind: 'auth-proof', signature: new Uint8Array(64) },
    { kind: 'accept' },
    { kind: 'refuse', code: 'proof-failed' },
  ];
}

function decodeError(bytes: Uint8Array): HandshakeError {
  try {
    decodeMessage(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeError);
    return error as HandshakeError;
  }
  throw new Error('decoded what it should have refused');
}

describe('handshake messages', () => {
  it('decode to what was encoded, well under the size limit', async () => {
    for (const message of await samples()) {
      const bytes = encodeMessage(message);
      expect(bytes.length).toBeLessThan(MAX_HANDSHAKE_MESSAGE / 4);
      expect(decodeMessage(bytes)).toEqual(message);
    }
  });

  it('refuse every field that is missing, of the wrong type, or extra', async () => {
    for (const message of await samples()) {
      const wire = JSON.parse(new TextDecoder().decode(encodeMessage(message))) as Record<string, unknown>;
      for (const field of Object.keys(wire)) {
        if (field === 'v' || field === 'renewal') continue; // renewal is optional
        const missing = Object.fromEntries(Object.entries(wire).filter(([key]) => key !== field));
        expect(decodeError(text(missing)).code, `${message.kind} without ${field}`).toBe('malformed');
        expect(decodeError(text({ ...wire, [field]: 12 })).code, `${message.kind} ${field}=12`).toBe(
          'malformed',
        );
      }
      expect(decodeError(text({ ...wire, extra: 1 })).detail).toMatch(/unknown fields: extra/);
      expect(decodeError(text({ ...wire, v: 2 })).code).toBe('version');
    }
  });

  it('check the meaning of fields, not only their type', async () => {
    const [hello, proof, , renewing] = (await samples()).map((m) =>
      JSON.parse(new TextDecoder().decode(encodeMessage(m))),
    );
    const bad = [
      { ...hello, role: 'admin' },
      { ...hello, room: 'short' },
      { ...hello, device: hello.device.toLowerCase() },
      { ...hello, name: ' ' },
      { ...hello, name: 'x'.repeat(65) },
      { ...hello, nonce: hello.nonce.slice(1) },
      { ...hello, key: '' },
      { ...hello, key: 'A'.repeat(400) },
      { ...hello, fingerprints: { ...hello.fingerprints, local: 'ab:cd' } },
      { ...hello, fingerprints: { ...hello.fingerprints, extra: 1 } },
      { ...proof, mac: proof.mac + 'A' },
      { ...proof, signature: proof.signature.slice(2) },
      { ...renewing, renewal: 12 },
      { ...renewing, renewal: { ...renewing.renewal, from: 'ab' } },
      { ...renewing, renewal: { ...renewing.renewal, signature: 'AAAA' } },
      { ...renewing, renewal: { ...renewing.renewal, to: renewing.renewal.from } },
      { v: 1, kind: 'refuse', code: 'Not A Code' },
      { v: 1, kind: 'accept', please: true },
    ];
    for (const value of bad)
      expect(decodeError(text(value)).code, JSON.stringify(value).slice(0, 80)).toBe('malformed');
  });

  it('refuse oversized messages before parsing them', () => {
    const error = decodeError(new Uint8Array(MAX_HANDSHAKE_MESSAGE + 1).fill(0x20));
    expect(error.code).toBe('too-large');
    expect(error.message).toMatch(/too large/);
  });

  it('never throw anything but HandshakeError on arbitrary bytes or JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.json().map((j) => text(j)),
        ),
        (bytes) => {
          try {
            decodeMessage(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(HandshakeError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
