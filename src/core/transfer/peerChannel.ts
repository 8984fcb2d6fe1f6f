/**
 * One peer's protocol view of a Transport: typed messages in and out.
 *
 * Invariants:
 *
 * 1. Every received message passes `decodeMessage` before any handler sees it. Input it
 *    refuses (a `ProtocolError`) gets one `error` message (id 0, the error's code) and the
 *    transport closes with the reason; nothing else happens, and nothing more is read.
 * 2. A handler that throws is a bug on this side, not the peer's: the connection closes
 *    with a `generic` error rather than the exception reaching the transport.
 * 3. A `close` message from the peer closes the transport with its reason.
 * 4. `send` encodes and hands over; it rejects when the transport is closed, never throws.
 *
 * The error message before a close is best effort: it is accepted at once unless the
 * transport is over its high-water mark, in which case the close may overtake it.
 */
import { decodeMessage, encodeMessage } from '../protocol/codec.ts';
import { ProtocolError, type ErrorCode } from '../protocol/errors.ts';
import { LIMITS, type Message, type MessageKind } from '../protocol/messages.ts';
import type { CloseReason, Transport, Unsubscribe } from '../../ports/Transport.ts';

/** The message of kind `K`. */
export type MessageOf<K extends MessageKind> = Extract<Message, { kind: K }>;

/** Cuts `text` to what the decoder accepts in an error message or close reason. */
export function reasonText(text: string): string {
  return text.length <= LIMITS.reasonLength ? text : `${text.slice(0, LIMITS.reasonLength - 1)}…`;
}

export class PeerChannel {
  readonly #handlers = new Map<MessageKind, Set<(message: Message) => void>>();
  readonly #unsubscribe: Unsubscribe;
  #failed = false;

  constructor(
    /** Who is at the other end (a device ID), for choosing peers and for messages. */
    readonly peer: string,
    readonly transport: Transport,
  ) {
    this.#unsubscribe = transport.onMessage((bytes) => this.#receive(bytes));
    transport.onClose(() => this.#unsubscribe());
  }

  /** The close reason once the connection is closed; `undefined` while open. */
  get closed(): CloseReason | undefined {
    return this.transport.closed;
  }

  /** Calls `handler` with every valid message of kind `kind`, in arrival order. */
  on<K extends MessageKind>(kind: K, handler: (message: MessageOf<K>) => void): Unsubscribe {
    let set = this.#handlers.get(kind);
    if (!set) {
      set = new Set();
      this.#handlers.set(kind, set);
    }
    const entry = handler as (message: Message) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  /** Hears the close once; at once if already closed. */
  onClose(listener: (reason: CloseReason) => void): Unsubscribe {
    return this.transport.onClose(listener);
  }

  /** Encodes and sends `message`; rejects if the connection is (or gets) closed. */
  async send(message: Message): Promise<void> {
    await this.transport.send(encodeMessage(message));
  }

  /** Sends a connection-level error (id 0) and closes: the end of this connection. */
  fail(code: ErrorCode, why: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#unsubscribe();
    const message = reasonText(why);
    this.send({ kind: 'error', id: 0, code, message }).catch(() => undefined);
    this.transport.close(`${code}: ${message}`);
  }

  /** Closes the connection with a reason (no error message). */
  close(reason: string): void {
    this.transport.close(reasonText(reason));
  }

  #receive(bytes: Uint8Array): void {
    if (this.#failed) return;
    let message: Message;
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      if (error instanceof ProtocolError) this.fail(error.code, error.message);
      else this.fail('generic', `could not decode a message: ${String(error)}`);
      return;
    }
    if (message.kind === 'close') {
      this.transport.close(message.reason);
      return;
    }
    for (const handler of [...(this.#handlers.get(message.kind) ?? [])]) {
      try {
        handler(message);
      } catch (error) {
        this.fail('generic', `internal error handling a ${message.kind} message: ${String(error)}`);
        return;
      }
    }
  }
}
