/**
 * The app benchmark's references, measured in the same browser and run as the app: a raw
 * RTCDataChannel between two harness pages (transportBrowser.ts's reference: paced on
 * `bufferedAmount` against the same high-water mark, the receiver only counting bytes),
 * and the rate at which a page creates the same small files in OPFS by itself
 * (createWritable, one at a time; and sync access handles in a worker).
 */
import type { Page } from 'playwright-core';
import { connectRaw } from '../../support/webrtcBrowser.ts';
import { mbps } from '../timing.ts';
import type { FileSpec } from './probe.ts';

const KiB = 1024;
const HIGH_WATER_MARK = 1024 * KiB;
/** The message sizes measured: the adapter's frame size, and Chromium's largest message. */
export const RAW_SIZES = [64 * KiB, 256 * KiB] as const;

export interface RawChannel {
  /** MB/s of one run of `total` bytes in messages of `size`. */
  run(size: number, total: number): Promise<number>;
}

/** Opens the raw channel between two harness pages and warms it up (JIT, congestion window). */
export async function openRawChannel(a: Page, b: Page): Promise<RawChannel> {
  await connectRaw(a, b, HIGH_WATER_MARK);
  const run = async (size: number, total: number) => {
    const timeoutMs = 120_000;
    await b.evaluate(([t, ms]) => window.tandemRtc.benchArm('raw', t, ms), [total, timeoutMs] as const);
    const sent = await a.evaluate(([t, s]) => window.tandemRtc.rawBenchSend(t, s), [total, size] as const);
    const doneAt = await b.evaluate(() => window.tandemRtc.benchFinish());
    return mbps(sent.bytes, doneAt - sent.startedAt);
  };
  for (const size of RAW_SIZES) await run(size, 16 * 1024 * KiB);
  return { run };
}

/** The raw channel's MB/s at each size, `total` bytes a run: one run per size. */
export async function rawRound(raw: RawChannel, total: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const size of RAW_SIZES) out[String(size)] = await raw.run(size, Math.ceil(total / size) * size);
  return out;
}

export interface OpfsReference {
  /** Files per second, createWritable from the page, one file at a time. */
  readonly createWritable: number;
  /** Files per second, createSyncAccessHandle in a dedicated worker, one at a time. */
  readonly syncAccessHandle: number;
}

/** Creates `files` in a scratch OPFS directory of `page` both ways, removing them after. */
export async function opfsReference(page: Page, files: readonly FileSpec[]): Promise<OpfsReference> {
  const timed = async (dir: string, how: 'writable' | 'sync') => {
    await page.evaluate((d) => window.tandemAppBench.remove(d), dir);
    const ms = await page.evaluate(
      ([d, f, h]) =>
        h === 'sync' ? window.tandemAppBench.fillWithSyncHandles(d, f) : window.tandemAppBench.fill(d, f),
      [dir, files, how] as const,
    );
    await page.evaluate((d) => window.tandemAppBench.remove(d), dir);
    return files.length / (ms / 1000);
  };
  return {
    createWritable: await timed('ref-writable', 'writable'),
    syncAccessHandle: await timed('ref-sync', 'sync'),
  };
}
