import * as Comlink from 'comlink';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  contentWorkerService,
  type ContentWorkerService,
} from '../../../src/adapters/content/contentWorkerService.ts';
import {
  PoolDisposedError,
  WorkerPoolContentService,
} from '../../../src/adapters/content/WorkerPoolContentService.ts';
import { describeContentServiceContract } from '../../contracts/contentService.ts';

/**
 * A stand-in for a Web Worker: the real worker service, served over a Node message port,
 * so the pool's queueing, Comlink calls and transfers run for real under Node.
 */
function portWorker(service: ContentWorkerService = contentWorkerService): Worker {
  const { port1, port2 } = new MessageChannel();
  Comlink.expose(service, port2 as unknown as Comlink.Endpoint);
  const worker = port1 as MessagePort & { terminate(): void };
  worker.terminate = () => {
    port1.close();
    port2.close();
  };
  return worker as unknown as Worker;
}

describeContentServiceContract(
  'WorkerPoolContentService',
  () => new WorkerPoolContentService({ size: 2, createWorker: () => portWorker() }),
);

describe('WorkerPoolContentService', () => {
  it('spreads a batch over its workers', async () => {
    const pool = new WorkerPoolContentService({ size: 2, createWorker: () => portWorker() });
    try {
      const outcomes = await pool.hashFiles(
        Array.from({ length: 6 }, () => new Blob([new Uint8Array(200_000)])),
      );
      expect(new Set(outcomes.map((o) => (o.ok ? o.worker : -1)))).toEqual(new Set([0, 1]));
    } finally {
      pool.dispose();
    }
  });

  it('reports a file that cannot be read as data, and hashes the rest', async () => {
    // A worker whose disk fails on files of exactly 13 bytes.
    const failing: ContentWorkerService = {
      digest: (blob, read) =>
        blob.size === 13
          ? Promise.reject(new Error('NotReadableError: the file changed on disk'))
          : contentWorkerService.digest(blob, read),
    };
    const pool = new WorkerPoolContentService({ size: 2, createWorker: () => portWorker(failing) });
    try {
      const outcomes = await pool.hashFiles([new Blob(['a']), new Blob(['thirteen byte']), new Blob(['c'])]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
      const failed = outcomes[1]!;
      expect(!failed.ok && failed.error.message).toMatch(/changed on disk/);
    } finally {
      pool.dispose();
    }
  });

  it('gives each worker a second file only once every worker has one', async () => {
    const started: string[] = [];
    const recording = (name: string): ContentWorkerService => ({
      digest: () => {
        started.push(name);
        return new Promise(() => {});
      },
    });
    const names = ['w0', 'w1'];
    let made = 0;
    const pool = new WorkerPoolContentService({
      size: 2,
      filesPerWorker: 2,
      createWorker: () => portWorker(recording(names[made++]!)),
    });
    const files = Array.from({ length: 5 }, (_, i) => pool.hashFile(new Blob([String(i)])).catch(() => {}));
    await expect.poll(() => started.length).toBe(4);
    expect(started.sort()).toEqual(['w0', 'w0', 'w1', 'w1']);
    pool.dispose();
    await Promise.all(files);
  });

  it('rejects running and queued files when disposed mid-batch', async () => {
    const never: ContentWorkerService = { digest: () => new Promise(() => {}) };
    const pool = new WorkerPoolContentService({ size: 1, createWorker: () => portWorker(never) });
    const running = pool.hashFile(new Blob(['running']));
    const queued = pool.hashFile(new Blob(['queued']));
    pool.dispose();
    await expect(running).rejects.toBeInstanceOf(PoolDisposedError);
    await expect(queued).rejects.toBeInstanceOf(PoolDisposedError);
  });
});
