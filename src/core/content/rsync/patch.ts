/**
 * Applies a delta to OLD, streaming both: the delta is read in 64 KiB pieces, the output
 * leaves through `write` in order, in pieces of up to 256 KiB. Before the first byte is
 * written, OLD's size and xxhash128 are checked against the delta's header, so a delta
 * made for another base is refused with nothing written. At the end the output's hash
 * must equal the digest the delta recorded.
 */
import type { IHasher } from 'hash-wasm';
import { newXXHash128 } from './xxhash.ts';
import { windows, SourceChangedError, type ByteSource } from '../byteSource.ts';
import { equalBytes } from '../bytes.ts';
import { decodeVarint } from './bytes.ts';
import { BaseMismatchError, DeltaFormatError, ResultMismatchError } from './errors.ts';
import { DELTA_MAGIC, FORMAT_VERSION, MAX_LITERAL, OP_COPY, OP_END, OP_LITERAL } from './format.ts';
import { DIGEST_SIZE, MAX_FILE_SIZE } from './params.ts';

const READ_SIZE = 1 << 16;
const WRITE_SIZE = 1 << 18;
const fail = (message: string): Error => new DeltaFormatError(message);

export async function applyPatch(
  old: ByteSource,
  delta: ByteSource,
  write: (bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  const input = new DeltaReader(delta);
  if ((await input.u32('magic')) !== DELTA_MAGIC) throw new DeltaFormatError('not a delta (bad magic)');
  const version = await input.varint('version');
  if (version !== FORMAT_VERSION) throw new DeltaFormatError(`unsupported version ${version}`);
  const baseSize = await input.varint('base size', MAX_FILE_SIZE);
  const baseDigest = await input.bytes(DIGEST_SIZE, 'base digest');
  const resultSize = await input.varint('result size', MAX_FILE_SIZE);

  if (baseSize !== old.size) throw new BaseMismatchError('size');
  const hasher = await newXXHash128();
  if (!equalBytes(await digestOf(old, hasher), baseDigest)) throw new BaseMismatchError('digest');

  const out = new Output(write, hasher);
  let lastCopyEnd = 0;
  for (;;) {
    const op = await input.byte('op');
    if (op === OP_END) break;
    if (op === OP_COPY) {
      const offset = lastCopyEnd + (await input.zigzag('copy offset'));
      const length = await input.varint('copy length', MAX_FILE_SIZE);
      if (length < 1) throw new DeltaFormatError('empty copy');
      if (offset < 0 || offset + length > baseSize) throw new DeltaFormatError('copy outside the base file');
      if (out.produced + length > resultSize)
        throw new DeltaFormatError('ops produce more than the result size');
      for (let at = offset; at < offset + length;) {
        const bytes = await old.read(at, Math.min(WRITE_SIZE, offset + length - at));
        if (bytes.length === 0) throw new SourceChangedError(old.size, at);
        await out.put(bytes);
        at += bytes.length;
      }
      lastCopyEnd = offset + length;
    } else if (op === OP_LITERAL) {
      const length = await input.varint('literal length', MAX_LITERAL);
      if (length < 1) throw new DeltaFormatError('empty literal');
      if (out.produced + length > resultSize)
        throw new DeltaFormatError('ops produce more than the result size');
      await out.put(await input.bytes(length, 'literal'));
    } else {
      throw new DeltaFormatError(`unknown op 0x${op.toString(16)}`);
    }
  }
  if (out.produced !== resultSize) throw new DeltaFormatError('ops produce less than the result size');
  const resultDigest = (await input.bytes(DIGEST_SIZE, 'result digest')).slice();
  await input.end();
  if (!equalBytes(await out.finish(), resultDigest)) throw new ResultMismatchError();
}

async function digestOf(source: ByteSource, hasher: IHasher): Promise<Uint8Array> {
  hasher.init();
  for await (const bytes of windows(source, 1 << 20)) hasher.update(bytes);
  return hasher.digest('binary');
}

/** Batches output into larger writes and hashes it on the way. */
class Output {
  private readonly buf = new Uint8Array(WRITE_SIZE);
  private filled = 0;
  produced = 0;

  constructor(
    private readonly write: (bytes: Uint8Array) => Promise<void>,
    private readonly hasher: IHasher,
  ) {
    hasher.init();
  }

  async put(bytes: Uint8Array): Promise<void> {
    this.produced += bytes.length;
    this.hasher.update(bytes);
    if (this.filled + bytes.length > WRITE_SIZE) await this.flush();
    if (bytes.length >= WRITE_SIZE) {
      await this.write(bytes.slice());
      return;
    }
    this.buf.set(bytes, this.filled);
    this.filled += bytes.length;
  }

  async finish(): Promise<Uint8Array> {
    await this.flush();
    return this.hasher.digest('binary');
  }

  private async flush(): Promise<void> {
    if (this.filled === 0) return;
    await this.write(this.buf.slice(0, this.filled));
    this.filled = 0;
  }
}

/** Reads a delta from a source through a small buffer, with bounds checks. */
class DeltaReader {
  private buf = new Uint8Array(0);
  private pos = 0;
  private next = 0; // source offset of the first byte not yet buffered

  constructor(private readonly source: ByteSource) {}

  /** Buffers at least `n` unread bytes, or all that remain. */
  private async fill(n: number): Promise<void> {
    if (this.buf.length - this.pos >= n || this.next >= this.source.size) return;
    const want = Math.max(n, READ_SIZE);
    const chunk = await this.source.read(this.next, Math.min(want, this.source.size - this.next));
    if (chunk.length === 0) throw new SourceChangedError(this.source.size, this.next);
    this.next += chunk.length;
    const rest = this.buf.subarray(this.pos);
    const merged = new Uint8Array(rest.length + chunk.length);
    merged.set(rest);
    merged.set(chunk, rest.length);
    this.buf = merged;
    this.pos = 0;
    if (this.buf.length < n) await this.fill(n);
  }

  async byte(what: string): Promise<number> {
    return (await this.bytes(1, what))[0] as number;
  }

  async bytes(n: number, what: string): Promise<Uint8Array> {
    await this.fill(n);
    if (this.buf.length - this.pos < n) throw new DeltaFormatError(`truncated: ${what} runs past the end`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  async u32(what: string): Promise<number> {
    const b = await this.bytes(4, what);
    return (
      (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0
    );
  }

  async varint(what: string, max = Number.MAX_SAFE_INTEGER): Promise<number> {
    await this.fill(8);
    const { value, length } = decodeVarint(this.buf, this.pos, fail, what);
    if (value > max) throw new DeltaFormatError(`${what} is ${value}, more than the limit ${max}`);
    this.pos += length;
    return value;
  }

  async zigzag(what: string): Promise<number> {
    const z = await this.varint(what);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  async end(): Promise<void> {
    await this.fill(1);
    if (this.buf.length > this.pos) throw new DeltaFormatError('unexpected bytes after the result digest');
  }
}
