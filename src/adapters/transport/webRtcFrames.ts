/**
 * Frames of the WebRTC transport: how one Transport message travels as data-channel
 * messages no larger than the frame limit (DESIGN.md, "Data channel": at most
 * min(remote max-message-size, 64 KiB)), and how the receiver puts it back together.
 *
 * Byte layout — every data-channel message is one frame:
 *
 *     [kind: u8] [payload …]
 *
 *     kind 0  PART   a piece of a message, more follow; payload not empty
 *     kind 1  LAST   the last (or only) piece of a message; payload empty only for an
 *                    empty message sent whole
 *     kind 2  CLOSE  a clean goodbye; payload = the reason, UTF-8, at most
 *                    CLOSE_REASON_BYTES. A message cut short by it is dropped: the
 *                    sender rejected that send when it closed.
 *
 * The data channel is ordered and reliable and keeps message boundaries, so frames need
 * no length or sequence number. Anything else — an unknown kind, an empty frame, a frame
 * over MAX_FRAME_BYTES, a message over the receiver's limit, bytes after CLOSE — is a
 * `FrameError`, and the transport closes.
 */

export const FRAME_KIND = { part: 0, last: 1, close: 2 } as const;
/** The header: one byte of kind. */
export const FRAME_HEADER_BYTES = 1;
/** DESIGN.md's cap on a data-channel message, whatever the remote would accept. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Below this a remote max-message-size is refused: framing would cost more than it carries. */
export const MIN_FRAME_BYTES = 1024;
/** A close reason is cut to this many UTF-8 bytes before it is sent. */
export const CLOSE_REASON_BYTES = 512;

/** A frame sequence the peer should never have sent. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/**
 * The frame size to send with, from the remote's SCTP max-message-size (RFC 8841: absent
 * means 64 KiB, 0 means no limit). Throws when the remote accepts too little to frame.
 */
export function frameBytesFor(remoteMaxMessageSize: number | undefined): number {
  const remote = remoteMaxMessageSize ?? MAX_FRAME_BYTES;
  if (!Number.isFinite(remote) || remote === 0) return MAX_FRAME_BYTES;
  if (remote < MIN_FRAME_BYTES) {
    throw new FrameError(
      `the peer accepts data-channel messages of at most ${remote} bytes; at least ${MIN_FRAME_BYTES} are needed`,
    );
  }
  return Math.min(Math.floor(remote), MAX_FRAME_BYTES);
}

/** How many frames `message` takes at `frameBytes` per frame. */
export function frameCount(messageBytes: number, frameBytes: number): number {
  const payload = frameBytes - FRAME_HEADER_BYTES;
  return Math.max(1, Math.ceil(messageBytes / payload));
}

/** Frame `index` (0-based, below `frameCount`) of `message`, as a new buffer. */
export function encodeFrame(message: Uint8Array, index: number, frameBytes: number): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(frameBytes);
  return frame.subarray(0, encodeFrameInto(frame, message, index, frameBytes)).slice();
}

/**
 * Writes frame `index` of `message` into `target` (at least `frameBytes` long) and
 * returns its length: a sender whose channel copies on send reuses one buffer.
 */
export function encodeFrameInto(
  target: Uint8Array,
  message: Uint8Array,
  index: number,
  frameBytes: number,
): number {
  const payload = frameBytes - FRAME_HEADER_BYTES;
  const start = index * payload;
  const end = Math.min(start + payload, message.length);
  target[0] = end === message.length ? FRAME_KIND.last : FRAME_KIND.part;
  target.set(message.subarray(start, end), FRAME_HEADER_BYTES);
  return FRAME_HEADER_BYTES + (end - start);
}

/** Every frame of `message`, in order (tests and small messages; the adapter goes lazily). */
export function splitFrames(message: Uint8Array, frameBytes: number): Uint8Array<ArrayBuffer>[] {
  return Array.from({ length: frameCount(message.length, frameBytes) }, (_, i) =>
    encodeFrame(message, i, frameBytes),
  );
}

/** The CLOSE frame, its reason cut to CLOSE_REASON_BYTES without splitting a character. */
export function encodeClose(reason: string): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const frame = new Uint8Array(FRAME_HEADER_BYTES + CLOSE_REASON_BYTES);
  frame[0] = FRAME_KIND.close;
  const { written } = encoder.encodeInto(reason, frame.subarray(FRAME_HEADER_BYTES));
  return frame.slice(0, FRAME_HEADER_BYTES + written);
}

/** What one received frame completed. */
export type FrameEvent =
  | { readonly kind: 'none' }
  | { readonly kind: 'message'; readonly message: Uint8Array }
  | { readonly kind: 'close'; readonly reason: string };

const NONE: FrameEvent = { kind: 'none' };

/** Puts messages back together from frames, in order; throws `FrameError` on a bad sequence. */
export class FrameReader {
  readonly #maxMessageBytes: number;
  readonly #parts: Uint8Array[] = [];
  #partBytes = 0;
  #closed = false;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** Takes the next frame. The returned message may be a view into `frame`. */
  read(frame: Uint8Array): FrameEvent {
    if (this.#closed) throw new FrameError('the peer sent data after closing');
    if (frame.length === 0) throw new FrameError('the peer sent an empty frame');
    if (frame.length > MAX_FRAME_BYTES) {
      throw new FrameError(`the peer sent a frame of ${frame.length} bytes; the limit is ${MAX_FRAME_BYTES}`);
    }
    const kind = frame[0];
    const payload = frame.subarray(FRAME_HEADER_BYTES);
    switch (kind) {
      case FRAME_KIND.part:
        if (payload.length === 0) throw new FrameError('the peer sent an empty message part');
        this.#add(payload);
        return NONE;
      case FRAME_KIND.last:
        if (this.#parts.length === 0) {
          this.#check(payload.length);
          return { kind: 'message', message: payload };
        }
        if (payload.length === 0) throw new FrameError('the peer ended a message with an empty part');
        this.#add(payload);
        return { kind: 'message', message: this.#join() };
      case FRAME_KIND.close:
        return this.#close(payload);
      default:
        throw new FrameError(`the peer sent a frame of unknown kind ${kind}`);
    }
  }

  #add(payload: Uint8Array): void {
    this.#check(this.#partBytes + payload.length);
    this.#parts.push(payload);
    this.#partBytes += payload.length;
  }

  #check(messageBytes: number): void {
    if (messageBytes > this.#maxMessageBytes) {
      throw new FrameError(
        `the peer sent a message of more than ${this.#maxMessageBytes} bytes, the connection's limit`,
      );
    }
  }

  #join(): Uint8Array {
    const message = new Uint8Array(this.#partBytes);
    let at = 0;
    for (const part of this.#parts) {
      message.set(part, at);
      at += part.length;
    }
    this.#parts.length = 0;
    this.#partBytes = 0;
    return message;
  }

  #close(payload: Uint8Array): FrameEvent {
    if (payload.length > CLOSE_REASON_BYTES) {
      throw new FrameError(`the peer's close reason is longer than ${CLOSE_REASON_BYTES} bytes`);
    }
    let reason: string;
    try {
      reason = this.#decoder.decode(payload);
    } catch {
      throw new FrameError("the peer's close reason is not UTF-8");
    }
    this.#closed = true;
    this.#parts.length = 0;
    this.#partBytes = 0;
    return { kind: 'close', reason };
  }
}
