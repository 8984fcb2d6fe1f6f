/**
 * The WebSocket close codes of the signaling relay, and what each means to a person.
 *
 * Shared by the server (src/server) and the browser client (src/net/signalingClient.ts), so
 * this file imports nothing: it is bundled into the page. 4000–4099 come from the server;
 * 4100 is the client's own (it closes because the server misbehaved).
 */

export const CloseCode = {
  /** Closed on purpose by one side. */
  NORMAL: 1000,
  /** The server is shutting down, or the page is going away. */
  GOING_AWAY: 1001,
  /** The connection broke without a close frame (the platform reports this; never sent). */
  ABNORMAL: 1006,
  /** Bad room name, malformed JSON, unknown message type or bad fields. */
  BAD_REQUEST: 4000,
  /** The room already has its maximum number of members. */
  ROOM_FULL: 4001,
  /** A frame larger than the relay's limit. */
  TOO_LARGE: 4002,
  /** Too many messages or bytes per second. */
  RATE_LIMITED: 4003,
  /** No frame from the client for too long (ping/pong keeps live clients in). */
  IDLE: 4004,
  /** The server has reached its limit of connections or rooms. */
  SERVER_BUSY: 4005,
  /** The client read so slowly that frames for it piled up on the server. */
  SLOW_CONSUMER: 4006,
  /** Client side only: the server sent a frame that breaks the protocol. */
  BAD_SERVER_FRAME: 4100,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

const TEXTS: Readonly<Record<number, string>> = {
  [CloseCode.NORMAL]: 'Disconnected from the signaling server.',
  [CloseCode.GOING_AWAY]: 'The signaling server is shutting down.',
  [CloseCode.ABNORMAL]: 'Lost the connection to the signaling server (unreachable, or the network dropped).',
  [CloseCode.BAD_REQUEST]: 'The signaling server refused a request this app sent (bad room or message).',
  [CloseCode.ROOM_FULL]: 'This room is full: it already has the most devices a room can hold.',
  [CloseCode.TOO_LARGE]: 'A message was too large for the signaling server.',
  [CloseCode.RATE_LIMITED]:
    'Too many messages in a short time: the signaling server disconnected this device.',
  [CloseCode.IDLE]: 'Disconnected after a long silence from this device.',
  [CloseCode.SERVER_BUSY]: 'The signaling server is busy (too many connections or rooms). Try again later.',
  [CloseCode.SLOW_CONSUMER]: 'This device read messages too slowly and was disconnected.',
  [CloseCode.BAD_SERVER_FRAME]: 'The signaling server sent something this app does not understand.',
};

/** One sentence for a person, for any close code (and the reason, when it adds something). */
export function describeClose(code: number, reason = ''): string {
  const text = TEXTS[code];
  if (text !== undefined) return text;
  return reason === ''
    ? `The connection to the signaling server closed (code ${code}).`
    : `The connection to the signaling server closed (code ${code}: ${reason}).`;
}

/**
 * A close reason that fits the 123 bytes the WebSocket protocol allows, cut on a character
 * boundary: a longer one makes `close()` throw.
 */
export function closeReason(text: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= 123) return text;
  let cut = '';
  for (const char of text) {
    if (encoder.encode(cut + char + '…').length > 123) break;
    cut += char;
  }
  return cut + '…';
}
