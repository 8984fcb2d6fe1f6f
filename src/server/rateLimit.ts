/**
 * Per-connection rate limits for the relay: token buckets for messages and for bytes.
 *
 * Time is passed in (`now`, milliseconds) so tests drive it; the server passes
 * `performance.now`.
 */

export interface RateLimits {
  /** Messages per second sustained, and how many may come at once. */
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  /** Payload bytes per second sustained, and how many may come at once. */
  readonly bytesPerSecond: number;
  readonly byteBurst: number;
}

/**
 * Enough for pairing and reconnection (a handful of SDP and ICE messages, a burst of
 * trickled candidates) with room to spare; a loop sending as fast as it can hits it at once.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  messagesPerSecond: 20,
  messageBurst: 50,
  bytesPerSecond: 256 * 1024,
  byteBurst: 1024 * 1024,
};

export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number,
  ) {
    if (!(ratePerSecond > 0) || !(burst > 0))
      throw new RangeError('a token bucket needs a positive rate and burst');
    this.#tokens = burst;
    this.#last = now();
  }

  /** Takes `cost` tokens if there are that many; false (taking nothing) otherwise. */
  take(cost = 1): boolean {
    const now = this.now();
    // A clock that steps back never mints tokens.
    const elapsed = Math.max(0, now - this.#last);
    this.#last = Math.max(this.#last, now);
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }
}

/** One connection's allowance: a message passes only if both budgets have room for it. */
export class ConnectionRateLimit {
  readonly #messages: TokenBucket;
  readonly #bytes: TokenBucket;

  constructor(limits: RateLimits, now: () => number) {
    this.#messages = new TokenBucket(limits.messagesPerSecond, limits.messageBurst, now);
    this.#bytes = new TokenBucket(limits.bytesPerSecond, limits.byteBurst, now);
  }

  /** Counts one message of `bytes`; false when it is over either budget. */
  allow(bytes: number): boolean {
    // Both are charged even when the second refuses: the connection closes then anyway.
    const messageOk = this.#messages.take(1);
    const bytesOk = this.#bytes.take(bytes);
    return messageOk && bytesOk;
  }
}
