/**
 * `NodeVolume.watch`: `fs.watch(root, { recursive: true })`, native on macOS and Windows
 * and, since Node 20, emulated on Linux with one inotify watch per directory, set up by
 * walking the tree when `watch` is called (a walk on large folders, and it counts against
 * the inotify limit). Tested on Linux with Node 20: creations in new subdirectories,
 * renames and deletions are reported.
 *
 * Events are hints, never the truth: events of temp files and of the partials directory
 * are dropped (a rename out of them reports the target), the marker's and unnamed ones
 * report `{ path: undefined }` (rescan, which also checks the marker), and so does a
 * watcher error. Watchers drop events under load, so
 * the engine should keep a slow periodic rescan even with a watch.
 */
import { watch, type FSWatcher } from 'node:fs';
import { sep } from 'node:path';
import type { Unsubscribe, VolumeChange } from '../../ports/Volume.ts';
import { rootUnavailable } from './NodeVolume.errors.ts';
import { isReservedName, TEMP_PREFIX } from './volumePaths.ts';

const fold = (s: string) => s.toLowerCase();

/**
 * Watches everything under `root`. Throws `VolumeUnavailableError` when the platform
 * refuses (root gone, inotify limit); the engine then relies on its periodic rescan.
 */
export function watchFolder(root: string, onChange: (change: VolumeChange) => void): Unsubscribe {
  let stopped = false;
  const report = (path: string | undefined) => {
    if (!stopped) onChange({ path });
  };
  let watcher: FSWatcher;
  try {
    watcher = watch(root, { recursive: true }, (_event, name) => {
      const change = changedPath(name);
      if (change !== 'ignore') report(change);
    });
  } catch (error) {
    throw rootUnavailable(error, root);
  }
  watcher.on('error', () => report(undefined));
  return () => {
    stopped = true;
    watcher.close();
  };
}

/** The folder path a watcher event names, `undefined` for "rescan", or 'ignore'. */
function changedPath(name: string | null): string | undefined | 'ignore' {
  if (!name) return undefined;
  const segments = name.split(sep);
  if (segments.some((segment) => fold(segment).startsWith(TEMP_PREFIX))) return 'ignore';
  if (segments.some((segment) => isReservedName(segment, fold))) return undefined;
  return segments.join('/');
}
