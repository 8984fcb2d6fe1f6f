/** Timing helpers with no Node imports, so benchmark workers in the browser use them too. */

export interface Timing {
  /** The very first run: what a freshly started page or worker sees. */
  readonly firstMs: number;
  /** Median of the measured runs, after warm-up: steady state. */
  readonly medianMs: number;
}

/**
 * Times `fn` over `bytes` of input: one cold run, then warm-up runs until V8 has seen at
 * least 256 MiB (JIT tier-up follows work done: the chunk pipeline reaches its steady speed
 * in a fresh Chromium worker after ~100 MiB), then `runs` measured runs.
 */
export async function timeRuns(
  bytes: number,
  runs: number,
  fn: () => Promise<unknown> | unknown,
): Promise<Timing> {
  const once = async () => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  const firstMs = await once();
  const warmups = Math.max(1, Math.ceil(2 ** 28 / Math.max(1, bytes)) - 1);
  for (let i = 0; i < warmups; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  times.sort((a, b) => a - b);
  return { firstMs, medianMs: times[Math.floor(times.length / 2)]! };
}

/** A kernel's throughput, MB/s: cold and steady. */
export interface KernelSpeed {
  readonly first: number;
  readonly steady: number;
}

export const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
export const ratio = (value: number, reference: number) => Math.round((value / reference) * 100) / 100;
