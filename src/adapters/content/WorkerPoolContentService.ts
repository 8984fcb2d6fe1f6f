/**
 * ContentService on a pool of module workers (workers/content.worker.ts). Jobs wait in
 * one FIFO queue and go to the least busy worker, so a batch of files spreads over the
 * pool while a single file runs on one worker (chunking a file is sequential). Each
 * worker holds up to `filesPerWorker` files, so reading one overlaps hashing another.
 *
 * Read mode: `async` (`Blob.slice().arrayBuffer()`) is the default. `sync` (`FileReaderSync`)
 * measured the same within noise in Chromium 156 (20 MiB file, one worker: ~345–360 MB/s
 * both), and `async` also works outside dedicated workers.
 */
import * as Comlink from 'comlink';
import type {
  ContentService,
  ContentSource,
  HashedContent,
  HashOutcome,
} from '../../ports/ContentService.ts';
import type { BlobReadMode } from './BlobByteSource.ts';
import { unpackDigest } from './packedDigest.ts';
import type { ContentWorkerService } from './contentWorkerService.ts';

export interface WorkerPoolOptions {
  /** Number of workers; default `navigator.hardwareConcurrency`, at least 1. */
  readonly size?: number;
  /**
   * Files each worker holds at once. Default 2: while one file waits for its bytes (the
   * browser process serves them), the other is being hashed. Measured on 1 MiB files.
   */
  readonly filesPerWorker?: number;
  /** How workers read file slices. Default `async`. */
  readonly read?: BlobReadMode;
  /** Makes one worker; tests may substitute. Default: the bundled content worker. */
  readonly createWorker?: () => Worker;
  /** Milliseconds since some origin; default `performance.now`. */
  readonly now?: () => number;
}

interface Job {
  readonly source: ContentSource;
  readonly resolve: (result: HashedContent) => void;
  readonly reject: (error: Error) => void;
}

interface PoolWorker {
  readonly index: number;
  readonly worker: Worker;
  readonly remote: Comlink.Remote<ContentWorkerService>;
  /** Files this worker is hashing now. */
  active: number;
}

/** The pool was disposed while a job waited or ran. */
export class PoolDisposedError extends Error {
  constructor() {
    super('the content worker pool was shut down before this file was hashed');
    this.name = 'PoolDisposedError';
  }
}

function defaultWorker(): Worker {
  return new Worker(new URL('../../../workers/content.worker.ts', import.meta.url), {
    type: 'module',
    name: 'tandem-content',
  });
}

export class WorkerPoolContentService implements ContentService {
  readonly concurrency: number;
  private readonly workers: PoolWorker[];
  private readonly queue: Job[] = [];
  private readonly running = new Set<Job>();
  private readonly read: BlobReadMode;
  private readonly filesPerWorker: number;
  private readonly now: () => number;
  private disposed = false;

  constructor(options: WorkerPoolOptions = {}) {
    const size = options.size ?? globalThis.navigator?.hardwareConcurrency ?? 1;
    this.concurrency = Math.max(1, Math.floor(size) || 1);
    this.filesPerWorker = Math.max(1, Math.floor(options.filesPerWorker ?? 2) || 1);
    this.read = options.read ?? 'async';
    this.now = options.now ?? (() => performance.now());
    const create = options.createWorker ?? defaultWorker;
    this.workers = Array.from({ length: this.concurrency }, (_, index) => {
      const worker = create();
      return { index, worker, remote: Comlink.wrap<ContentWorkerService>(worker), active: 0 };
    });
  }

  hashFile(source: ContentSource): Promise<HashedContent> {
    if (this.disposed) return Promise.reject(new PoolDisposedError());
    return new Promise((resolve, reject) => {
      this.queue.push({ source, resolve, reject });
      this.pump();
    });
  }

  hashFiles(sources: readonly ContentSource[]): Promise<HashOutcome[]> {
    return Promise.all(
      sources.map((source) =>
        this.hashFile(source).then(
          (result): HashOutcome => ({ ok: true, ...result }),
          (error: unknown): HashOutcome => ({ ok: false, error: asError(error) }),
        ),
      ),
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const { worker, remote } of this.workers) {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    }
    for (const job of [...this.queue.splice(0), ...this.running]) job.reject(new PoolDisposedError());
    this.running.clear();
  }

  /**
   * Starts queued jobs, oldest first: every worker gets a first file before any gets a
   * second, lowest worker index first.
   */
  private pump(): void {
    for (let depth = 1; depth <= this.filesPerWorker; depth++) {
      for (const slot of this.workers) {
        if (this.disposed || this.queue.length === 0) return;
        if (slot.active < depth) this.start(slot, this.queue.shift()!);
      }
    }
  }

  private start(slot: PoolWorker, job: Job): void {
    slot.active++;
    this.running.add(job);
    const started = this.now();
    slot.remote
      .digest(job.source, this.read)
      .then(
        (packed) => {
          if (!this.running.delete(job)) return; // disposed meanwhile; already rejected
          job.resolve({ digest: unpackDigest(packed), worker: slot.index, millis: this.now() - started });
        },
        (error: unknown) => {
          if (this.running.delete(job)) job.reject(asError(error));
        },
      )
      .finally(() => {
        slot.active--;
        this.pump();
      });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
