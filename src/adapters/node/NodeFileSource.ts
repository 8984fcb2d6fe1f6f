/** A ByteSource over a file on disk (CLI, tests, benchmarks). Close it when done. */
import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSource } from '../../core/content/byteSource.ts';

export class NodeFileSource implements ByteSource {
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<NodeFileSource> {
    const handle = await open(path, 'r');
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error(`${path} is not a regular file`);
      return new NodeFileSource(handle, stat.size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const want = Math.max(0, Math.min(length, this.size - offset));
    const buffer = new Uint8Array(want);
    let filled = 0;
    while (filled < want) {
      const { bytesRead } = await this.handle.read(buffer, filled, want - filled, offset + filled);
      if (bytesRead === 0) break; // the file shrank; the caller sees a short read
      filled += bytesRead;
    }
    return filled === want ? buffer : buffer.subarray(0, filled);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
