/**
 * Hashes a batch of files through the ContentService and keeps one entry per file, updated
 * as each finishes, so the first results show while the pool works on the rest. A new
 * batch replaces the old one; results of a replaced batch are dropped.
 */
import { useCallback, useRef, useState } from 'preact/hooks';
import type { HashedContent } from '../ports/ContentService.ts';
import { useContentService } from './services.ts';

export type FileEntry =
  | { readonly status: 'hashing'; readonly file: File }
  | { readonly status: 'done'; readonly file: File; readonly result: HashedContent }
  | { readonly status: 'failed'; readonly file: File; readonly error: Error };

export interface HashBatch {
  readonly id: number;
  readonly entries: readonly FileEntry[];
  /** Milliseconds from the start of the batch to its last result; undefined while running. */
  readonly millis?: number;
}

export function useHashBatch(): { batch: HashBatch | null; hash: (files: readonly File[]) => void } {
  const content = useContentService();
  const [batch, setBatch] = useState<HashBatch | null>(null);
  const current = useRef(0);

  const hash = useCallback(
    (files: readonly File[]) => {
      if (files.length === 0) return;
      const id = ++current.current;
      const started = performance.now();
      let left = files.length;
      setBatch({ id, entries: files.map((file) => ({ status: 'hashing', file })) });

      const settle = (index: number, entry: FileEntry): void => {
        if (current.current !== id) return;
        left--;
        const millis = left === 0 ? performance.now() - started : undefined;
        setBatch((prev) =>
          prev === null || prev.id !== id
            ? prev
            : { id, millis, entries: prev.entries.map((e, i) => (i === index ? entry : e)) },
        );
      };

      files.forEach((file, index) => {
        content.hashFile(file).then(
          (result) => settle(index, { status: 'done', file, result }),
          (error: unknown) =>
            settle(index, {
              status: 'failed',
              file,
              error: error instanceof Error ? error : new Error(String(error)),
            }),
        );
      });
    },
    [content],
  );

  return { batch, hash };
}
