/**
 * Clock: the only source of time for the core and the engine (STYLE practice 6).
 *
 * The engine reads `now()` for version-vector counters, mtimes it records and timeouts,
 * and arms timers (rescan intervals, retries, keep-alives) through `setTimer`. The browser
 * passes a clock over `Date.now` and `setTimeout`; the simulation passes a `ManualClock`
 * whose time moves only when the test advances it, so a seed replays everything.
 */

/** Cancels a timer. Calling it after the timer fired, or twice, does nothing. */
export type CancelTimer = () => void;

export interface Clock {
  /**
   * Milliseconds since the Unix epoch. Called whenever the engine needs the time; never
   * goes backwards within one clock.
   */
  now(): number;

  /**
   * Calls `fire` once, no earlier than `ms` milliseconds from now (a negative `ms` counts
   * as 0), and never synchronously inside this call. Timers due at the same time fire in
   * the order they were set. Returns the function that cancels the timer.
   */
  setTimer(ms: number, fire: () => void): CancelTimer;
}
