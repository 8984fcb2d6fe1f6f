/**
 * The content engine panel: pick or drop files, hash them in the worker pool, and show
 * each file's digest and the chunk table of the selected one.
 */
import { useState } from 'preact/hooks';
import type { TargetedDragEvent, TargetedEvent } from 'preact';
import { useContentService } from './services.ts';
import { useHashBatch, type HashBatch } from './useHashBatch.ts';
import { FileCard } from './FileCard.tsx';
import { ChunkTable } from './ChunkTable.tsx';
import { formatBytes, formatMillis, formatRate } from './format.ts';

export function ContentPanel() {
  const content = useContentService();
  const { batch, hash } = useHashBatch();
  const [selected, setSelected] = useState(0);
  const [dragging, setDragging] = useState(false);

  const start = (files: FileList | null | undefined): void => {
    if (!files || files.length === 0) return;
    setSelected(0);
    hash([...files]);
  };

  const onChange = (e: TargetedEvent<HTMLInputElement>): void => {
    start(e.currentTarget.files);
    e.currentTarget.value = ''; // so choosing the same file again hashes it again
  };
  const onDragOver = (e: TargetedDragEvent<HTMLElement>): void => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  const onDrop = (e: TargetedDragEvent<HTMLElement>): void => {
    e.preventDefault();
    setDragging(false);
    start(e.dataTransfer?.files);
  };

  const chosen = batch?.entries[selected];

  return (
    <section class="panel" aria-labelledby="content-engine-title">
      <div class="panel-head">
        <h2 id="content-engine-title">Content engine</h2>
        <span class="badge" data-testid="pool-size">
          {content.concurrency} {content.concurrency === 1 ? 'worker' : 'workers'}
        </span>
      </div>
      <p class="hint">
        Splits files into content-defined chunks (FastCDC, 16–256 KiB) and hashes each with SHA-256, in
        background workers. Files never leave this device.
      </p>

      <div
        class={dragging ? 'dropzone dragging' : 'dropzone'}
        data-testid="dropzone"
        onDragOver={onDragOver}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>Drop files here, or</p>
        <label class="picker" for="content-files">
          Choose files…
        </label>
        <input
          id="content-files"
          class="visually-hidden"
          type="file"
          multiple
          data-testid="file-input"
          onChange={onChange}
        />
      </div>

      {batch && <BatchSummary batch={batch} />}

      {batch && (
        <div class="results" data-testid="results">
          {batch.entries.map((entry, i) => (
            <FileCard
              key={`${batch.id}:${i}`}
              entry={entry}
              selected={i === selected}
              onSelect={batch.entries.length > 1 ? () => setSelected(i) : undefined}
            />
          ))}
        </div>
      )}

      {chosen?.status === 'done' && <ChunkTable name={chosen.file.name} digest={chosen.result.digest} />}
    </section>
  );
}

function BatchSummary({ batch }: { batch: HashBatch }) {
  const total = batch.entries.reduce((sum, e) => sum + e.file.size, 0);
  const done = batch.entries.filter((e) => e.status !== 'hashing').length;
  const workers = new Set(batch.entries.flatMap((e) => (e.status === 'done' ? [e.result.worker] : []))).size;
  const count = `${batch.entries.length} ${batch.entries.length === 1 ? 'file' : 'files'}`;
  return (
    <p
      class="summary"
      role="status"
      data-testid="batch-summary"
      data-state={batch.millis === undefined ? 'running' : 'done'}
    >
      {batch.millis === undefined
        ? `Hashing ${count} (${formatBytes(total)})… ${done} done`
        : `${count}, ${formatBytes(total)} in ${formatMillis(batch.millis)} · ${formatRate(total, batch.millis)} · ${workers} ${workers === 1 ? 'worker' : 'workers'} used`}
    </p>
  );
}
