/**
 * Random over the platform's CSPRNG (`crypto.getRandomValues`): what the app uses, in the
 * browser and in Node alike. Not reproducible, by design.
 */
import type { Random } from '../../ports/Random.ts';
import { checkByteCount, uniformInt } from './draw.ts';

/** The most `getRandomValues` fills in one call (the Web Crypto spec's quota). */
const QUOTA_BYTES = 65_536;

export class CryptoRandom implements Random {
  readonly #crypto: Pick<Crypto, 'getRandomValues'>;

  /** `source` defaults to the global `crypto` (browsers, Node ≥ 19). */
  constructor(source: Pick<Crypto, 'getRandomValues'> = globalThis.crypto) {
    this.#crypto = source;
  }

  bytes(n: number): Uint8Array {
    checkByteCount(n);
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += QUOTA_BYTES)
      this.#crypto.getRandomValues(out.subarray(at, at + QUOTA_BYTES));
    return out;
  }

  int(max: number): number {
    const word = new Uint32Array(1);
    return uniformInt(() => this.#crypto.getRandomValues(word)[0]!, max);
  }
}
