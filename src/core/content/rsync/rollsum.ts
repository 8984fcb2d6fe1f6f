/**
 * rsync's rolling weak checksum over a window of `len` bytes:
 *
 *     s1 = Σ (x + 31) mod 2^16,  s2 = Σ s1 (running) mod 2^16,  weak = s1 | s2 << 16
 *
 * kept as a signed 32-bit integer in memory (written as 4 big-endian bytes). Moving the
 * window one byte drops `out` and adds `in`: s1 += in − out, s2 += s1' − len·(out + 31).
 */

export const CHAR_OFFSET = 31;

/** Mutable rolling state, shared with the scan loop so it can hand back where it stopped. */
export interface RollState {
  s1: number;
  s2: number;
  /** Table entry whose weak sum equals the window's, set when `scan` returns a position. */
  entry: number;
}

/** The sums of buf[start, start + len), from scratch. */
export function sumWindow(buf: Uint8Array, start: number, len: number, state: RollState): void {
  let s1 = 0;
  let s2 = 0;
  const end = start + len;
  for (let i = start; i < end; i++) {
    s1 += (buf[i] as number) + CHAR_OFFSET;
    s2 += s1;
  }
  state.s1 = s1 & 0xffff;
  state.s2 = s2 & 0xffff;
}

/** The 32-bit weak sum of one block. */
export function weakSum(buf: Uint8Array, start: number, len: number): number {
  const state: RollState = { s1: 0, s2: 0, entry: -1 };
  sumWindow(buf, start, len, state);
  return state.s1 | (state.s2 << 16);
}

/** Moves the window [i, i + len) one byte right. */
export function rollOne(buf: Uint8Array, i: number, len: number, state: RollState): void {
  const out = (buf[i] as number) + CHAR_OFFSET;
  const s1 = (state.s1 - out + (buf[i + len] as number) + CHAR_OFFSET) & 0xffff;
  state.s2 = (state.s2 - len * out + s1) & 0xffff;
  state.s1 = s1;
}

/** Bucket of a weak sum in a table of 2^bits heads (Fibonacci hashing). */
export function bucketOf(weak: number, shift: number): number {
  return Math.imul(weak, 0x9e3779b1) >>> shift;
}

/**
 * The hot loop: with `state` holding the sums of buf[i, i + len), rolls right until a
 * window's weak sum equals some table entry's, and returns that window's start (with
 * `state.entry` set); returns −1 once the window starting at `last` has been tried, with
 * `state` left at `last`. Kept small and monomorphic so V8 optimizes it well.
 */
export function scan(
  buf: Uint8Array,
  i: number,
  last: number,
  len: number,
  state: RollState,
  filter: Int32Array,
  filterShift: number,
  heads: Int32Array,
  next: Int32Array,
  weaks: Int32Array,
  shift: number,
): number {
  let s1 = state.s1;
  let s2 = state.s2;
  const drop = len & 0xffff;
  for (;;) {
    const weak = s1 | (s2 << 16);
    const hash = Math.imul(weak, 0x9e3779b1);
    if (((filter[hash >>> filterShift] as number) & (1 << (hash & 31))) !== 0) {
      for (let e = heads[hash >>> shift] as number; e >= 0; e = next[e] as number) {
        if (weaks[e] === weak) {
          state.s1 = s1;
          state.s2 = s2;
          state.entry = e;
          return i;
        }
      }
    }
    if (i >= last) {
      state.s1 = s1;
      state.s2 = s2;
      return -1;
    }
    const out = (buf[i] as number) + CHAR_OFFSET;
    s1 = (s1 - out + (buf[i + len] as number) + CHAR_OFFSET) & 0xffff;
    s2 = (s2 - Math.imul(drop, out) + s1) & 0xffff;
    i++;
  }
}
