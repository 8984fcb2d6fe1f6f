/**
 * The engine's `HashFile` over the content worker pool: a source that carries its Blob
 * (a browser File) is chunked and hashed in a worker, so a scan never hashes on the page's
 * main thread; any other source is hashed here by `fallback`.
 *
 * A File read after the file changed fails in the worker with the platform's
 * `NotReadableError` (or `NotFoundError` once it is gone); both mean "changed while being
 * read", which the scan treats as "look again next time", so they become
 * `ChangedMeanwhileError` here. Errors cross the worker boundary by name only.
 */
import type { FileDigest } from '../../core/content/chunk.ts';
import type { HashFile } from '../../core/engine/scan.ts';
import type { ContentService } from '../../ports/ContentService.ts';
import { ChangedMeanwhileError, type FileSource } from '../../ports/Volume.ts';

const CHANGED = new Set(['NotReadableError', 'NotFoundError', 'SourceChangedError']);

export function poolHashFile(
  content: Pick<ContentService, 'hashFile'>,
  fallback: (source: FileSource) => Promise<FileDigest>,
): HashFile {
  return async (source, path) => {
    if (source.blob === undefined) return fallback(source);
    try {
      return (await content.hashFile(source.blob)).digest;
    } catch (error) {
      if (error instanceof Error && CHANGED.has(error.name))
        throw new ChangedMeanwhileError(path, undefined, undefined, { cause: error });
      throw error;
    }
  };
}
