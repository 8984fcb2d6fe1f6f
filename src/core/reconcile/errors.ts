/** What can go wrong in a reconciliation: a closed set, each with a clear message. */

/** Bytes that are not a valid batch of coded symbols (format.ts). */
export class ReconcileFormatError extends Error {
  constructor(detail: string) {
    super(`invalid coded-symbol batch: ${detail}`);
    this.name = 'ReconcileFormatError';
  }
}

/**
 * Remote symbols arrived out of order: a gap or a replay. The stream is positional, so the
 * decoder cannot use them; the session has to restart from symbol 0.
 */
export class ReconcileOrderError extends Error {
  constructor(
    readonly expected: number,
    readonly got: number,
  ) {
    super(`expected coded symbol ${expected}, got ${got}: restart the reconciliation from symbol 0`);
    this.name = 'ReconcileOrderError';
  }
}

/**
 * The decoder took more symbols than any honest difference needs: the two streams do not
 * describe sets of items (corrupt symbols, or a peer using another item mapping).
 */
export class ReconcileIncompleteError extends Error {
  constructor(readonly symbols: number) {
    super(`set difference still undecoded after ${symbols} coded symbols: the peer's stream is not valid`);
    this.name = 'ReconcileIncompleteError';
  }
}
