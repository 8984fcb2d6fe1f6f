/**
 * The page's side of the access-handle worker (accessHandleService.ts): one worker for
 * every HandleVolume of the page. Errors come back as the `DOMException`s the worker
 * threw, so HandleVolume maps them as it maps its own calls' errors.
 */
import * as Comlink from 'comlink';
import type { AccessHandleService, HandleId } from './accessHandleService.ts';

/** In-place reads and writes of OPFS files, as HandleVolume's partials use them. */
export interface AccessHandles {
  open(file: FileSystemFileHandle): Promise<{ id: HandleId; size: number }>;
  write(id: HandleId, offset: number, bytes: Uint8Array): Promise<void>;
  read(id: HandleId, offset: number, length: number): Promise<Uint8Array>;
  flush(id: HandleId): Promise<void>;
  close(id: HandleId): Promise<void>;
}

function defaultWorker(): Worker {
  return new Worker(new URL('../../../workers/accessHandle.worker.ts', import.meta.url), {
    type: 'module',
    name: 'tandem-access-handles',
  });
}

/** Comlink hands a thrown `DOMException` over as an `Error` with its name: make it one again. */
async function asDom<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof Error && !(error instanceof DOMException) && error.name !== 'Error') {
      throw new DOMException(error.message, error.name);
    }
    throw error;
  }
}

/** Started at the first call: a page whose folders are all picked ones never needs it. */
export class AccessHandleWorker implements AccessHandles {
  readonly #create: () => Worker;
  #started: { readonly worker: Worker; readonly remote: Comlink.Remote<AccessHandleService> } | undefined;
  #terminated = false;

  constructor(create: () => Worker = defaultWorker) {
    this.#create = create;
  }

  open(file: FileSystemFileHandle): Promise<{ id: HandleId; size: number }> {
    return asDom(this.#remote().open(file));
  }

  write(id: HandleId, offset: number, bytes: Uint8Array): Promise<void> {
    // A copy is handed over: the caller may hold on to its bytes, and a view would carry its
    // whole buffer (a chunk sliced from a 4 MiB read, say) to the worker.
    const copy = bytes.slice();
    return asDom(this.#remote().write(id, offset, Comlink.transfer(copy, [copy.buffer])));
  }

  read(id: HandleId, offset: number, length: number): Promise<Uint8Array> {
    return asDom(this.#remote().read(id, offset, length));
  }

  flush(id: HandleId): Promise<void> {
    return asDom(this.#remote().flush(id));
  }

  close(id: HandleId): Promise<void> {
    return asDom(this.#remote().close(id));
  }

  /** Stops the worker; its handles close with it (as a reload closes them). Once is enough. */
  terminate(): void {
    this.#terminated = true;
    this.#started?.remote[Comlink.releaseProxy]();
    this.#started?.worker.terminate();
    this.#started = undefined;
  }

  #remote(): Comlink.Remote<AccessHandleService> {
    if (this.#terminated) throw new DOMException('the access-handle worker was stopped', 'InvalidStateError');
    if (!this.#started) {
      const worker = this.#create();
      this.#started = { worker, remote: Comlink.wrap<AccessHandleService>(worker) };
    }
    return this.#started.remote;
  }
}
