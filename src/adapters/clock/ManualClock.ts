/**
 * Virtual time for tests and the simulation: `now()` moves only when the test calls
 * `advance`, and timers fire then, in due order (ties in the order they were set).
 */
import type { CancelTimer, Clock } from '../../ports/Clock.ts';

interface Timer {
  readonly due: number;
  readonly order: number;
  readonly fire: () => void;
}

export class ManualClock implements Clock {
  #now: number;
  #order = 0;
  #timers: Timer[] = [];

  /** Starts at `start` ms since the epoch (default 2024-01-01T00:00:00Z). */
  constructor(start = Date.UTC(2024, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fire: () => void): CancelTimer {
    const timer: Timer = { due: this.#now + Math.max(0, ms), order: this.#order++, fire };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Timers armed and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (including
   * timers those timers set), each with `now()` at its due time. Returns how many fired.
   * Timers run synchronously: work they start on promises runs after this returns.
   */
  advance(ms: number): number {
    const end = this.#now + Math.max(0, ms);
    let fired = 0;
    for (let next = this.#next(); next && next.due <= end; next = this.#next()) {
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.due);
      next.fire();
      fired++;
    }
    this.#now = end;
    return fired;
  }

  /** Jumps to the next timer and fires it (and any due with it); false if none is armed. */
  advanceToNext(): boolean {
    const next = this.#next();
    if (!next) return false;
    this.advance(next.due - this.#now);
    return true;
  }

  #next(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.order < best.order)) best = t;
    }
    return best;
  }
}
