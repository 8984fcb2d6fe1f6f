/**
 * The real clock, for the browser and the CLI: `Date.now` (held from going backwards when
 * the system clock is set back) and `setTimeout`.
 */
import type { CancelTimer, Clock } from '../../ports/Clock.ts';

export function systemClock(): Clock {
  let last = 0;
  return {
    now: () => (last = Math.max(last, Date.now())),
    setTimer(ms: number, fire: () => void): CancelTimer {
      const id = setTimeout(fire, Math.max(0, ms));
      return () => clearTimeout(id);
    },
  };
}
