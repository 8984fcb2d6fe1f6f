/**
 * What the project uses of the File System Access API beyond TypeScript's DOM lib: the
 * WICG types (directory iteration, `queryPermission`), `FileSystemHandle.move` (Chromium;
 * optional, since other engines lack it) and `FileSystemObserver` (Chromium 129+, no
 * published types yet; https://github.com/whatwg/fs/pull/165).
 */
/// <reference types="wicg-file-system-access" />

export {};

declare global {
  interface FileSystemFileHandle {
    /** Moves (and renames) the file into `parent` as `name`. Absent outside Chromium. */
    move?(parent: FileSystemDirectoryHandle, name: string): Promise<void>;
  }

  type FileSystemChangeType = 'appeared' | 'disappeared' | 'modified' | 'moved' | 'unknown' | 'errored';

  interface FileSystemChangeRecord {
    /** The handle passed to `observe`. */
    readonly root: FileSystemHandle;
    readonly changedHandle: FileSystemHandle | null;
    /** The changed entry's path below `root`, one name per segment. */
    readonly relativePathComponents: readonly string[];
    readonly type: FileSystemChangeType;
    /** For `moved`: where it was, below `root` (absent when it came from outside). */
    readonly relativePathMovedFrom: readonly string[] | null;
  }

  interface FileSystemObserverObserveOptions {
    recursive?: boolean;
  }

  interface FileSystemObserver {
    observe(handle: FileSystemHandle, options?: FileSystemObserverObserveOptions): Promise<void>;
    unobserve(handle: FileSystemHandle): void;
    disconnect(): void;
  }

  var FileSystemObserver:
    | {
        prototype: FileSystemObserver;
        new (
          callback: (records: FileSystemChangeRecord[], observer: FileSystemObserver) => void,
        ): FileSystemObserver;
      }
    | undefined;
}
