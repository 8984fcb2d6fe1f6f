/**
 * What the access-handle worker serves: writes and reads of OPFS files through
 * `FileSystemSyncAccessHandle`, which only dedicated workers get. A sync access handle
 * writes in place (~1,400 MB/s against ~170 MB/s for `createWritable`, which copies the
 * file into a swap file on every open: ../shared/STACK.md figures), so HandleVolume keeps
 * the partial downloads of app-private folders through it. The worker's entry point is
 * workers/accessHandle.worker.ts; the page's side, AccessHandleWorker.ts.
 *
 * A handle locks its file until `close`: no writable, move or removal meanwhile.
 */
import * as Comlink from 'comlink';

/** The part of `FileSystemSyncAccessHandle` used here; TypeScript's DOM lib leaves it out. */
interface SyncAccessHandle {
  read(into: Uint8Array, options: { at: number }): number;
  write(from: Uint8Array, options: { at: number }): number;
  getSize(): number;
  flush(): void;
  close(): void;
}

type WorkerFileHandle = FileSystemFileHandle & {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
};

/** An open handle's number, as `open` gave it. */
export type HandleId = number;

const handles = new Map<HandleId, SyncAccessHandle>();
let nextId = 1;

function handle(id: HandleId): SyncAccessHandle {
  const open = handles.get(id);
  if (!open) throw new DOMException(`access handle ${id} is closed`, 'InvalidStateError');
  return open;
}

export const accessHandleService = {
  /** Opens `file` (OPFS only; `NoModificationAllowedError` while something else has it). */
  async open(file: FileSystemFileHandle): Promise<{ id: HandleId; size: number }> {
    const opened = await (file as WorkerFileHandle).createSyncAccessHandle();
    const id = nextId++;
    handles.set(id, opened);
    return { id, size: opened.getSize() };
  },

  /** Writes all of `bytes` at `offset`; a gap before it reads as zeros. */
  write(id: HandleId, offset: number, bytes: Uint8Array): void {
    const open = handle(id);
    let done = 0;
    while (done < bytes.length) {
      const wrote = open.write(bytes.subarray(done), { at: offset + done });
      // A short write without an exception does not happen in Chromium; never loop on one.
      if (wrote <= 0) throw new DOMException(`short write at ${offset + done}`, 'InvalidStateError');
      done += wrote;
    }
  },

  /** Up to `length` bytes at `offset`; fewer past the end. */
  read(id: HandleId, offset: number, length: number): Uint8Array {
    const open = handle(id);
    const bytes = new Uint8Array(Math.max(0, Math.min(length, open.getSize() - offset)));
    const read = bytes.length > 0 ? open.read(bytes, { at: offset }) : 0;
    const out = read === bytes.length ? bytes : bytes.slice(0, read);
    return Comlink.transfer(out, [out.buffer]);
  },

  flush(id: HandleId): void {
    handle(id).flush();
  },

  /** Flushes and closes; an unknown id is already closed. */
  close(id: HandleId): void {
    const open = handles.get(id);
    handles.delete(id);
    try {
      open?.flush();
    } finally {
      open?.close();
    }
  },
};

export type AccessHandleService = typeof accessHandleService;
