/**
 * The reconciliation key of a file record: what set reconciliation compares (DESIGN.md,
 * Sync step 2). Two records with the same key count as the same record.
 *
 *     key = first 16 bytes of SHA-256(canonical encoding of the record's identity)
 *
 * The identity is the path, the version vector, the deleted flag and the content hash:
 * what the planner compares. Size, mtime and chunks follow from the content hash and the
 * change that made it; the sequence is the sender's own bookkeeping and is left out, so
 * equal records on two devices have equal keys. Byte layout (integers big-endian):
 *
 *     tag       8 bytes, ASCII "TNDMRK01" (domain and layout version)
 *     path      u32 byte length, then the path's UTF-8
 *     version   u32 entry count, then per entry, device IDs in UTF-16 code-unit order:
 *               u32 byte length, the device ID's UTF-8, the counter as a u64;
 *               entries of 0 are left out (a missing entry and 0 mean the same)
 *     deleted   1 byte: 1 for a tombstone, 0 for a file
 *     hash      u32 byte length (32, or 0 for a tombstone), then the hash bytes
 *
 * Nothing here is random or ambient: the same record gives the same key on every device.
 */
import type { Sha256 } from '../content/hash.ts';
import type { FileRecord } from '../model/fileRecord.ts';

export const KEY_BYTES = 16;
const TAG = [0x54, 0x4e, 0x44, 0x4d, 0x52, 0x4b, 0x30, 0x31]; // "TNDMRK01"

/** The fields of a record that its key covers. */
export type KeyedRecord = Pick<FileRecord, 'path' | 'version' | 'deleted' | 'hash'>;

const utf8 = new TextEncoder();

/** The canonical encoding the key hashes (exported for the golden-vector test). */
export function recordKeyInput(record: KeyedRecord): Uint8Array {
  const path = utf8.encode(record.path);
  const entries = Object.keys(record.version)
    .filter((device) => (record.version[device] ?? 0) > 0)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((device) => [utf8.encode(device), record.version[device]!] as const);
  const size =
    TAG.length +
    4 +
    path.length +
    4 +
    entries.reduce((n, [device]) => n + 4 + device.length + 8, 0) +
    1 +
    4 +
    record.hash.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(TAG, 0);
  let at = TAG.length;
  const bytes = (b: Uint8Array) => {
    view.setUint32(at, b.length);
    out.set(b, at + 4);
    at += 4 + b.length;
  };
  bytes(path);
  view.setUint32(at, entries.length);
  at += 4;
  for (const [device, counter] of entries) {
    bytes(device);
    view.setUint32(at, Math.floor(counter / 2 ** 32));
    view.setUint32(at + 4, counter >>> 0);
    at += 8;
  }
  out[at++] = record.deleted ? 1 : 0;
  bytes(record.hash);
  return out;
}

/** The record's 16-byte reconciliation key. */
export async function recordKey(record: KeyedRecord, sha256: Sha256): Promise<Uint8Array> {
  return (await sha256(recordKeyInput(record))).slice(0, KEY_BYTES);
}

/** Keys of many records, hashed a few hundred at a time (WebCrypto works in parallel). */
export async function recordKeys(records: readonly KeyedRecord[], sha256: Sha256): Promise<Uint8Array[]> {
  const keys: Uint8Array[] = [];
  for (let i = 0; i < records.length; i += 256) {
    keys.push(...(await Promise.all(records.slice(i, i + 256).map((r) => recordKey(r, sha256)))));
  }
  return keys;
}

/** A key as 32 lowercase hex digits: for maps and messages. */
export function keyHex(key: Uint8Array): string {
  let hex = '';
  for (const byte of key) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
