/** The chunks of one file: offset, size and hash, the first `limit` rows of them. */
import { useMemo } from 'preact/hooks';
import { toHex } from '../core/content/bytes.ts';
import type { FileDigest } from '../core/content/chunk.ts';

export const CHUNK_ROWS_SHOWN = 200;

export function ChunkTable({
  name,
  digest,
  limit = CHUNK_ROWS_SHOWN,
}: {
  name: string;
  digest: FileDigest;
  limit?: number;
}) {
  const rows = useMemo(
    () => digest.chunks.slice(0, limit).map((c) => ({ offset: c.offset, size: c.size, hash: toHex(c.hash) })),
    [digest, limit],
  );
  const more = digest.chunks.length - rows.length;
  return (
    <section class="chunks" aria-label={`Chunks of ${name}`}>
      <h3>
        Chunks of <span class="file-name-inline">{name}</span>
      </h3>
      {rows.length === 0 ? (
        <p class="muted">An empty file has no chunks.</p>
      ) : (
        <div class="table-scroll" tabIndex={0}>
          <table data-testid="chunk-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Offset</th>
                <th scope="col">Size</th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr key={row.offset} data-testid="chunk-row">
                  <td class="num muted">{i}</td>
                  <td class="num" data-testid="chunk-offset">
                    {row.offset}
                  </td>
                  <td class="num" data-testid="chunk-size">
                    {row.size}
                  </td>
                  <td class="hex" data-testid="chunk-hash">
                    {row.hash}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more > 0 && (
        <p class="muted" data-testid="chunk-more">
          … and {more} more {more === 1 ? 'chunk' : 'chunks'} (download the chunk list for all of them).
        </p>
      )}
    </section>
  );
}
