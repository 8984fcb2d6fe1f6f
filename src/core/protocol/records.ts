/**
 * File records on the wire. Short keys, because records are most of an index's bytes;
 * chunk hashes travel as one byte string (32 bytes each) beside a list of sizes.
 *
 *     p path      s size     m mtime (ms)    h file hash (32 bytes; empty if deleted)
 *     c chunk hashes (32 × n bytes)          z chunk sizes (n integers)
 *     v version vector {device: counter}     d deleted   q sequence   b modified by
 *
 * A received record must be consistent: a tombstone has no size, hash or chunks; a file
 * has a 32-byte hash and chunks whose sizes add up to its size, none over the protocol's
 * maximum chunk size.
 */
import { CHUNKING } from '../content/fastcdc.ts';
import { HASH_SIZE } from '../content/hash.ts';
import type { ChunkRef, FileRecord } from '../model/fileRecord.ts';
import { validatePath } from '../model/paths.ts';
import { isValidVersionVector } from '../model/versionVector.ts';
import { ProtocolError } from './errors.ts';
import { array, boolean, bytes, deviceId, integer, object, string } from './fields.ts';
import { LIMITS } from './messages.ts';

export function recordToWire(record: FileRecord): Record<string, unknown> {
  const hashes = new Uint8Array(record.chunks.length * HASH_SIZE);
  record.chunks.forEach((chunk, i) => hashes.set(chunk.hash, i * HASH_SIZE));
  return {
    p: record.path,
    s: record.size,
    m: record.mtime,
    h: record.hash,
    c: hashes,
    z: record.chunks.map((chunk) => chunk.size),
    v: record.version,
    d: record.deleted,
    q: record.sequence,
    b: record.modifiedBy,
  };
}

export function recordFromWire(value: unknown, field: string): FileRecord {
  const wire = object(value, field);
  const at = (key: string) => `${field}.${key}`;
  const path = string(wire.p, at('p'), 4096);
  const checked = validatePath(path);
  if (!checked.ok) throw new ProtocolError('malformed', `bad path: ${checked.reason}`, at('p'));
  const deleted = boolean(wire.d, at('d'));
  const size = integer(wire.s, at('s'));
  const hash = bytes(wire.h, at('h'), 0, HASH_SIZE);
  const hashes = bytes(wire.c, at('c'), 0, LIMITS.chunksPerRecord * HASH_SIZE);
  const sizes = array(wire.z, at('z'), LIMITS.chunksPerRecord).map((s, i) =>
    integer(s, `${at('z')}[${i}]`, 1, CHUNKING.maxSize),
  );
  if (hashes.length !== sizes.length * HASH_SIZE) {
    throw new ProtocolError(
      'malformed',
      `${sizes.length} chunk sizes but ${hashes.length} bytes of hashes`,
      at('c'),
    );
  }
  if (deleted ? size !== 0 || hash.length !== 0 || sizes.length !== 0 : hash.length !== HASH_SIZE) {
    throw new ProtocolError(
      'malformed',
      deleted ? 'a tombstone has content' : 'a file needs a 32-byte hash',
      field,
    );
  }
  if (sizes.reduce((sum, s) => sum + s, 0) !== size) {
    throw new ProtocolError('malformed', 'chunk sizes do not add up to the file size', at('z'));
  }
  if (!isValidVersionVector(wire.v)) throw new ProtocolError('malformed', 'bad version vector', at('v'));
  const chunks: ChunkRef[] = sizes.map((s, i) => ({
    hash: hashes.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE),
    size: s,
  }));
  return {
    path,
    size,
    mtime: integer(wire.m, at('m')),
    hash,
    chunks,
    version: { ...wire.v },
    deleted,
    sequence: integer(wire.q, at('q')),
    modifiedBy: deviceId(wire.b, at('b')),
  };
}

/**
 * About how many bytes `record` takes in a message, never less: 32 bytes of hash and up
 * to 5 of size per chunk, the path (at most 3 bytes a UTF-16 unit), 24 per version entry,
 * and room for the fixed fields. For cutting index batches, not for the cap.
 */
export function recordWireBytes(record: FileRecord): number {
  return 37 * record.chunks.length + 3 * record.path.length + 24 * Object.keys(record.version).length + 160;
}
