import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import {
  computeSignature,
  decodeRefineMessage,
  decodeSignature,
  encodeRefineMessage,
  encodeSignature,
  RefineFormatError,
  SignatureFormatError,
  type RefineMessage,
} from '../../../src/core/content/rsync/index.ts';
import { ByteReader, ByteWriter } from '../../../src/core/content/rsync/bytes.ts';
import { mutate, mutation, pseudoRandom } from './helpers.ts';

describe('varints', () => {
  it('round trip every safe integer, signed ones through zigzag', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: -(2 ** 51), max: 2 ** 51 }), (n, z) => {
        const bytes = new ByteWriter().varint(n).zigzag(z).take();
        const r = new ByteReader(bytes, (m) => new Error(m));
        expect(r.varint('n')).toBe(n);
        expect(r.zigzag('z')).toBe(z);
        r.end('test');
      }),
    );
  });

  it('refuse truncated, overlong and oversized encodings with the format error', () => {
    const fail = (m: string): Error => new SignatureFormatError(m);
    for (const bytes of [[0x80], [0x80, 0x00], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]]) {
      expect(() => new ByteReader(Uint8Array.from(bytes), fail).varint('x')).toThrow(SignatureFormatError);
    }
  });
});

describe('signature format', () => {
  it('round trips', async () => {
    for (const size of [0, 1, 699, 700, 701, 50_000]) {
      const sig = await computeSignature(bytesSource(pseudoRandom(size, size + 1)));
      const decoded = decodeSignature(encodeSignature(sig));
      expect(decoded).toEqual(sig);
    }
  });

  it('rejects corrupt or truncated bytes with SignatureFormatError, never another error', async () => {
    const encoded = encodeSignature(await computeSignature(bytesSource(pseudoRandom(9000, 2))));
    fc.assert(
      fc.property(mutation, (m) => {
        const bytes = mutate(encoded, m);
        try {
          decodeSignature(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(SignatureFormatError);
          return;
        }
        // Only sums and digests are unchecked: a flip there still decodes.
        expect(m.kind).toBe('flip');
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a header that claims more blocks than there are bytes', () => {
    const w = new ByteWriter()
      .u32(0x544e4453)
      .varint(1)
      .varint(2 ** 40)
      .varint(1 << 20)
      .varint(8)
      .varint(1 << 20);
    expect(() => decodeSignature(w.take())).toThrow(/truncated/);
  });
});

describe('refinement messages', () => {
  const messages: RefineMessage[] = [
    { kind: 'want', holeBytes: 12345, indices: [0, 3, 4, 90] },
    {
      kind: 'coarse',
      baseSize: 2000,
      baseDigest: pseudoRandom(16, 1),
      blockSize: 1024,
      strongLength: 3,
      weak: Int32Array.from([1, -2]),
      strong: pseudoRandom(6, 2),
    },
    {
      kind: 'subsigs',
      blockSize: 128,
      strongLength: 2,
      weak: Int32Array.from([5, 6, 7]),
      strong: pseudoRandom(6, 3),
    },
  ];

  it('round trip', () => {
    for (const message of messages)
      expect(decodeRefineMessage(encodeRefineMessage(message), 100)).toEqual(message);
  });

  it('reject corrupt bytes with RefineFormatError only', () => {
    fc.assert(
      fc.property(fc.constantFrom(...messages), mutation, (message, m) => {
        try {
          decodeRefineMessage(mutate(encodeRefineMessage(message), m), 100);
        } catch (error) {
          expect(error).toBeInstanceOf(RefineFormatError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reject a want for a block that does not exist', () => {
    const bytes = encodeRefineMessage({ kind: 'want', holeBytes: 1, indices: [5] });
    expect(() => decodeRefineMessage(bytes, 5)).toThrow(RefineFormatError);
  });
});
