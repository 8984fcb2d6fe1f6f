/**
 * `HandleVolume`'s partial downloads: files in `.tandem.partials/` at the root (reserved by
 * its prefix, so never listed, watched or synced), as NodeVolume keeps them: `<id>.path`
 * holds the folder path (id = its SHA-256 hex) and `<id>.<key>.part` the bytes.
 *
 * The bytes are kept as HandleVolume.partialBytes.ts says: in place through a sync access
 * handle in a worker for folders in OPFS, else through writables flushed by swap copies.
 * Calls on one partial run one at a time.
 */
import {
  InvalidPathError,
  NotFoundError,
  type Expectation,
  type PartialFile,
  type VolumeEntry,
} from '../../ports/Volume.ts';
import { fsCall, isDom, sha256Hex, volumeError } from './HandleVolume.dom.ts';
import { checkPartialKey, checkRange, PARTIALS_DIR, pathSegments } from './volumePaths.ts';
import { parsePartialName, partFileName, pathFileName, type PartName } from './partialNames.ts';
import type { AccessHandles } from './AccessHandleWorker.ts';
import { AccessHandleBytes, WritableBytes, type PartialBytes } from './HandleVolume.partialBytes.ts';

/** Idle time after which a partial is flushed and let go of, so a reload keeps what it wrote. */
const IDLE_MS = 1000;

/** What `HandlePartials` needs from its `HandleVolume`. */
export interface PartialHost {
  /** Checks `path` and the marker. */
  begin(path: string): Promise<void>;
  checkMarker(): Promise<void>;
  /** Replaces `path` with `part`, as `PartialFile.commit` says; `part` stays on failure. */
  commit(path: string, part: FileSystemFileHandle, expect: Expectation | undefined): Promise<VolumeEntry>;
  /** The access-handle worker, for a folder in OPFS; `undefined` elsewhere. */
  accessHandles(): Promise<AccessHandles | undefined>;
}

/** One partial file in use: its bytes and the queue its calls wait in. */
class Session {
  #queue: Promise<unknown> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  closed = false;

