/** Saves a file's chunk list as JSON through a temporary object URL. */
import { toHex } from '../core/content/bytes.ts';
import type { FileDigest } from '../core/content/chunk.ts';

export function chunkListJson(name: string, digest: FileDigest): string {
  return JSON.stringify(
    {
      name,
      size: digest.size,
      hash: toHex(digest.hash),
      chunks: digest.chunks.map((c) => ({ offset: c.offset, size: c.size, hash: toHex(c.hash) })),
    },
    null,
    1,
  );
}

export function downloadChunkList(name: string, digest: FileDigest): void {
  const url = URL.createObjectURL(new Blob([chunkListJson(name, digest)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name}.chunks.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
