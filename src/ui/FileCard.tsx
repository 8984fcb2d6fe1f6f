/** One file of a batch: its digest and timing, or why it failed. */
import { toHex } from '../core/content/bytes.ts';
import type { FileEntry } from './useHashBatch.ts';
import { downloadChunkList } from './download.ts';
import { formatBytes, formatMillis, formatRate } from './format.ts';

interface Props {
  readonly entry: FileEntry;
  readonly selected: boolean;
  /** Present when there is a choice of files whose chunks to show. */
  readonly onSelect: (() => void) | undefined;
}

export function FileCard({ entry, selected, onSelect }: Props) {
  const { file } = entry;
  return (
    <article class={selected ? 'file selected' : 'file'} data-testid="file-result" data-status={entry.status}>
      <h3 class="file-name" data-testid="file-name">
        {file.name}
      </h3>
      <dl>
        <dt>Size</dt>
        <dd data-testid="file-size" data-bytes={file.size}>
          {formatBytes(file.size)}
          {file.size >= 1024 && <span class="muted"> ({file.size} bytes)</span>}
        </dd>
        {entry.status === 'hashing' && (
          <>
            <dt>Status</dt>
            <dd>Hashing…</dd>
          </>
        )}
        {entry.status === 'failed' && (
          <>
            <dt>Error</dt>
            <dd class="error" data-testid="file-error">
              {entry.error.message}
            </dd>
          </>
        )}
        {entry.status === 'done' && (
          <>
            <dt>Chunks</dt>
            <dd data-testid="chunk-count">{entry.result.digest.chunks.length}</dd>
            <dt>Time</dt>
            <dd>
              <span data-testid="file-time">{formatMillis(entry.result.millis)}</span> ·{' '}
              <span data-testid="file-speed">{formatRate(file.size, entry.result.millis)}</span>
            </dd>
            <dt>Worker</dt>
            <dd data-testid="file-worker" data-worker={entry.result.worker}>
              #{entry.result.worker + 1}
            </dd>
            <dt>Hash</dt>
            <dd class="hex" data-testid="file-hash">
              {toHex(entry.result.digest.hash)}
            </dd>
          </>
        )}
      </dl>
      {entry.status === 'done' && (
        <div class="actions">
          {onSelect && (
            <button type="button" aria-pressed={selected} data-testid="show-chunks" onClick={onSelect}>
              {selected ? 'Chunks shown below' : 'Show chunks'}
            </button>
          )}
          <button
            type="button"
            data-testid="download-chunks"
            onClick={() => downloadChunkList(file.name, entry.result.digest)}
          >
            Download chunk list (JSON)
          </button>
        </div>
      )}
    </article>
  );
}
