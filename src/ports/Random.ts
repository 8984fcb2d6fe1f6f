/**
 * Random: the only source of chance for the core and the engine (STYLE practice 6).
 *
 * Callers: new index IDs and folder IDs (core/model/ids.ts), pairing secrets (net/), and
 * the simulation's choices (which message to deliver, which link to cut). The app passes
 * `CryptoRandom` (the platform's CSPRNG); tests and the simulation pass `SeededRandom`, so
 * a printed seed replays a run exactly. Anything secret (pairing secrets, IDs peers must
 * not guess) must come from a Random the app built over the CSPRNG, never a seeded one.
 */

export interface Random {
  /** `n` uniformly random bytes (`n` a non-negative integer, else `RangeError`). */
  bytes(n: number): Uint8Array;

  /**
   * A uniformly random integer in [0, `max`), without modulo bias. `max` is an integer
   * from 1 to 2³² (else `RangeError`).
   */
  int(max: number): number;
}
