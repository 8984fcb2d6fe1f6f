/**
 * The chunk server's reads: the files being served stay open, and a file requested in
 * order is read a block at a time. A peer fetching a large file asks for its chunks front
 * to back, many in flight; opening the file and reading each 64 KiB chunk on its own costs
 * a few round trips to the browser's file system per chunk, which bounded a 1 GiB sync
 * more than the link did.
 *
 * Invariants:
 *
 * 1. A read returns bytes of one version of the file: all from one source, which rejects
 *    (`ChangedMeanwhileError`) once the file changed, or keeps the bytes as of opening
 *    (the port allows both). On that rejection the file is opened again and the read tried
 *    once more; bytes that turn out older than asked for are the caller's to `forget`.
 * 2. A block is read only where the requests run in order: at the file's start, or from
 *    within a block of that file read before. Any other request reads just its chunk, so
 *    scattered requests (a delta's few chunks) never read 64 times what they need.
 * 3. Memory stays bounded: at most `MAX_FILES` files kept, two blocks each.
 */
import type { FileSource, Volume } from '../../ports/Volume.ts';
import { ChangedMeanwhileError } from '../../ports/Volume.ts';

/** The read-ahead of a file requested in order. */
export const BLOCK_SIZE = 4 << 20;
/** Files kept open at once: those being served now. */
const MAX_FILES = 8;
/** Blocks kept per file: the one being served and the one after it. */
const BLOCKS_PER_FILE = 2;

interface Block {
  readonly start: number;
  readonly end: number;
  readonly bytes: Promise<Uint8Array>;
}

interface OpenFile {
  readonly volume: Pick<Volume, 'source'>;
  readonly source: Promise<FileSource>;
  blocks: Block[];
}

/** A range of a file of a folder: what a chunk request asks for. */
export interface WantedBytes {
  readonly folder: string;
  readonly path: string;
  readonly offset: number;
  readonly size: number;
}

export interface ServedBytes {
  readonly source: FileSource;
  readonly bytes: Uint8Array;
  /** The file was opened for this read, not kept from before. */
  readonly fresh: boolean;
}

export class FileReads {
  /** By folder and path, least recently used first. */
  readonly #open = new Map<string, OpenFile>();

  /** Closes `path`: the next read opens it again (the version kept was not the one wanted). */
  forget(folder: string, path: string): void {
    this.#open.delete(keyOf(folder, path));
  }

  /** The bytes `wanted` names (fewer at the file's end), and the source they came from. */
  async read(volume: Pick<Volume, 'source'>, wanted: WantedBytes): Promise<ServedBytes> {
    try {
      return await this.#read(volume, wanted);
    } catch (error) {
      if (!(error instanceof ChangedMeanwhileError)) throw error;
      this.forget(wanted.folder, wanted.path);
      return this.#read(volume, wanted);
    }
  }

  async #read(volume: Pick<Volume, 'source'>, wanted: WantedBytes): Promise<ServedBytes> {
    const { folder, path, offset, size } = wanted;
    const { file, fresh } = this.#file(volume, folder, path);
    let source: FileSource;
    try {
      source = await file.source;
    } catch (error) {
      if (this.#open.get(keyOf(folder, path)) === file) this.#open.delete(keyOf(folder, path));
      throw error;
    }
    const end = offset + size;
    let block = file.blocks.find((b) => b.start <= offset && end <= b.end);
    // In order: at the start, or from within the last block read (a chunk may straddle its end).
    const inOrder = offset === 0 || file.blocks.some((b) => b.start <= offset && offset <= b.end);
    if (!block && inOrder && size < BLOCK_SIZE && offset < source.size) {
      const blockEnd = Math.min(source.size, offset + BLOCK_SIZE);
      block = { start: offset, end: blockEnd, bytes: source.read(offset, blockEnd - offset) };
      file.blocks = [...file.blocks, block].slice(-BLOCKS_PER_FILE);
    }
    if (!block) return { source, bytes: await source.read(offset, size), fresh };
    let bytes: Uint8Array;
    try {
      bytes = await block.bytes;
    } catch (error) {
      file.blocks = file.blocks.filter((b) => b !== block);
      throw error;
    }
    // A copy: the block is shared by every chunk in it, and outlives this answer.
    return { source, bytes: bytes.slice(offset - block.start, end - block.start), fresh };
  }

  /** The open file of `path`, opened if need be, marked most recently used. */
  #file(volume: Pick<Volume, 'source'>, folder: string, path: string): { file: OpenFile; fresh: boolean } {
    const key = keyOf(folder, path);
    const kept = this.#open.get(key);
    this.#open.delete(key);
    const fresh = kept?.volume !== volume;
    const file = fresh ? { volume, source: volume.source(path), blocks: [] } : kept;
    this.#open.set(key, file);
    if (this.#open.size > MAX_FILES) this.#open.delete(this.#open.keys().next().value!);
    return { file, fresh };
  }
}

function keyOf(folder: string, path: string): string {
  return `${folder}\u0000${path}`;
}
