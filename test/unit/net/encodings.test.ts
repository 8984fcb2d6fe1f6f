import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { fromBase64url, fromBase64urlOfLength, toBase64url } from '../../../src/net/base64url.ts';
import {
  certificateFingerprint,
  FingerprintError,
  isFingerprint,
  normalizeFingerprint,
  parseSdpFingerprint,
} from '../../../src/net/fingerprint.ts';
import { isRoomId, reconnectionRoom } from '../../../src/net/rooms.ts';
import { verificationWords } from '../../../src/net/verificationWords.ts';
import { makeDevice } from './netFixture.ts';

describe('base64url', () => {
  it('matches Node for any bytes and decodes back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = toBase64url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromBase64url(text)).toEqual(bytes);
      }),
    );
  });

  it('decodes only the one canonical spelling of each value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const bytes = fromBase64url(text);
        if (bytes) expect(toBase64url(bytes)).toBe(text);
      }),
      { numRuns: 2000 },
    );
    expect(fromBase64url('AB')).toBeUndefined(); // stray bits in the last character
    expect(fromBase64url('AA==')).toBeUndefined();
    expect(fromBase64url('A')).toBeUndefined();
    expect(fromBase64url('a+/b')).toBeUndefined();
    expect(fromBase64url('')).toEqual(new Uint8Array());
  });

  it('checks the length when asked', () => {
    const text = toBase64url(new Uint8Array(16).fill(1));
    expect(fromBase64urlOfLength(text, 16)).toHaveLength(16);
    expect(fromBase64urlOfLength(text, 15)).toBeUndefined();
    expect(fromBase64urlOfLength(`${text}AA`, 16)).toBeUndefined();
  });
});

const HEX = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';
const sdp = (...fingerprintLines: string[]) =>
  [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    ...fingerprintLines,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'a=setup:actpass',
    '',
  ].join('\r\n');

describe('fingerprints', () => {
  it('reads the sha-256 fingerprint of an SDP, normalised', () => {
    expect(parseSdpFingerprint(sdp(`a=fingerprint:sha-256 ${HEX.toLowerCase()}`))).toBe(HEX);
    expect(parseSdpFingerprint(sdp(`a=fingerprint:SHA-256 ${HEX}`).replaceAll('\r\n', '\n'))).toBe(HEX);
  });

  it('ignores other hash functions, and accepts the same value at session and media level', () => {
    const text = sdp(
      'a=fingerprint:sha-1 AB:CD',
      `a=fingerprint:sha-256 ${HEX}`,
      `a=fingerprint:sha-256 ${HEX.toLowerCase()}`,
    );
    expect(parseSdpFingerprint(text)).toBe(HEX);
  });

  it('refuses an SDP with none, a malformed one, or two different ones', () => {
    expect(() => parseSdpFingerprint(sdp())).toThrow(/no sha-256/);
    expect(() => parseSdpFingerprint(sdp('a=fingerprint:sha-1 AB:CD'))).toThrow(FingerprintError);
    expect(() => parseSdpFingerprint(sdp('a=fingerprint:sha-256 AB:CD'))).toThrow(/malformed/);
    expect(() => parseSdpFingerprint(sdp(`a=fingerprint:sha-256 ${HEX}:00`))).toThrow(/malformed/);
    const other = HEX.replace('AB', '00');
    expect(() =>
      parseSdpFingerprint(sdp(`a=fingerprint:sha-256 ${HEX}`, `a=fingerprint:sha-256 ${other}`)),
    ).toThrow(/more than one/);
  });

  it('normalises and recognises the normal form only', () => {
    expect(normalizeFingerprint(` ${HEX.toLowerCase()} `)).toBe(HEX);
    expect(normalizeFingerprint(HEX.replaceAll(':', ''))).toBeUndefined();
    expect(isFingerprint(HEX)).toBe(true);
    expect(isFingerprint(HEX.toLowerCase())).toBe(false);
    expect(isFingerprint(42)).toBe(false);
  });

  it("takes a certificate's sha-256 fingerprint, whatever else it lists", () => {
    const certificate = (list: { algorithm?: string; value?: string }[]) => ({
      expires: 0,
      getFingerprints: () => list,
    });
    expect(
      certificateFingerprint(
        certificate([
          { algorithm: 'sha-1', value: 'AB' },
          { algorithm: 'sha-256', value: HEX.toLowerCase() },
        ]),
      ),
    ).toBe(HEX);
    expect(() => certificateFingerprint(certificate([{ algorithm: 'sha-256' }]))).toThrow(FingerprintError);
  });
});

describe('verification words', () => {
  it('takes 11 bits per word from the start of the digest', () => {
    // 0b00000000_001 → word 1; then 0b11111111111 → word 2047.
    const digest = new Uint8Array([0x00, 0x3f, 0xfc, 0, 0, 0, 0, 0]);
    expect(verificationWords(digest, 2)).toEqual([wordlist[1], wordlist[2047]]);
    expect(verificationWords(new Uint8Array(32))).toEqual(Array(4).fill(wordlist[0]));
  });

  it('refuses more words than the digest holds', () => {
    expect(() => verificationWords(new Uint8Array(5), 4)).toThrow(RangeError);
    expect(() => verificationWords(new Uint8Array(32), 0)).toThrow(RangeError);
  });
});

describe('reconnection rooms', () => {
  it('is the same whichever device computes it, a valid relay room, and differs per pair', async () => {
    const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((n) => makeDevice(n)));
    const ab = await reconnectionRoom(a!.identity.id, b!.identity.id);
    expect(await reconnectionRoom(b!.identity.id, a!.identity.id)).toBe(ab);
    expect(isRoomId(ab)).toBe(true);
    expect(ab).toHaveLength(43);
    expect(await reconnectionRoom(a!.identity.id, c!.identity.id)).not.toBe(ab);
  });

  it('refuses malformed IDs and a device paired with itself', async () => {
    const a = await makeDevice('A');
    await expect(reconnectionRoom(a.identity.id, a.identity.id)).rejects.toThrow(RangeError);
    await expect(reconnectionRoom(a.identity.id, 'not-an-id')).rejects.toThrow(RangeError);
  });

  it("follows the relay's rule for room IDs", () => {
    expect(isRoomId('a'.repeat(16))).toBe(true);
    expect(isRoomId('a'.repeat(15))).toBe(false);
    expect(isRoomId('a'.repeat(129))).toBe(false);
    expect(isRoomId('a'.repeat(20) + '.')).toBe(false);
  });
});
