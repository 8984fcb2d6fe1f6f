import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import type { LocalRecord } from '../../../src/ports/Store.ts';
import {
  decodeMessage,
  encodeMessage,
  LIMITS,
  ProtocolError,
  type Message,
} from '../../../src/core/protocol/index.ts';

const FOLDER = '0123456789abcdef0123456789abcdef';
const INDEX_ID = '00112233aabbccdd';
const raw = new Packr({ useRecords: false, mapsAsObjects: true });

const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const segment = fc.stringMatching(/^[a-zA-Z0-9_\- ]{0,10}[a-zA-Z0-9_-]$/);
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
const version = fc.dictionary(fc.stringMatching(/^[A-Z2-7]{1,8}$/), fc.nat({ max: 2 ** 40 }), { maxKeys: 5 });

const fileRecord: fc.Arbitrary<FileRecord> = fc
  .record({
    path,
    mtime: fc.nat({ max: 2 ** 45 }),
    hash: hash32,
    sizes: fc.array(fc.integer({ min: 1, max: 256 * 1024 }), { maxLength: 6 }),
    version,
    sequence: fc.nat({ max: 2 ** 40 }),
    modifiedBy: fc.stringMatching(/^[A-Z2-7]{1,8}$/),
    deleted: fc.boolean(),
  })
  .chain((r) =>
    fc.array(hash32, { minLength: r.sizes.length, maxLength: r.sizes.length }).map((hashes): FileRecord =>
      r.deleted
        ? { ...r, size: 0, hash: new Uint8Array(0), chunks: [], deleted: true }
        : {
            ...r,
            size: r.sizes.reduce((a, b) => a + b, 0),
            chunks: r.sizes.map((size, i) => ({ size, hash: hashes[i]! })),
            deleted: false,
          },
    ),
  )
  .map(({ path, size, mtime, hash, chunks, version, deleted, sequence, modifiedBy }) => ({
    path,
    size,
    mtime,
    hash,
    chunks,
    version,
    deleted,
    sequence,
    modifiedBy,
  }));

const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    kind: fc.constant('hello' as const),
    protocol: fc.constant(1),
    device: fc.stringMatching(/^[A-Z2-7]{7}$/),
    name: fc.string({ maxLength: 64 }),
    folders: fc.array(
      fc.record({
        id: fc.constant(FOLDER),
        label: fc.string({ maxLength: 50 }),
        indexId: fc.constant(INDEX_ID),
        maxSequence: fc.nat(),
        receivedSequence: fc.nat(),
        receivedIndexId: fc.constantFrom('', INDEX_ID),
      }),
      { maxLength: 3 },
    ),
  }),
  fc.record({
    kind: fc.constant('index' as const),
    folder: fc.constant(FOLDER),
    indexId: fc.constant(INDEX_ID),
    records: fc.array(fileRecord, { maxLength: 5 }),
    last: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('reconcile' as const),
    folder: fc.constant(FOLDER),
    symbols: fc.uint8Array({ minLength: 1 }),
  }),
  fc.record({
    kind: fc.constant('more' as const),
    folder: fc.constant(FOLDER),
    upTo: fc.integer({ min: 1, max: 2 ** 32 }),
  }),
  fc.record({
    kind: fc.constant('want' as const),
    folder: fc.constant(FOLDER),
    keys: fc
      .integer({ min: 0, max: 5 })
      .chain((n) => fc.uint8Array({ minLength: 16 * n, maxLength: 16 * n })),
    last: fc.boolean(),
    all: fc.constant(false),
  }),
  fc.constant({ kind: 'want', folder: FOLDER, keys: new Uint8Array(0), last: true, all: true } as const),
  fc.record({
    kind: fc.constant('request' as const),
    id: fc.integer({ min: 1, max: 2 ** 31 }),
    folder: fc.constant(FOLDER),
    path,
    hash: hash32,
    offset: fc.nat(),
    size: fc.integer({ min: 1, max: LIMITS.chunkBytes }),
  }),
  fc.record({
    kind: fc.constant('chunk' as const),
    id: fc.integer({ min: 1 }),
    data: fc.uint8Array({ minLength: 1 }),
  }),
  fc.record(
    {
      kind: fc.constant('refine' as const),
      id: fc.integer({ min: 1 }),
      reply: fc.boolean(),
      folder: fc.constant(FOLDER),
      path,
      hash: hash32,
      maxDelta: fc.integer({ min: 1 }),
      payload: fc.uint8Array({ minLength: 1 }),
    },
    { requiredKeys: ['kind', 'id', 'reply', 'folder', 'path', 'payload'] },
  ),
  fc.tuple(fc.nat(), fc.nat(), path).map(([a, b, p]): Message => ({
    kind: 'progress',
    folder: FOLDER,
    path: p,
    bytesDone: Math.min(a, b),
    bytesTotal: Math.max(a, b),
  })),
  fc.record({
    kind: fc.constant('error' as const),
    id: fc.nat(),
    code: fc.constantFrom(
      'generic',
      'malformed',
      'too-large',
      'version',
      'unknown-folder',
      'not-found',
      'busy' as const,
    ),
    message: fc.string({ maxLength: 100 }),
  }),
  fc.record({ kind: fc.constant('close' as const), reason: fc.string({ maxLength: 100 }) }),
);

