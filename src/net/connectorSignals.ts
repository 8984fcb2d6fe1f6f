/**
 * What two pages say to each other through the relay while they set up a WebRTC
 * connection: simple-peer's signals, tagged with the attempt they belong to so a signal
 * left over from an earlier attempt is never fed to a new peer. The relay is untrusted:
 * everything is decoded here and anything else is dropped (the connection it would have
 * broken then fails to open, and the layer above retries).
 *
 *   { "v": 1, "attempt": <16–64 chars of A–Z a–z 0–9 _ ->, "signal": offer | answer | candidate }
 */
import type { SimplePeerSignal } from '@thaunknown/simple-peer/lite.js';

export interface RelayedSignal {
  readonly attempt: string;
  readonly signal: SimplePeerSignal;
}

const ATTEMPT = /^[A-Za-z0-9_-]{16,64}$/;
/** An SDP or candidate longer than this is not one simple-peer made. */
const MAX_SDP = 32 * 1024;
const MAX_CANDIDATE = 2 * 1024;

export function isAttemptId(text: unknown): text is string {
  return typeof text === 'string' && ATTEMPT.test(text);
}

export function encodeSignal(message: RelayedSignal): string {
  return JSON.stringify({ v: 1, attempt: message.attempt, signal: message.signal });
}

/** The signal in `data`, or `undefined` when it is not one this side would have sent. */
export function decodeSignal(data: string): RelayedSignal | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.v !== 1 || !isAttemptId(value.attempt)) return undefined;
  const signal = value.signal;
  if (!isObject(signal)) return undefined;
  if (signal.type === 'offer' || signal.type === 'answer') {
    if (typeof signal.sdp !== 'string' || signal.sdp.length > MAX_SDP) return undefined;
    return { attempt: value.attempt, signal: { type: signal.type, sdp: signal.sdp } };
  }
  if (signal.type === 'candidate' && isObject(signal.candidate)) {
    const c = signal.candidate;
    if (typeof c.candidate !== 'string' || c.candidate.length > MAX_CANDIDATE) return undefined;
    const candidate: RTCIceCandidateInit = { candidate: c.candidate };
    if (typeof c.sdpMid === 'string' && c.sdpMid.length <= 64) candidate.sdpMid = c.sdpMid;
    if (Number.isInteger(c.sdpMLineIndex) && (c.sdpMLineIndex as number) >= 0)
      candidate.sdpMLineIndex = c.sdpMLineIndex as number;
    if (typeof c.usernameFragment === 'string' && c.usernameFragment.length <= 256)
      candidate.usernameFragment = c.usernameFragment;
    return { attempt: value.attempt, signal: { type: 'candidate', candidate } };
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
