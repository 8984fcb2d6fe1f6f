/**
 * The signaling wire protocol: what the relay and its clients say to each other.
 *
 * Connect: `ws(s)://host/signal?room=<room>`, room = 16–128 of `[A-Za-z0-9_-]` (else close
 * 4000). A room holds at most 8 members (the 9th is closed 4001) and exists while it has
 * members; nothing is stored. Every frame is one JSON text frame of at most 64 KiB.
 *
 *   server → joiner, first:  {"type":"joined","you":"<id>","peers":["<id>",…]}
 *   server → the others:     {"type":"peer-joined","id":"<id>"} · {"type":"peer-left","id":"<id>"}
 *   client → server:         {"type":"send","to":"<id>","data":"<string>"}   (no `to`: everyone else)
 *   server → recipient(s):   {"type":"message","from":"<id>","data":"<string>"}
 *   server → sender:         {"type":"error","message":"<text>"}            (e.g. `to` not in the room)
 *
 * Ids are opaque connection ids the server assigns (base64url, 16–64 chars). `data` is opaque
 * to the relay: pairing and authentication happen end to end above it, so the relay is
 * trusted with nothing. Close codes: ./closeCodes.ts.
 *
 * Imports nothing from Node: the browser client decodes with these same functions.
 */

export const SIGNAL_PATH = '/signal';
export const ROOM_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
export const MAX_ROOM_MEMBERS = 8;
/** The largest frame either side accepts, in bytes of the WebSocket payload. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** The longest `error` message the server sends (a client refuses longer ones). */
export const MAX_ERROR_MESSAGE_CHARS = 1024;
/**
 * The largest frame the server sends, in UTF-16 code units: a relayed `data` is never longer
 * re-encoded than the client sent it, plus the envelope with the sender's id.
 */
export const MAX_SERVER_FRAME_CHARS = MAX_FRAME_BYTES + 256;

export type ClientMessage = { readonly type: 'send'; readonly to?: string; readonly data: string };

export type ServerMessage =
  | { readonly type: 'joined'; readonly you: string; readonly peers: readonly string[] }
  | { readonly type: 'peer-joined'; readonly id: string }
  | { readonly type: 'peer-left'; readonly id: string }
  | { readonly type: 'message'; readonly from: string; readonly data: string }
  | { readonly type: 'error'; readonly message: string };

/** A decode result: the message, or why the frame is refused. */
export type Decoded<T> =
  { readonly ok: true; readonly message: T } | { readonly ok: false; readonly error: string };

export const isRoom = (value: unknown): value is string =>
  typeof value === 'string' && ROOM_PATTERN.test(value);
export const isPeerId = (value: unknown): value is string =>
  typeof value === 'string' && PEER_ID_PATTERN.test(value);

const unknownType = (type: unknown): string =>
  `unknown message type ${typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : typeof type}`;

const refuse = (error: string): { ok: false; error: string } => ({ ok: false, error });

function parseObject(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'malformed JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'a frame must be a JSON object';
  return value as Record<string, unknown>;
}

/** Exactly these keys (the optional ones may be absent), so nothing unexpected rides along. */
function hasOnlyKeys(
  object: Record<string, unknown>,
  required: readonly string[],
  optional: readonly string[] = [],
) {
  const keys = Object.keys(object);
  return (
    required.every((key) => Object.hasOwn(object, key)) &&
    keys.every((key) => required.includes(key) || optional.includes(key))
  );
}

/** Decodes a client's frame on the server; the caller has checked its size. */
export function decodeClientMessage(text: string): Decoded<ClientMessage> {
  const object = parseObject(text);
  if (typeof object === 'string') return refuse(object);
  if (object.type !== 'send') return refuse(unknownType(object.type));
  if (!hasOnlyKeys(object, ['type', 'data'], ['to'])) return refuse('send takes only "to" and "data"');
  if (typeof object.data !== 'string') return refuse('"data" must be a string');
  if (object.to === undefined) return { ok: true, message: { type: 'send', data: object.data } };
  if (!isPeerId(object.to)) return refuse('"to" must be a peer id');
  return { ok: true, message: { type: 'send', to: object.to, data: object.data } };
}

/** Decodes a server's frame in the client, checking its size, shape and every field. */
export function decodeServerMessage(text: string): Decoded<ServerMessage> {
  if (text.length > MAX_SERVER_FRAME_CHARS)
    return refuse(`a frame of ${text.length} characters is too large`);
  const object = parseObject(text);
  if (typeof object === 'string') return refuse(object);
  switch (object.type) {
    case 'joined': {
      const { you, peers } = object;
      if (!hasOnlyKeys(object, ['type', 'you', 'peers'])) return refuse('joined: unexpected fields');
      if (!isPeerId(you)) return refuse('joined: "you" is not a peer id');
      if (!Array.isArray(peers) || peers.length >= MAX_ROOM_MEMBERS || !peers.every(isPeerId)) {
        return refuse('joined: "peers" must list at most 7 peer ids');
      }
      if (new Set([you, ...peers]).size !== peers.length + 1) return refuse('joined: repeated peer id');
      return { ok: true, message: { type: 'joined', you, peers: [...peers] } };
    }
    case 'peer-joined':
    case 'peer-left': {
      const { type, id } = object;
      if (!hasOnlyKeys(object, ['type', 'id']) || !isPeerId(id))
        return refuse(`${type}: "id" must be a peer id`);
      return { ok: true, message: { type, id } };
    }
    case 'message': {
      const { from, data } = object;
      if (!hasOnlyKeys(object, ['type', 'from', 'data'])) return refuse('message: unexpected fields');
      if (!isPeerId(from)) return refuse('message: "from" is not a peer id');
      if (typeof data !== 'string') return refuse('message: "data" must be a string');
      return { ok: true, message: { type: 'message', from, data } };
    }
    case 'error': {
      const { message } = object;
      if (!hasOnlyKeys(object, ['type', 'message'])) return refuse('error: unexpected fields');
      if (typeof message !== 'string' || message.length > MAX_ERROR_MESSAGE_CHARS) {
        return refuse('error: "message" must be a short string');
      }
      return { ok: true, message: { type: 'error', message } };
    }
    default:
      return refuse(unknownType(object.type));
  }
}

export const encodeServerMessage = (message: ServerMessage): string => JSON.stringify(message);
export const encodeClientMessage = (message: ClientMessage): string => JSON.stringify(message);
