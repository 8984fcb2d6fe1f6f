/**
 * `NodeVolume`'s partial downloads (Volume.openPartial): files in `.tandem.partials/` at the
 * root, a reserved name, so `list` never yields it and the watch ignores it. Partials stay
 * there across restarts; a new `NodeVolume` on the same root finds them.
 *
 * Layout, for a path whose SHA-256 (hex) is `<id>`:
 * - `<id>.<key>.part`: the bytes of version `<key>` of the path; at most one per id.
 * - `<id>.path`: the path itself, so `partials()` can name a partial after a restart. One
 *   whose text does not hash to `<id>` was torn by a crash; its partial cannot be named and
 *   is removed.
 *
 * Each call opens the file (never following a link), works, and closes it: a handle keeps
 * no descriptor. Writes are not fsynced (the engine re-verifies what it reads back after a
 * crash); `commit` fsyncs the file, then renames it over the target, as `writeAtomically`
 * does with its temp file (NodeVolume.ts, race 1 applies). Where the target's directory is
 * on another file system (a mount point inside the folder), the rename cannot cross it and
 * `commit` copies through `writeAtomically` instead.
 *
 * `partials()` removes what it cannot name (and stray files in the directory): it is meant
 * for start-up, before downloads begin, not to run alongside `openPartial`.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InvalidPathError,
  type Expectation,
  type PartialFile,
  type VolumeEntry,
} from '../../ports/Volume.ts';
import { errnoCode, fsCall, O_NOFOLLOW, volumeError } from './NodeVolume.errors.ts';
import { writeAll } from './NodeVolume.io.ts';
import { checkPartialKey, checkRange, PARTIALS_DIR, pathSegments } from './volumePaths.ts';
import { parsePartialName, partFileName, pathFileName, type PartName } from './partialNames.ts';

/** What `NodePartials` needs from its `NodeVolume`. */
export interface PartialHost {
  /** Checks `path` and the marker. */
  begin(path: string): Promise<void>;
  checkMarker(): Promise<void>;
  /** Replaces `path` with `file` (a `.part`), as `PartialFile.commit` says. */
  commit(path: string, file: string, expect: Expectation | undefined): Promise<VolumeEntry>;
}

export class NodePartials {
  readonly #dir: string;
  readonly #host: PartialHost;

  constructor(root: string, host: PartialHost) {
    this.#dir = join(root, PARTIALS_DIR);
    this.#host = host;
  }

