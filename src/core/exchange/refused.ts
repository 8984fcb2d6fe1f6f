/** A peer's message the exchange refuses: the connection fails with `code` and the message. */
import type { ErrorCode } from '../protocol/errors.ts';

export class Refused extends Error {
  override readonly name = 'Refused';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
