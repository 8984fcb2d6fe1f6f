/**
 * Base64url (RFC 4648 §5) without padding, decoded strictly: the text a peer or a link
 * gives us must be the one canonical encoding of its bytes, so one value never has two
 * spellings (a room ID compared as text, a key compared as bytes, agree).
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUES = new Map([...ALPHABET].map((char, value) => [char, value]));

export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 6) {
      out += ALPHABET[(value >>> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (6 - bits)) & 63];
  return out;
}

/**
 * The bytes `text` encodes, or `undefined` when it is not canonical unpadded base64url: a
 * character outside the alphabet, padding, an impossible length, or stray bits set in the
 * last character.
 */
export function fromBase64url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const char of text) {
    const digit = VALUES.get(char);
    if (digit === undefined) return undefined;
    value = ((value << 6) | digit) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      out[at++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  // The leftover bits of the last character must be zero, else two texts name one value.
  if (bits > 0 && (value & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/** The bytes of `text` when it is canonical base64url of exactly `length` bytes. */
export function fromBase64urlOfLength(text: string, length: number): Uint8Array | undefined {
  if (text.length !== Math.ceil((length * 8) / 6)) return undefined;
  const bytes = fromBase64url(text);
  return bytes?.length === length ? bytes : undefined;
}