  async open(path: string, key: string): Promise<PartialFile> {
    await this.#host.begin(path);
    checkPartialKey(path, key);
    await this.#ensureDirectory(path);
    const id = pathId(path);
    // One partial per path: another version's is superseded.
    for (const name of await this.#names(path)) {
      const parsed = parsePartialName(name);
      if (parsed?.kind === 'part' && parsed.id === id && parsed.key !== key) {
        await this.#unlink(path, name);
      }
    }
    if ((await this.#readPath(id)) !== path) {
      await fsCall(path, () => writeFile(join(this.#dir, pathFileName(id)), path));
    }
    const file = join(this.#dir, partFileName(id, key));
    // Created if missing, kept as it is if not.
    const handle = await fsCall(path, () => open(file, constants.O_WRONLY | constants.O_CREAT | O_NOFOLLOW));
    await handle.close();
    return this.#handle(path, key, id);
  }

  async *list(): AsyncGenerator<PartialFile> {
    await this.#host.checkMarker();
    const stats = await lstat(this.#dir).catch(() => undefined);
    if (!stats) return;
    if (!stats.isDirectory()) throw notADirectory(PARTIALS_DIR);
    const names = await this.#names(PARTIALS_DIR);
    const parts = names.map(parsePartialName).filter((n): n is PartName => n?.kind === 'part');
    const withPart = new Set(parts.map((p) => p.id));
    for (const name of names) {
      const parsed = parsePartialName(name);
      const stray = !parsed || (parsed.kind === 'path' && !withPart.has(parsed.id));
      if (stray) await this.#unlink(PARTIALS_DIR, name);
    }
    for (const part of parts) {
      const path = await this.#readPath(part.id);
      if (path === undefined) {
        await this.#unlink(PARTIALS_DIR, partFileName(part.id, part.key));
        await this.#unlink(PARTIALS_DIR, pathFileName(part.id));
        continue;
      }
      await this.#host.checkMarker();
      yield this.#handle(path, part.key, part.id);
    }
  }

  #handle(path: string, key: string, id: string): PartialFile {
    const file = join(this.#dir, partFileName(id, key));
    const withFile = async <T>(flags: number, use: (handle: FileHandle) => Promise<T>): Promise<T> => {
      await this.#host.checkMarker();
      const handle = await fsCall(path, () => open(file, flags | O_NOFOLLOW));
      try {
        return await fsCall(path, () => use(handle));
      } finally {
        await handle.close().catch(() => undefined);
      }
    };
    return {
      path,
      key,
      size: () => withFile(constants.O_RDONLY, async (h) => Number((await h.stat()).size)),
      read: (offset, length) => {
        checkRange(offset, length);
        return withFile(constants.O_RDONLY, (h) => readAt(h, offset, length));
      },
      write: (offset, bytes) => {
        checkRange(offset, bytes.length);
        return withFile(constants.O_WRONLY, (h) => writeAll(h, bytes, offset));
      },
      commit: async (expect) => {
        const written = await this.#host.commit(path, file, expect);
        await this.#forgetPathIfUnused(path, id);
        return written;
      },
      discard: async () => {
        await this.#host.checkMarker();
        await this.#unlink(path, partFileName(id, key));
        await this.#forgetPathIfUnused(path, id);
      },
    };
  }

  /** Makes the partials directory if missing; refuses a link or file in its place. */
  async #ensureDirectory(path: string): Promise<void> {
    try {
      await mkdir(this.#dir);
      return;
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw volumeError(error, path);
    }
    const stats = await fsCall(path, () => lstat(this.#dir));
    if (!stats.isDirectory()) throw notADirectory(path);
  }

  async #names(path: string): Promise<string[]> {
    try {
      return await readdir(this.#dir);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw volumeError(error, path);
    }
  }

  /** The path `<id>.path` names, or `undefined` when it is missing, torn or invalid. */
  async #readPath(id: string): Promise<string | undefined> {
    let path: string;
    try {
      path = await readFile(join(this.#dir, pathFileName(id)), {
        encoding: 'utf8',
        flag: constants.O_RDONLY | O_NOFOLLOW,
      });
    } catch {
      return undefined;
    }
    if (pathId(path) !== id) return undefined;
    try {
      pathSegments(path);
    } catch {
      return undefined;
    }
    return path;
  }

  async #forgetPathIfUnused(path: string, id: string): Promise<void> {
    const names = await this.#names(path);
    if (!names.some((name) => name.startsWith(`${id}.`) && name.endsWith('.part'))) {
      await this.#unlink(path, pathFileName(id));
    }
  }

  /** Unlinks `name` in the partials directory; gone already is fine. */
  async #unlink(path: string, name: string): Promise<void> {
    try {
      await unlink(join(this.#dir, name));
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw volumeError(error, path);
    }
  }
}

/** The file name id of a folder path: SHA-256 hex, so any path fits in one name. */
function pathId(path: string): string {
  return createHash('sha256').update(path, 'utf8').digest('hex');
}

function notADirectory(path: string): InvalidPathError {
  return new InvalidPathError(
    path,
    `"${PARTIALS_DIR}" at the root is a link or a file; Tandem keeps partial downloads in that directory`,
  );
}

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const size = Number((await handle.stat()).size);
  const want = Math.max(0, Math.min(length, size - offset));
  const buffer = new Uint8Array(want);
  let filled = 0;
  while (filled < want) {
    const { bytesRead } = await handle.read(buffer, filled, want - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
