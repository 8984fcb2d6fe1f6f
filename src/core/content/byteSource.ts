/**
 * Random-access, read-only bytes: a file on disk, a `File` inside a worker, generated data
 * in a test. The content engine reads through this and nothing else, so it never needs a
 * whole file in memory.
 */
export interface ByteSource {
  /** Total length in bytes; fixed for the life of the source. */
  readonly size: number;
  /**
   * Up to `length` bytes starting at `offset`; fewer only where the source ends. The
   * returned array belongs to the caller: the source never writes into it again.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/**
 * A source over bytes already in memory (tests, small files). It hands out views, not
 * copies: the caller must not change `bytes` while the source is in use.
 */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

/**
 * Reads a source front to back in windows of `windowSize` bytes. Each window is a fresh
 * array (or a view the source never rewrites), so a consumer may keep views into it. The
 * next window is already being read while the consumer works on this one, so I/O overlaps
 * compute; at most two windows are held.
 */
export async function* windows(
  source: ByteSource,
  windowSize: number,
  start = 0,
  end = source.size,
): AsyncGenerator<Uint8Array> {
  const readAt = (offset: number) => source.read(offset, Math.min(windowSize, end - offset));
  let offset = start;
  let next = offset < end ? readAt(offset) : null;
  while (next) {
    const bytes = await next;
    if (bytes.length === 0) throw new SourceChangedError(source.size, offset);
    offset += bytes.length;
    next = offset < end ? readAt(offset) : null;
    yield bytes;
  }
}

/** The source ended before its stated size: the file shrank while it was being read. */
export class SourceChangedError extends Error {
  constructor(
    readonly expectedSize: number,
    readonly endedAt: number,
  ) {
    super(
      `the file ended at byte ${endedAt} but was ${expectedSize} bytes long: it changed while being read`,
    );
    this.name = 'SourceChangedError';
  }
}
