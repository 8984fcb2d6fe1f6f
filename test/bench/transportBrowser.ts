/**
 * WebRtcTransport throughput between two Chromium contexts, next to a raw RTCDataChannel
 * between the same two pages in the same run (issue 4, item 7). Chromium runs in a
 * private network namespace (test/support/netns-chromium.sh): the link is the kernel's
 * loopback path, nothing leaves. Both senders pace on `bufferedAmount` against the same
 * high-water mark and both receivers only count bytes, so the difference is the adapter:
 * framing, copies, simple-peer's stream, reassembly. Raw and adapter runs alternate, so
 * a neighbour's load on this shared machine hits both alike.
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import {
  connectRaw,
  connectTransports,
  launchNetnsChromium,
  PAGE_ORIGIN,
  serveDirectory,
} from '../support/webrtcBrowser.ts';
import { mbps, ratio, type Table } from './report.ts';

const config = fileURLToPath(new URL('../e2e/harness/vite.config.ts', import.meta.url));
const dist = fileURLToPath(new URL('../../.tmp/e2e-harness-dist', import.meta.url));
const KiB = 1024;
const HIGH_WATER_MARK = 1024 * KiB;
/** Chromium's largest data-channel message: the raw reference for bigger adapter messages. */
const RAW_MAX_MESSAGE = 256 * KiB;
const SIZES = [16 * KiB, 64 * KiB, 256 * KiB, 1024 * KiB];
const RUNS = 5;

export interface TransportFigures {
  readonly totalBytes: number;
  readonly highWaterMark: number;
  /** Per adapter message size: the raw message size, median MB/s of each, median of the runs' ratios. */
  readonly sizes: Record<
    string,
    {
      readonly rawMessageBytes: number;
      readonly raw: number;
      readonly adapter: number;
      readonly ratio: number;
    }
  >;
}

type Channel = 'raw' | 'transport';

/** One run: `total` bytes from `a` to `b` in messages of `size`; MB/s from first send to last byte. */
async function run(a: Page, b: Page, channel: Channel, total: number, size: number): Promise<number> {
  const timeoutMs = 120_000;
  await b.evaluate(([c, t, ms]) => window.tandemRtc.benchArm(c, t, ms), [channel, total, timeoutMs] as const);
  const sent = await a.evaluate(
    ([c, t, s]) => (c === 'raw' ? window.tandemRtc.rawBenchSend(t, s) : window.tandemRtc.benchSend(t, s)),
    [channel, total, size] as const,
  );
  const doneAt = await b.evaluate(() => window.tandemRtc.benchFinish());
  return mbps(sent.bytes, doneAt - sent.startedAt);
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

export async function benchTransportBrowser(
  totalBytes: number,
): Promise<{ tables: Table[]; figures: TransportFigures }> {
  await build({ configFile: config });
  const browser = await launchNetnsChromium();
  try {
    const pages: Page[] = [];
    for (let i = 0; i < 2; i++) {
      const context = await browser.newContext();
      await serveDirectory(context, dist);
      const page = await context.newPage();
      await page.goto(`${PAGE_ORIGIN}/webrtc.html`);
      await page.waitForFunction(() => 'tandemRtc' in window);
      pages.push(page);
    }
    const [a, b] = pages as [Page, Page];
    await connectTransports(a, b, HIGH_WATER_MARK);
    await connectRaw(a, b, HIGH_WATER_MARK);

    const sizes: TransportFigures['sizes'] = {};
    for (const size of SIZES) {
      const rawSize = Math.min(size, RAW_MAX_MESSAGE);
      const total = Math.ceil(totalBytes / size) * size;
      // Warm-up: JIT and SCTP's congestion window, for both.
      await run(a, b, 'raw', Math.min(total, 16 * 1024 * KiB), rawSize);
      await run(a, b, 'transport', Math.min(total, 16 * 1024 * KiB), size);
      const raw: number[] = [];
      const adapter: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        // Each pair runs back to back, in alternating order: the pair's ratio is what counts.
        if (i % 2 === 0) raw.push(await run(a, b, 'raw', total, rawSize));
        adapter.push(await run(a, b, 'transport', total, size));
        if (i % 2 === 1) raw.push(await run(a, b, 'raw', total, rawSize));
      }
      sizes[String(size)] = {
        rawMessageBytes: rawSize,
        raw: median(raw),
        adapter: median(adapter),
        ratio: ratio(median(adapter.map((speed, i) => speed / raw[i]!)), 1),
      };
    }

    const figures: TransportFigures = { totalBytes, highWaterMark: HIGH_WATER_MARK, sizes };
    return {
      figures,
      tables: [
        {
          title: `WebRTC transport vs raw RTCDataChannel, two Chromium contexts, ${totalBytes >> 20} MiB per run (medians of ${RUNS} pairs)`,
          columns: ['message', 'raw MB/s', 'adapter MB/s', '× raw'],
          rows: SIZES.map((size) => {
            const row = sizes[String(size)]!;
            const label =
              row.rawMessageBytes === size
                ? `${size / KiB} KiB`
                : `${size / KiB} KiB (raw ${row.rawMessageBytes / KiB} KiB)`;
            return [label, row.raw, row.adapter, row.ratio];
          }),
          notes: [
            `Both paced on bufferedAmount against ${HIGH_WATER_MARK / KiB} KiB; the adapter sends frames of at most 64 KiB.`,
            `Chromium refuses messages over ${RAW_MAX_MESSAGE / KiB} KiB: larger adapter messages are compared with raw ones of that size.`,
            "× raw: the median of each pair of runs' ratio (a pair runs back to back).",
            'Target: adapter ≥ 0.90 × raw.',
          ],
        },
      ],
    };
  } finally {
    await browser.close();
  }
}
