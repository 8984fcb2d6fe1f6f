/**
 * Encoding and decoding of protocol messages (messages.ts) with MessagePack (msgpackr).
 * `decodeMessage` is the one door through which a peer's bytes enter the engine: it
 * refuses oversized input before parsing, then builds a fresh, fully checked message.
 */
import { Packr } from 'msgpackr';
import { HASH_SIZE } from '../content/hash.ts';
import { errorCodeFrom, ProtocolError } from './errors.ts';
import { array, boolean, bytes, deviceId, hexId, integer, object, string, type Fields } from './fields.ts';
import { LIMITS, type FolderOffer, type Message } from './messages.ts';
import { recordFromWire, recordToWire } from './records.ts';
import { validatePath } from '../model/paths.ts';
import { MAX_INDEX } from '../reconcile/mapping.ts';

// Plain maps and byte strings only: no msgpackr records, no extension types, no Dates.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export function encodeMessage(message: Message): Uint8Array {
  const wire =
    message.kind === 'index' ? { ...message, records: message.records.map(recordToWire) } : message;
  const bytes = packr.pack(wire);
  if (bytes.length > LIMITS.messageBytes) {
    throw new ProtocolError(
      'too-large',
      `a ${message.kind} message of ${bytes.length} bytes is over the cap`,
    );
  }
  return bytes;
}

export function decodeMessage(input: Uint8Array): Message {
  if (input.length > LIMITS.messageBytes) {
    throw new ProtocolError('too-large', `${input.length} bytes is over the ${LIMITS.messageBytes}-byte cap`);
  }
  let parsed: unknown;
  try {
    parsed = packr.unpack(input);
  } catch (error) {
    throw new ProtocolError('malformed', `not a MessagePack message (${(error as Error).message})`);
  }
  const m = object(parsed, 'message');
  const kind = string(m.kind, 'kind', 16);
  const decode = DECODERS[kind];
  if (decode === undefined) throw new ProtocolError('malformed', `unknown message kind "${kind}"`, 'kind');
  return decode(m);
}

const folderId = (value: unknown, field = 'folder') => hexId(value, field, 32);

function path(value: unknown, field = 'path'): string {
  const text = string(value, field, 4096);
  const checked = validatePath(text);
  if (!checked.ok) throw new ProtocolError('malformed', `bad path: ${checked.reason}`, field);
  return text;
}

function folderOffer(value: unknown, i: number): FolderOffer {
  const at = (key: string) => `folders[${i}].${key}`;
  const f = object(value, `folders[${i}]`);
  return {
    id: folderId(f.id, at('id')),
    label: string(f.label, at('label'), LIMITS.labelLength),
    indexId: hexId(f.indexId, at('indexId'), 16),
    maxSequence: integer(f.maxSequence, at('maxSequence')),
    receivedSequence: integer(f.receivedSequence, at('receivedSequence')),
    receivedIndexId: f.receivedIndexId === '' ? '' : hexId(f.receivedIndexId, at('receivedIndexId'), 16),
  };
}

const DECODERS: Readonly<Record<string, (m: Fields) => Message>> = {
  hello: (m) => ({
    kind: 'hello',
    protocol: integer(m.protocol, 'protocol', 1, 0xffff),
    device: deviceId(m.device, 'device'),
    name: string(m.name, 'name', LIMITS.nameLength),
    folders: array(m.folders, 'folders', LIMITS.folders).map(folderOffer),
  }),
  index: (m) => ({
    kind: 'index',
    folder: folderId(m.folder),
    indexId: hexId(m.indexId, 'indexId', 16),
    records: array(m.records, 'records', LIMITS.recordsPerIndex).map((r, i) =>
      recordFromWire(r, `records[${i}]`),
    ),
    last: boolean(m.last, 'last'),
  }),
  reconcile: (m) => ({
    kind: 'reconcile',
    folder: folderId(m.folder),
    symbols: bytes(m.symbols, 'symbols', 1, LIMITS.opaqueBytes),
  }),
  more: (m) => ({
    kind: 'more',
    folder: folderId(m.folder),
    upTo: integer(m.upTo, 'upTo', 1, MAX_INDEX + 1),
  }),
  want: (m) => {
    const folder = folderId(m.folder);
    const keys = bytes(m.keys, 'keys', 0, LIMITS.keysPerWant * 16);
    if (keys.length % 16 !== 0)
      throw new ProtocolError('malformed', 'not a whole number of 16-byte keys', 'keys');
    const last = boolean(m.last, 'last');
    const all = boolean(m.all, 'all');
    if (all && (!last || keys.length > 0))
      throw new ProtocolError('malformed', 'a want of everything is the last and lists no keys', 'all');
    return { kind: 'want', folder, keys, last, all };
  },
  request: (m) => ({
    kind: 'request',
    id: integer(m.id, 'id', 1),
    folder: folderId(m.folder),
    path: path(m.path),
    hash: bytes(m.hash, 'hash', HASH_SIZE, HASH_SIZE),
    offset: integer(m.offset, 'offset'),
    size: integer(m.size, 'size', 1, LIMITS.chunkBytes),
  }),
  chunk: (m) => ({
    kind: 'chunk',
    id: integer(m.id, 'id', 1),
    data: bytes(m.data, 'data', 1, LIMITS.chunkBytes),
  }),
  refine: (m) => ({
    kind: 'refine',
    id: integer(m.id, 'id', 1),
    reply: boolean(m.reply, 'reply'),
    folder: folderId(m.folder),
    path: path(m.path),
    ...(m.hash === undefined ? {} : { hash: bytes(m.hash, 'hash', HASH_SIZE, HASH_SIZE) }),
    ...(m.maxDelta === undefined ? {} : { maxDelta: integer(m.maxDelta, 'maxDelta', 1) }),
    payload: bytes(m.payload, 'payload', 1, LIMITS.opaqueBytes),
  }),
  progress: (m) => {
    const bytesTotal = integer(m.bytesTotal, 'bytesTotal');
    return {
      kind: 'progress',
      folder: folderId(m.folder),
      path: path(m.path),
      bytesDone: integer(m.bytesDone, 'bytesDone', 0, bytesTotal),
      bytesTotal,
    };
  },
  error: (m) => ({
    kind: 'error',
    id: integer(m.id, 'id'),
    code: errorCodeFrom(m.code),
    message: string(m.message, 'message', LIMITS.reasonLength),
  }),
  close: (m) => ({ kind: 'close', reason: string(m.reason, 'reason', LIMITS.reasonLength) }),
};
