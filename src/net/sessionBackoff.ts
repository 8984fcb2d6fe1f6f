/**
 * How long a device link waits before trying again after a failed connection: doubling
 * from `baseMs` up to `maxMs`, then "equal jitter" (half fixed, half random), so two
 * devices that failed together do not retry in lockstep, and a long outage costs at most
 * one attempt per `maxMs`.
 */

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 };

/**
 * The wait before attempt `failures + 1`, given `failures` ≥ 1 failed attempts in a row
 * and `unit`, a random number in [0, 1). Throws `RangeError` for a bad policy or count.
 */
export function backoffDelay(
  failures: number,
  unit: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const { baseMs, maxMs } = policy;
  if (!(baseMs > 0) || !(maxMs >= baseMs) || !Number.isFinite(maxMs))
    throw new RangeError('a backoff needs 0 < baseMs ≤ maxMs');
  if (!Number.isInteger(failures) || failures < 1) throw new RangeError('failures must be an integer ≥ 1');
  if (!(unit >= 0 && unit < 1)) throw new RangeError('unit must be in [0, 1)');
  // 2^30 already passes any sensible maximum; the cap keeps the power finite.
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * unit);
}