  constructor(
    readonly file: FileSystemFileHandle,
    readonly bytes: PartialBytes,
  ) {}

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    await this.bytes.write(offset, bytes);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (!this.closed) void this.run(() => this.bytes.idle()).catch(() => undefined);
    }, IDLE_MS);
  }

  /** Flushes and lets go of the file (before a commit). */
  release(): Promise<void> {
    clearTimeout(this.#timer);
    return this.bytes.release();
  }

  /** Drops unflushed bytes and stops the timer (the file is about to go). */
  async abandon(): Promise<void> {
    this.closed = true;
    clearTimeout(this.#timer);
    await this.bytes.abandon();
  }
}

export class HandlePartials {
  readonly #root: FileSystemDirectoryHandle;
  readonly #host: PartialHost;
  readonly #sessions = new Map<string, Session>();

  constructor(root: FileSystemDirectoryHandle, host: PartialHost) {
    this.#root = root;
    this.#host = host;
  }

  async open(path: string, key: string): Promise<PartialFile> {
    await this.#host.begin(path);
    checkPartialKey(path, key);
    const dir = await this.#directory(path, true);
    const id = await sha256Hex(path);
    // One partial per path: another version's is superseded.
    for (const name of await this.#names(dir!, path)) {
      const parsed = parsePartialName(name);
      if (parsed?.kind === 'part' && parsed.id === id && parsed.key !== key)
        await this.#remove(dir!, path, name);
    }
    if ((await this.#readPath(dir!, id)) !== path) {
      const handle = await fsCall(path, () => dir!.getFileHandle(pathFileName(id), { create: true }));
      const writable = await fsCall(path, () => handle.createWritable());
      await fsCall(path, async () => {
        await writable.write(path);
        await writable.close();
      });
    }
    await fsCall(path, () => dir!.getFileHandle(partFileName(id, key), { create: true }));
    return this.#handle(path, key, id);
  }

  async *list(): AsyncGenerator<PartialFile> {
    await this.#host.checkMarker();
    const dir = await this.#directory(PARTIALS_DIR, false);
    if (!dir) return;
    const names = await this.#names(dir, PARTIALS_DIR);
    const parts = names.map(parsePartialName).filter((n): n is PartName => n?.kind === 'part');
    const withPart = new Set(parts.map((p) => p.id));
    for (const name of names) {
      const parsed = parsePartialName(name);
      const stray = !parsed || (parsed.kind === 'path' && !withPart.has(parsed.id));
      if (stray && !name.endsWith('.crswap')) await this.#remove(dir, PARTIALS_DIR, name);
    }
    for (const part of parts) {
      const path = await this.#readPath(dir, part.id);
      if (path === undefined) {
        await this.#remove(dir, PARTIALS_DIR, partFileName(part.id, part.key));
        await this.#remove(dir, PARTIALS_DIR, pathFileName(part.id));
        continue;
      }
      await this.#host.checkMarker();
      yield this.#handle(path, part.key, part.id);
    }
  }

  #handle(path: string, key: string, id: string): PartialFile {
    const name = partFileName(id, key);
    const withSession = async <T>(use: (session: Session) => Promise<T>): Promise<T> => {
      await this.#host.checkMarker();
      const session = await this.#session(path, name);
      return session.run(() => {
        if (session.closed) throw new NotFoundError(path);
        return fsCall(path, () => use(session));
      });
    };
    return {
      path,
      key,
      size: () => withSession(async (s) => s.bytes.size),
      read: (offset, length) => {
        checkRange(offset, length);
        return withSession((s) => s.bytes.read(offset, length));
      },
      write: (offset, bytes) => {
        checkRange(offset, bytes.length);
        return withSession((s) => s.write(offset, bytes));
      },
      commit: (expect) =>
        withSession(async (s) => {
          await s.release();
          const written = await this.#host.commit(path, s.file, expect);
          await this.#forget(path, name);
          await this.#forgetPathIfUnused(path, id);
          return written;
        }),
      discard: async () => {
        await this.#host.checkMarker();
        await this.#forget(path, name);
        await this.#forgetPathIfUnused(path, id);
      },
    };
  }

  /** The session of the partial file `name`; `NotFoundError` once the file is gone. */
  async #session(path: string, name: string): Promise<Session> {
    const known = this.#sessions.get(name);
    if (known && !known.closed) return known;
    const dir = await this.#directory(path, false);
    if (!dir) throw new NotFoundError(path);
    const file = await fsCall(path, () => dir.getFileHandle(name));
    const size = (await fsCall(path, () => file.getFile())).size;
    const handles = await this.#host.accessHandles();
    const again = this.#sessions.get(name); // opened by a concurrent call meanwhile
    if (again && !again.closed) return again;
    const bytes = handles ? new AccessHandleBytes(file, size, handles) : new WritableBytes(file, size);
    const session = new Session(file, bytes);
    this.#sessions.set(name, session);
    return session;
  }

  /** Ends the session of `name` (unflushed bytes dropped) and removes its file. */
  async #forget(path: string, name: string): Promise<void> {
    const session = this.#sessions.get(name);
    this.#sessions.delete(name);
    await session?.abandon();
    const dir = await this.#directory(path, false);
    if (dir) await this.#remove(dir, path, name);
  }

  /** The partials directory, made if `create`; `undefined` if missing. Refuses a file there. */
  async #directory(path: string, create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
    try {
      return await this.#root.getDirectoryHandle(PARTIALS_DIR, { create });
    } catch (error) {
      if (isDom(error, 'NotFoundError') && !create) return undefined;
      if (isDom(error, 'TypeMismatchError')) {
        throw new InvalidPathError(
          path,
          `"${PARTIALS_DIR}" at the root is a file; Tandem keeps partial downloads in that directory`,
          { cause: error },
        );
      }
      throw volumeError(error, path);
    }
  }

  async #names(dir: FileSystemDirectoryHandle, path: string): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const name of dir.keys()) names.push(name);
    } catch (error) {
      if (isDom(error, 'NotFoundError')) return [];
      throw volumeError(error, path);
    }
    return names;
  }

  /** The path `<id>.path` names, or `undefined` when it is missing, torn or invalid. */
  async #readPath(dir: FileSystemDirectoryHandle, id: string): Promise<string | undefined> {
    let path: string;
    try {
      path = await (await (await dir.getFileHandle(pathFileName(id))).getFile()).text();
      pathSegments(path);
    } catch {
      return undefined;
    }
    return (await sha256Hex(path)) === id ? path : undefined;
  }

  async #forgetPathIfUnused(path: string, id: string): Promise<void> {
    const dir = await this.#directory(path, false);
    if (!dir) return;
    const names = await this.#names(dir, path);
    if (!names.some((name) => name.startsWith(`${id}.`) && name.endsWith('.part'))) {
      await this.#remove(dir, path, pathFileName(id));
    }
  }

  /** Removes `name` from the partials directory (ending its session); gone already is fine. */
  async #remove(dir: FileSystemDirectoryHandle, path: string, name: string): Promise<void> {
    const session = this.#sessions.get(name);
    if (session) {
      this.#sessions.delete(name);
      await session.abandon();
    }
    try {
      await dir.removeEntry(name);
    } catch (error) {
      if (!isDom(error, 'NotFoundError')) throw volumeError(error, path);
    }
  }
}
