/**
 * Writes a file so that it either appears whole or not at all: bytes go to a temporary
 * file beside the target, which is fsynced and renamed over the target only when the
 * producer succeeds; on any failure the temporary file is removed.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export type Write = (bytes: Uint8Array) => Promise<void>;

export async function writeAtomically(
  target: string,
  produce: (write: Write) => Promise<void>,
): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.tandem-tmp-${randomBytes(6).toString('hex')}`);
  const handle = await open(temp, 'wx');
  let closed = false;
  try {
    await produce(async (bytes) => {
      for (let at = 0; at < bytes.length;) {
        const { bytesWritten } = await handle.write(bytes, at, bytes.length - at);
        at += bytesWritten;
      }
    });
    await handle.sync();
    await handle.close();
    closed = true;
    await rename(temp, target);
  } catch (error) {
    if (!closed) await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}
