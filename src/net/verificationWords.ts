/**
 * The short word list both devices show after pairing, for the user to compare: a last
 * check that no one sat in the middle. Words come from the BIP-39 English list (2048
 * words, 11 bits each), taken from the start of a digest both sides computed alike.
 */
import { wordlist } from '@scure/bip39/wordlists/english.js';

export const VERIFICATION_WORD_COUNT = 4;
const BITS_PER_WORD = 11;

/** `count` words from the leading bits of `digest` (which must hold `count × 11` bits). */
export function verificationWords(digest: Uint8Array, count = VERIFICATION_WORD_COUNT): string[] {
  if (!Number.isInteger(count) || count < 1 || count * BITS_PER_WORD > digest.length * 8) {
    throw new RangeError(`cannot take ${count} words from ${digest.length} bytes`);
  }
  const words: string[] = [];
  let value = 0;
  let bits = 0;
  let at = 0;
  while (words.length < count) {
    while (bits < BITS_PER_WORD) {
      value = ((value << 8) | digest[at++]!) & 0xffffff;
      bits += 8;
    }
    words.push(wordlist[(value >>> (bits - BITS_PER_WORD)) & 0x7ff]!);
    bits -= BITS_PER_WORD;
  }
  return words;
}
