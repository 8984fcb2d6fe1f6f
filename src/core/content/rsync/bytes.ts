/**
 * Byte-level reading and writing for the rsync formats: unsigned LEB128 varints (at most
 * 2^53 − 1, so every value is an exact JavaScript number), zigzag for signed values, raw
 * byte runs. Readers check every bound and throw the caller's format error, never a
 * RangeError or a TypeError.
 */

/** Builds a format error for the format being decoded. */
export type FormatErrorFactory = (message: string) => Error;

/** Largest value a varint may carry: Number.MAX_SAFE_INTEGER. */
const MAX_VARINT = Number.MAX_SAFE_INTEGER;

/** An append-only growable byte buffer. */
export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  byte(value: number): this {
    this.reserve(1);
    this.buf[this.len++] = value & 0xff;
    return this;
  }

  bytes(data: Uint8Array): this {
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  /** A 32-bit big-endian word. */
  u32(value: number): this {
    this.reserve(4);
    const b = this.buf;
    b[this.len] = value >>> 24;
    b[this.len + 1] = value >>> 16;
    b[this.len + 2] = value >>> 8;
    b[this.len + 3] = value;
    this.len += 4;
    return this;
  }

  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a varint: ${value}`);
    this.reserve(8);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
    return this;
  }

  /** A signed value, zigzag-encoded (0, −1, 1, −2, … → 0, 1, 2, 3, …). */
  zigzag(value: number): this {
    return this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** The bytes written so far (a copy), and the writer starts empty again. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.len);
    this.len = 0;
    return out;
  }
}

/** Reads a complete message held in memory. */
export class ByteReader {
  private pos = 0;

  constructor(
    private readonly buf: Uint8Array,
    private readonly fail: FormatErrorFactory,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  get offset(): number {
    return this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) throw this.fail(`truncated: ${what} runs past the end`);
  }

  byte(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++] as number;
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u32(what: string): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (
      (((b[p] as number) << 24) |
        ((b[p + 1] as number) << 16) |
        ((b[p + 2] as number) << 8) |
        (b[p + 3] as number)) >>>
      0
    );
  }

  varint(what: string, max = MAX_VARINT): number {
    const { value, length } = decodeVarint(this.buf, this.pos, this.fail, what);
    if (value > max) throw this.fail(`${what} is ${value}, more than the limit ${max}`);
    this.pos += length;
    return value;
  }

  zigzag(what: string): number {
    const z = this.varint(what);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** Throws unless every byte has been read. */
  end(what: string): void {
    if (this.pos !== this.buf.length)
      throw this.fail(`${this.buf.length - this.pos} unexpected bytes after ${what}`);
  }
}

/** Decodes one varint at `pos`; throws on truncation, overlong encodings and overflow. */
export function decodeVarint(
  buf: Uint8Array,
  pos: number,
  fail: FormatErrorFactory,
  what: string,
): { value: number; length: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; ; i++) {
    if (pos + i >= buf.length) throw fail(`truncated: ${what} runs past the end`);
    if (i >= 8) throw fail(`${what} is not a valid varint (too long)`);
    const b = buf[pos + i] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (b === 0 && i > 0) throw fail(`${what} is not a valid varint (overlong)`);
      if (value > MAX_VARINT) throw fail(`${what} overflows`);
      return { value, length: i + 1 };
    }
    scale *= 0x80;
  }
}
