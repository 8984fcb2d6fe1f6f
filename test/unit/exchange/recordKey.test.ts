import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { webCryptoSha256 } from '../../../src/core/content/hash.ts';
import {
  keyHex,
  recordKey,
  recordKeyInput,
  recordKeys,
  type KeyedRecord,
} from '../../../src/core/exchange/recordKey.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const file: KeyedRecord = {
  path: 'Photos/été.jpg',
  version: { DEVB: 3, DEVA: 1_700_000_000 },
  deleted: false,
  hash: Uint8Array.from({ length: 32 }, (_, i) => i),
};
const tombstone: KeyedRecord = {
  path: 'a',
  version: { X: 2 ** 40 + 5 },
  deleted: true,
  hash: new Uint8Array(0),
};

describe('record keys', () => {
  it('encode a tombstone byte for byte as the layout says', () => {
    expect(hex(recordKeyInput(tombstone))).toBe(
      '544e444d524b3031' + // "TNDMRK01"
        '00000001' +
        '61' + // path "a"
        '00000001' + // one version entry
        '00000001' +
        '58' +
        '0000010000000005' + // "X": 2^40 + 5
        '01' + // deleted
        '00000000', // no hash
    );
  });

  it('match the golden vectors (device IDs sorted, UTF-8 paths, u64 counters)', async () => {
    expect(hex(recordKeyInput(file))).toBe(
      '544e444d524b3031' +
        '00000010' +
        '50686f746f732fc3a974c3a92e6a7067' +
        '00000002' +
        '00000004' +
        '44455641' +
        '000000006553f100' +
        '00000004' +
        '44455642' +
        '0000000000000003' +
        '00' +
        '00000020' +
        '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    );
    expect(keyHex(await recordKey(file, webCryptoSha256))).toBe('5eb771edcc92ed2e66b25124e805b98d');
    expect(keyHex(await recordKey(tombstone, webCryptoSha256))).toBe('dc8524c44bbd797ff37f338a59acc674');
  });

  it('are the first 16 bytes of SHA-256 of the encoding, by an independent SHA-256 too', async () => {
    for (const record of [file, tombstone]) {
      const expected = createHash('sha256').update(recordKeyInput(record)).digest().subarray(0, 16);
      expect(hex(await recordKey(record, webCryptoSha256))).toBe(expected.toString('hex'));
    }
  });

  it('ignore what the key does not cover: entry order, zero counters, and fields outside it', async () => {
    const key = async (r: KeyedRecord) => keyHex(await recordKey(r, webCryptoSha256));
    const same = { ...file, version: { DEVA: 1_700_000_000, DEVC: 0, DEVB: 3 } };
    const withExtras = { ...file, size: 9, mtime: 1, sequence: 42, modifiedBy: 'DEVZ', chunks: [] };
    expect(await key(same)).toBe(await key(file));
    expect(await key(withExtras)).toBe(await key(file));
  });

  it('differ when the path, the version, the deleted flag or the content hash differs', async () => {
    const base = await recordKey(file, webCryptoSha256);
    const variants: KeyedRecord[] = [
      { ...file, path: 'Photos/ete.jpg' },
      { ...file, version: { DEVB: 4, DEVA: 1_700_000_000 } },
      { ...file, version: { DEVB: 3 } },
      { ...file, deleted: true },
      { ...file, hash: new Uint8Array(32) },
    ];
    for (const variant of variants) {
      expect(keyHex(await recordKey(variant, webCryptoSha256))).not.toBe(keyHex(base));
    }
  });

  it('give distinct encodings to distinct identities (length prefixes leave no ambiguity)', () => {
    const identity = fc.record({
      path: fc.stringMatching(/^[a-c0é/]{1,6}$/),
      version: fc.dictionary(fc.stringMatching(/^[A-C]{1,3}$/), fc.integer({ min: 1, max: 5 }), {
        maxKeys: 3,
      }),
      deleted: fc.boolean(),
      hash: fc.uint8Array({ maxLength: 3 }),
    });
    const canonical = (r: KeyedRecord) =>
      JSON.stringify([r.path, Object.entries(r.version).sort(), r.deleted, [...r.hash]]);
    fc.assert(
      fc.property(identity, identity, (a, b) => {
        const same = hex(recordKeyInput(a)) === hex(recordKeyInput(b));
        expect(same).toBe(canonical(a) === canonical(b));
      }),
      { numRuns: 500 },
    );
  });

  it('hash many records in order', async () => {
    const records = Array.from({ length: 600 }, (_, i) => ({ ...file, path: `f${i}` }));
    const keys = await recordKeys(records, webCryptoSha256);
    expect(keys).toHaveLength(600);
    expect(keyHex(keys[599]!)).toBe(keyHex(await recordKey(records[599]!, webCryptoSha256)));
  });
});
