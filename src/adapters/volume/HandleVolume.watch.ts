/**
 * `HandleVolume.watch`: a `FileSystemObserver` over the root, recursive. Its records are
 * hints, never the truth: records under Tandem's own temporary names, the partials
 * directory and Chromium's swap files are dropped (a move out of them reports its target);
 * the marker's, `unknown` and `errored` records, and a failed `observe`, report
 * `{ path: undefined }` (rescan, which also checks the marker).
 */
import type { Unsubscribe, VolumeChange } from '../../ports/Volume.ts';
import { fold, SWAP_SUFFIX } from './HandleVolume.dom.ts';
import { isReservedName, TEMP_PREFIX } from './volumePaths.ts';

/** Watches everything under `root`; the caller checked that `FileSystemObserver` exists. */
export function observeFolder(
  root: FileSystemDirectoryHandle,
  onChange: (change: VolumeChange) => void,
): Unsubscribe {
  let stopped = false;
  const report = (path: string | undefined) => {
    if (!stopped) onChange({ path });
  };
  const Observer = FileSystemObserver!;
  const observer = new Observer((records) => {
    for (const record of records) {
      if (record.type === 'unknown' || record.type === 'errored') {
        report(undefined);
        continue;
      }
      const paths = [record.relativePathComponents];
      if (record.type === 'moved' && record.relativePathMovedFrom) paths.push(record.relativePathMovedFrom);
      for (const segments of paths) {
        const change = changedPath(segments);
        if (change !== 'ignore') report(change);
      }
    }
  });
  observer.observe(root, { recursive: true }).catch(() => report(undefined));
  return () => {
    stopped = true;
    observer.disconnect();
  };
}

/** The folder path a record names, `undefined` for "rescan", or 'ignore'. */
function changedPath(segments: readonly string[]): string | undefined | 'ignore' {
  if (segments.length === 0) return undefined;
  const folded = segments.map(fold);
  if (folded.some((s) => s.startsWith(TEMP_PREFIX) || s.endsWith(SWAP_SUFFIX))) return 'ignore';
  if (segments.some((s) => isReservedName(s, fold))) return undefined;
  return segments.join('/');
}
