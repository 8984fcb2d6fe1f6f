/**
 * NodeVolume's file I/O: writing a new file, fsyncing one, reading one back in windows or
 * a range of one version, and making a rename durable. Errors are mapped onto the port's
 * for `path`.
 */
import { constants, type BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ChangedMeanwhileError } from '../../ports/Volume.ts';
import { errnoCode, fsCall, O_NOFOLLOW, volumeError } from './NodeVolume.errors.ts';

/**
 * Up to `length` bytes at `offset` of the file at `abs`, as the version `opened` stats
 * describe (the header of NodeVolume.ts, "Reading"): a file gone, replaced or changed
 * before the read ended rejects with `ChangedMeanwhileError` rather than give bytes that
 * may mix two versions. Opens without following a link, and closes again.
 */
export async function readVersion(
  abs: string,
  path: string,
  opened: BigIntStats,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(abs, constants.O_RDONLY | O_NOFOLLOW);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') {
      throw new ChangedMeanwhileError(path, undefined, undefined, { cause: error });
    }
    throw volumeError(error, path);
  }
  try {
    const want = Math.max(0, Math.min(length, Number(opened.size) - offset));
    const buffer = new Uint8Array(want);
    let filled = 0;
    while (filled < want) {
      const { bytesRead } = await fsCall(path, () =>
        handle.read(buffer, filled, want - filled, offset + filled),
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    // After the read: any write that began before it finished has moved the mtime.
    const now = await fsCall(path, () => handle.stat({ bigint: true }));
    if (filled < want || !sameVersion(opened, now))
      throw new ChangedMeanwhileError(path, undefined, undefined);
    return buffer;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function sameVersion(a: BigIntStats, b: BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

/** Writes `chunks` into a new `file` with `mode`, fsyncs it, and returns its final stats. */
export async function writeTempFile(
  path: string,
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  mode: number | undefined,
): Promise<BigIntStats> {
  const handle = await fsCall(path, () => open(file, 'wx'));
  try {
    if (mode !== undefined) await fsCall(path, () => handle.chmod(mode));
    let position = 0;
    for await (const chunk of chunks) {
      await fsCall(path, () => writeAll(handle, chunk, position));
      position += chunk.length;
    }
    return await fsCall(path, async () => {
      await handle.sync();
      return handle.stat({ bigint: true });
    });
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Gives the existing `file` `mode`, fsyncs it, and returns its final stats. */
export async function syncFile(path: string, file: string, mode: number | undefined): Promise<BigIntStats> {
  const handle = await fsCall(path, () => open(file, constants.O_RDWR | O_NOFOLLOW));
  try {
    return await fsCall(path, async () => {
      if (mode !== undefined) await handle.chmod(mode);
      await handle.sync();
      return handle.stat({ bigint: true });
    });
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Writes all of `chunk` at `position` (a write may take fewer bytes than given). */
export async function writeAll(handle: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < chunk.length;) {
    const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position + done);
    done += bytesWritten;
  }
}

/** The bytes of `file`, a window at a time (a partial copied across file systems). */
export async function* fileChunks(path: string, file: string): AsyncGenerator<Uint8Array> {
  const handle = await open(file, constants.O_RDONLY | O_NOFOLLOW).catch((error: unknown) => {
    throw volumeError(error, path);
  });
  try {
    const buffer = new Uint8Array(1 << 20);
    for (let position = 0; ;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.slice(0, bytesRead);
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Makes a rename in `dir` durable. Without it a crash can bring the old file back, which
 * the next scan would take for a local edit and send out over the newer version. Windows
 * cannot open a directory for this; NTFS journals renames itself.
 */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(dir, 'r');
    await handle.sync().finally(() => handle.close());
  } catch {
    // Some file systems refuse fsync on directories; the rename itself has happened.
  }
}
