/** Timing helpers with no Node imports, so benchmark workers in the browser use them too. */

/** Median of `runs` timings of `fn`, in milliseconds, after one warm-up run. */
export async function medianMs(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
export const ratio = (value: number, reference: number) => Math.round((value / reference) * 100) / 100;
