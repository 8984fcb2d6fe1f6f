/**
 * The bench's file content, and the OPFS creation reference through sync access handles:
 * a dedicated worker made from a Blob (the reference page has no CSP), writing the same
 * files with the same bytes as the page's createWritable path.
 */

/** One file to write: folder-relative path, size, and the seed of its content. */
export interface FileSpec {
  readonly path: string;
  readonly size: number;
  readonly seed: number;
}

/** Deterministic bytes (xorshift32 from `seed`), `size` long. */
export function randomBytes(seed: number, size: number): Uint8Array<ArrayBuffer> {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = (seed * 0x9e3779b1 + 1) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, size);
}

/** The worker's code: plain JS, since it is handed over as text. */
const WORKER_SOURCE = `
const randomBytes = ${randomBytes.toString()};
onmessage = async (event) => {
  const { dir, files } = event.data;
  try {
    const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(dir, { create: true });
    const started = performance.now();
    for (const spec of files) {
      const parts = spec.path.split('/');
      let parent = root;
      for (const part of parts.slice(0, -1)) parent = await parent.getDirectoryHandle(part, { create: true });
      const handle = await (await parent.getFileHandle(parts.at(-1), { create: true })).createSyncAccessHandle();
      handle.write(randomBytes(spec.seed * 65537, spec.size), { at: 0 });
      handle.flush();
      handle.close();
    }
    postMessage({ ms: performance.now() - started });
  } catch (error) {
    postMessage({ error: String(error) });
  }
};
`;

/** Writes `files` into OPFS `dir` from a worker through sync access handles; resolves with ms. */
export function createWithSyncHandles(dir: string, files: readonly FileSpec[]): Promise<number> {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  return new Promise<number>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<{ ms?: number; error?: string }>) => {
      if (event.data.ms !== undefined) resolve(event.data.ms);
      else reject(new Error(event.data.error ?? 'the worker failed'));
    };
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage({ dir, files });
  }).finally(() => {
    worker.terminate();
    URL.revokeObjectURL(url);
  });
}