/** Normalizes Node's Buffers to plain Uint8Arrays for comparison. */
const plain = (value: unknown): unknown =>
  value instanceof Uint8Array
    ? Array.from(value)
    : Array.isArray(value)
      ? value.map(plain)
      : typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
        : value;

/** Encodes a raw map (bypassing the typed encoder) and decodes it as a peer's message. */
const receive = (wire: Record<string, unknown>) => decodeMessage(raw.pack(wire));
const refusal = (wire: Record<string, unknown>) => refusalOf(raw.pack(wire));

const validRecord = {
  p: 'docs/a.txt',
  s: 5,
  m: 1,
  h: new Uint8Array(32),
  c: new Uint8Array(32),
  z: [5],
  v: { ABC: 3 },
  d: false,
  q: 1,
  b: 'ABC',
};
const indexWith = (record: Record<string, unknown>) => ({
  kind: 'index',
  folder: FOLDER,
  indexId: INDEX_ID,
  records: [record],
  last: true,
});

describe('protocol codec', () => {
  it('decodes every message it encodes to the same message', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(plain(decodeMessage(encodeMessage(m)))).toEqual(plain(m));
      }),
      { numRuns: 300 },
    );
  });

  it('never fails on arbitrary bytes with anything but a ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a truncated or extended message', () => {
    fc.assert(
      fc.property(message, fc.nat(), (m, cut) => {
        const bytes = encodeMessage(m);
        expect(() => decodeMessage(bytes.subarray(0, cut % bytes.length))).toThrow(ProtocolError);
        expect(() => decodeMessage(new Uint8Array([...bytes, 0]))).toThrow(ProtocolError);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses input over the size cap before parsing it', () => {
    expect(refusalOf(new Uint8Array(LIMITS.messageBytes + 1)).code).toBe('too-large');
  });

  it('refuses unknown kinds, missing fields and wrong types, naming the field', () => {
    expect(refusal({ kind: 'launch' }).field).toBe('kind');
    expect(refusal({ kind: 'close' }).field).toBe('reason');
    const offer = { id: FOLDER, label: 'x', indexId: INDEX_ID, maxSequence: 0, receivedSequence: 0 };
    const hello = { kind: 'hello', protocol: 1, device: 'ABC', name: 'n' };
    expect(refusal({ ...hello, folders: [{ ...offer, receivedIndexId: 'nope' }] }).field).toBe(
      'folders[0].receivedIndexId',
    );
    expect(refusal({ kind: 'chunk', id: '7', data: new Uint8Array(1) }).field).toBe('id');
    expect(refusal({ kind: 'chunk', id: 7, data: new Uint8Array(LIMITS.chunkBytes + 1) }).field).toBe('data');
    expect(refusal({ kind: 'reconcile', folder: 'not-hex', symbols: new Uint8Array(1) }).field).toBe(
      'folder',
    );
    const want = { kind: 'want', folder: FOLDER, keys: new Uint8Array(16), last: true, all: false };
    expect(refusal({ ...want, keys: new Uint8Array(17) }).field).toBe('keys');
    expect(refusal({ ...want, keys: new Uint8Array(16 * (LIMITS.keysPerWant + 1)) }).field).toBe('keys');
    expect(refusal({ ...want, last: undefined }).field).toBe('last');
    expect(refusal({ ...want, all: 1 }).field).toBe('all');
    expect(refusal({ ...want, all: true }).field).toBe('all');
    expect(refusal({ ...want, keys: new Uint8Array(0), last: false, all: true }).field).toBe('all');
    expect(receive({ ...want, keys: new Uint8Array(0), all: true })).toMatchObject({ all: true, last: true });
    expect(refusal({ kind: 'more', folder: FOLDER, upTo: 0 }).field).toBe('upTo');
    expect(refusal({ kind: 'more', folder: FOLDER, upTo: 2 ** 32 + 1 }).field).toBe('upTo');
    expect(refusal({ kind: 'progress', folder: FOLDER, path: 'a', bytesDone: 9, bytesTotal: 8 }).field).toBe(
      'bytesDone',
    );
    const refine = {
      kind: 'refine',
      id: 1,
      reply: false,
      folder: FOLDER,
      path: 'a',
      payload: new Uint8Array(1),
    };
    expect(() => receive(refine)).not.toThrow();
    expect(refusal({ ...refine, reply: undefined }).field).toBe('reply');
    expect(refusal({ ...refine, hash: new Uint8Array(31) }).field).toBe('hash');
    expect(refusal({ ...refine, maxDelta: 0 }).field).toBe('maxDelta');
  });

  it('refuses paths that escape the folder or that a system forbids', () => {
    for (const bad of ['../etc/passwd', '/abs', 'a/../b', 'a\u0000b', 'a\\b', 'CON', '']) {
      const request = {
        kind: 'request',
        id: 1,
        folder: FOLDER,
        path: bad,
        hash: new Uint8Array(32),
        offset: 0,
        size: 1,
      };
      expect(refusal(request).field, bad).toBe('path');
      expect(refusal(indexWith({ ...validRecord, p: bad })).field, bad).toBe('records[0].p');
    }
  });

  it('refuses inconsistent records', () => {
    expect(() => receive(indexWith(validRecord))).not.toThrow();
    expect(refusal(indexWith({ ...validRecord, s: 6 })).field).toBe('records[0].z');
    expect(refusal(indexWith({ ...validRecord, c: new Uint8Array(31) })).field).toBe('records[0].c');
    expect(refusal(indexWith({ ...validRecord, h: new Uint8Array(16) })).field).toBe('records[0]');
    expect(refusal(indexWith({ ...validRecord, d: true })).field).toBe('records[0]');
    expect(refusal(indexWith({ ...validRecord, z: [256 * 1024 + 1], s: 256 * 1024 + 1 })).field).toBe(
      'records[0].z[0]',
    );
    expect(refusal(indexWith({ ...validRecord, v: { ABC: -1 } })).field).toBe('records[0].v');
    expect(refusal(indexWith({ ...validRecord, v: { ABC: 2n ** 60n } })).field).toBe('records[0].v');
    expect(refusal(indexWith({ ...validRecord, q: 2 ** 53 })).field).toBe('records[0].q');
    expect(refusal(indexWith({ ...validRecord, b: 'abc/../x' })).field).toBe('records[0].b');
  });

  it('never sends a local record’s observed stat: only FileRecord fields go on the wire', () => {
    const local: LocalRecord = {
      path: 'docs/a.txt',
      size: 5,
      mtime: 1,
      hash: new Uint8Array(32),
      chunks: [{ hash: new Uint8Array(32), size: 5 }],
      version: { ABC: 3 },
      deleted: false,
      sequence: 1,
      modifiedBy: 'ABC',
      observed: { size: 5, mtime: 123_456_789 },
    };
    const bytes = encodeMessage({
      kind: 'index',
      folder: FOLDER,
      indexId: INDEX_ID,
      records: [local],
      last: true,
    });
    const wire = raw.unpack(bytes) as { records: Record<string, unknown>[] };
    expect(Object.keys(wire.records[0]!).sort()).toEqual(Object.keys(validRecord).sort());
    const decoded = decodeMessage(bytes);
    expect(decoded.kind === 'index' && decoded.records[0]).not.toHaveProperty('observed');
  });

  it('reads an error code it does not know as generic', () => {
    expect(receive({ kind: 'error', id: 0, code: 'from-the-future', message: 'x' })).toEqual({
      kind: 'error',
      id: 0,
      code: 'generic',
      message: 'x',
    });
  });

  it('keeps no reference to the buffer it decoded', () => {
    const bytes = encodeMessage({ kind: 'chunk', id: 1, data: new Uint8Array([1, 2, 3]) });
    const decoded = decodeMessage(bytes);
    bytes.fill(0);
    expect(decoded.kind === 'chunk' && Array.from(decoded.data)).toEqual([1, 2, 3]);
    // A plain Uint8Array, not the codec's Buffer: the same type in Node and the browser.
    expect(decoded.kind === 'chunk' && Object.getPrototypeOf(decoded.data)).toBe(Uint8Array.prototype);
  });
});

function refusalOf(bytes: Uint8Array): ProtocolError {
  try {
    decodeMessage(bytes);
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('accepted');
}
