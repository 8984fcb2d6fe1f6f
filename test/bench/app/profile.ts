/**
 * Where a page's main thread spends a workload (BENCH_APP_PROFILE=1): a CPU profile through
 * the DevTools protocol's Profiler, summarised as the share of the window the thread was
 * busy and the functions with the most self time. Workers are not in it: a mostly idle
 * main thread says the time goes to waiting (round trips, storage, workers), not to it.
 */
import type { Page } from 'playwright-core';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileSummary {
  readonly windowMs: number;
  /** Share of the window spent in anything but idle, GC included. */
  readonly busyShare: number;
  readonly gcMs: number;
  /** Self time by function, most first. */
  readonly top: readonly { readonly fn: string; readonly ms: number }[];
}

const IDLE = new Set(['(idle)', '(program)']);

/** Starts profiling `page`; the returned function stops and summarises. */
export async function startProfile(page: Page): Promise<() => Promise<ProfileSummary>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
    await cdp.detach();
    return summarise(profile);
  };
}

function summarise(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let busy = 0;
  let gc = 0;
  samples.forEach((id, i) => {
    const ms = (deltas[i + 1] ?? 0) / 1000;
    const frame = byId.get(id)?.callFrame;
    if (!frame || IDLE.has(frame.functionName)) return;
    busy += ms;
    if (frame.functionName === '(garbage collector)') gc += ms;
    const file = frame.url.split('/').at(-1) ?? '';
    const key = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + ms);
  });
  const windowMs = (profile.endTime - profile.startTime) / 1000;
  return {
    windowMs: Math.round(windowMs),
    busyShare: Math.round((busy / Math.max(1, windowMs)) * 100) / 100,
    gcMs: Math.round(gc),
    top: [...self.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 12)
      .map(([fn, ms]) => ({ fn, ms: Math.round(ms) })),
  };
}
