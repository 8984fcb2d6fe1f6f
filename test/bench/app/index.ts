/**
 * The app benchmark (issue 5, item 6 and Targets): the built app on two Chromium contexts
 * in a private network namespace, paired by link and sharing app-private (OPFS) folders
 * through the UI, with the references measured in the same browser and run:
 * 1. first sync of a few large files, next to a raw RTCDataChannel;
 * 2. a 100-byte edit in the middle of a large file: bytes on the wire and time to arrive;
 * 3. first sync of many small files, next to the page creating the same files in OPFS;
 * 4. long tasks on both pages during each.
 * Each run pairs a fresh device B with the same device A; runs give the spread.
 */
import { spawnSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { ratio, type Table } from '../report.ts';
import type { FileSpec } from './probe.ts';
import { openRawChannel, opfsReference, rawRound, RAW_SIZES, type OpfsReference } from './reference.ts';
import { edit, firstSync, type EditFigures, type FirstSync } from './workloads.ts';
import { addFolder, openWorld, pairNew } from './world.ts';

const MiB = 1024 * 1024;

export interface AppBenchOptions {
  /** Total size of the large files (4 of them). */
  readonly largeBytes: number;
  readonly smallFiles: number;
  readonly runs: number;
  /** Profile A's and B's main threads during the first syncs (DevTools Profiler). */
  readonly profile?: boolean;
}

export interface AppRun {
  /** Raw data channel MB/s by message size, before and after the large first sync. */
  readonly raw: { readonly before: Record<string, number>; readonly after: Record<string, number> };
  readonly large: FirstSync;
  readonly opfs: OpfsReference;
  readonly small: FirstSync;
  readonly edit: EditFigures;
}

export interface AppFigures {
  readonly commit: string;
  readonly srcChanged: boolean;
  readonly options: AppBenchOptions;
  /** A's own fill of the small files (createWritable, app idle), files/s. */
  readonly fillRateAtA: number;
  readonly quotaBytes: number | undefined;
  readonly runs: AppRun[];
  readonly summary: Record<string, unknown>;
}

const EDIT_BYTES = 100;
const LARGE_COUNT = 4;

/** The small files: 1–8 KiB each, 200 to a directory. */
function smallSpecs(count: number): FileSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    path: `d${String(Math.floor(i / 200)).padStart(3, '0')}/f${String(i).padStart(5, '0')}.bin`,
    size: 1024 + ((Math.imul(i + 1, 2654435761) >>> 0) % (7 * 1024 + 1)),
    seed: 100_000 + i,
  }));
}

const median = (values: readonly number[]) =>
  [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const spread = (values: readonly number[]) =>
  `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
const best = (rates: Record<string, number>) => Math.max(...Object.values(rates));

const timeline = (sync: FirstSync) => sync.timeline.map((t) => `${t.state} @${t.at.toFixed(1)}`).join(', ');

function profileNotes(name: string, sync: FirstSync): string[] {
  if (!sync.profile) return [];
  return (['a', 'b'] as const).map((side) => {
    const p = sync.profile![side];
    const top = p.top.slice(0, 6).map((t) => `${t.fn} ${t.ms} ms`);
    return `Main thread of ${side.toUpperCase()} during the ${name} sync: busy ${Math.round(p.busyShare * 100)} % of ${(p.windowMs / 1000).toFixed(0)} s, GC ${p.gcMs} ms; most self time: ${top.join('; ')}.`;
  });
}

/** A figure of no long tasks means something only if the observer sees one: make one. */
async function checkLongTasksSeen(page: Page): Promise<void> {
  const from = await page.evaluate(() => window.tandemAppBench.now());
  await page.evaluate(() => window.tandemAppBench.busy(150));
  await page.waitForTimeout(200);
  const to = await page.evaluate(() => window.tandemAppBench.now());
  const seen = await page.evaluate(([f, t]) => window.tandemAppBench.longTasksBetween(f, t), [
    from,
    to,
  ] as const);
  if (!seen.some((t) => t.duration >= 140))
    throw new Error('the long-task observer did not see a 150 ms task');
}

function commit(): { commit: string; srcChanged: boolean } {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'index.html', 'vite.config.ts'], {
    encoding: 'utf8',
  }).stdout.trim();
  return { commit: head || 'unknown', srcChanged: dirty !== '' };
}

export async function benchApp(options: AppBenchOptions): Promise<{ tables: Table[]; figures: AppFigures }> {
  const largeSize = Math.floor(options.largeBytes / LARGE_COUNT);
  const large: FileSpec[] = Array.from({ length: LARGE_COUNT }, (_, i) => ({
    path: `large-${i}.bin`,
    size: largeSize,
    seed: 1 + i,
  }));
  const small = smallSpecs(options.smallFiles);
  const largeWant = { files: large.length, bytes: largeSize * LARGE_COUNT };
  const smallWant = { files: small.length, bytes: small.reduce((sum, f) => sum + f.size, 0) };
  const t0 = Date.now();
  const log = (text: string) =>
    console.log(`  app bench ${((Date.now() - t0) / 1000).toFixed(0)} s: ${text}`);

  const world = await openWorld();
  try {
    const [ra, rb] = [await world.harness(), await world.harness()];
    const raw = await openRawChannel(ra, rb);
    await checkLongTasksSeen(ra);
    const a = await world.device('Bench A');
    log(`writing ${LARGE_COUNT} × ${largeSize / MiB} MiB into A's OPFS`);
    await a.page.evaluate(([d, f]) => window.tandemAppBench.fill(d, f), ['bench-large', large] as const);
    await addFolder(a, 'bench-large', 20 * 60_000);
    log(`writing ${small.length} small files into A's OPFS`);
    const fillMs = await a.page.evaluate(([d, f]) => window.tandemAppBench.fill(d, f), [
      'bench-small',
      small,
    ] as const);
    await addFolder(a, 'bench-small', 30 * 60_000);
    const quotaBytes = (await a.page.evaluate(() => window.tandemAppBench.estimate())).quota;

    const runs: AppRun[] = [];
    for (let run = 1; run <= options.runs; run++) {
      log(`run ${run}: pairing`);
      const b = await pairNew(world, a, `Bench B${run}`);
      const rawTotal = 128 * MiB;
      const before = await rawRound(raw, rawTotal);
      log(`run ${run}: large first sync`);
      const largeSync = await firstSync(
        a,
        b,
        'bench-large',
        'b-large',
        largeWant,
        20 * 60_000,
        options.profile,
      );
      log(`run ${run}: large ${largeSync.seconds.toFixed(1)} s, timeline ${timeline(largeSync)}`);
      const after = await rawRound(raw, rawTotal);
      // Before the small files: Chromium keeps a non-persistent context's OPFS in memory, and
      // B's room for the edit's partial download ran out there once the small folder was in.
      log(`run ${run}: edit`);
      const edited = await edit(a, b, 'bench-large', 'b-large', large[0]!, EDIT_BYTES, 7000 + run, 300_000);
      log(`run ${run}: edit ${edited.seconds?.toFixed(2) ?? edited.failure} s`);
      log(`run ${run}: OPFS reference`);
      const opfs = await opfsReference(ra, small);
      log(`run ${run}: small first sync`);
      const smallSync = await firstSync(
        a,
        b,
        'bench-small',
        'b-small',
        smallWant,
        60 * 60_000,
        options.profile,
      );
      log(`run ${run}: small ${smallSync.seconds.toFixed(1)} s, timeline ${timeline(smallSync)}`);
      await b.context.close();
      runs.push({ raw: { before, after }, large: largeSync, opfs, small: smallSync, edit: edited });
      log(
        `run ${run}: large ${largeSync.seconds.toFixed(1)} s, small ${smallSync.seconds.toFixed(1)} s, ` +
          `edit ${edited.seconds?.toFixed(1) ?? edited.failure} s / ${edited.wire.aSent + edited.wire.bSent} B`,
      );
    }
    const fillRateAtA = small.length / (fillMs / 1000);
    const base = { ...commit(), options, fillRateAtA, quotaBytes, runs };
    const { table, summary } = summarise(base, largeSize);
    return { tables: [table], figures: { ...base, summary } };
  } finally {
    await world.close();
  }
}

function summarise(
  figures: Omit<AppFigures, 'summary'>,
  largeSize: number,
): { table: Table; summary: Record<string, unknown> } {
  const { runs } = figures;
  const largeMbps = runs.map((r) => r.large.bytes / 1e6 / r.large.seconds);
  const rawRef = runs.map((r) => (best(r.raw.before) + best(r.raw.after)) / 2);
  const filesPerS = runs.map((r) => r.small.files / r.small.seconds);
  const wire = (w: FirstSync['wire']) => w.aSent + w.bSent;
  const arrived = runs.flatMap((r) => (r.edit.seconds === null ? [] : [r.edit.seconds]));
  const longest = (t: FirstSync['longTasks']) => t.longestMs;
  const summary = {
    large: {
      seconds: median(runs.map((r) => r.large.seconds)),
      mbps: median(largeMbps),
      rawMbps: median(rawRef),
      ratio: ratio(median(largeMbps.map((v, i) => v / rawRef[i]!)), 1),
    },
    small: {
      seconds: median(runs.map((r) => r.small.seconds)),
      filesPerSecond: median(filesPerS),
      createWritablePerSecond: median(runs.map((r) => r.opfs.createWritable)),
      syncAccessHandlePerSecond: median(runs.map((r) => r.opfs.syncAccessHandle)),
      ratio: ratio(median(filesPerS.map((v, i) => v / runs[i]!.opfs.createWritable)), 1),
      ratioToSyncAccessHandle: ratio(median(filesPerS.map((v, i) => v / runs[i]!.opfs.syncAccessHandle)), 1),
    },
    edit: {
      seconds: arrived.length > 0 ? median(arrived) : null,
      failures: runs.flatMap((r) => (r.edit.failure ? [r.edit.failure] : [])),
      wireBytes: median(runs.map((r) => wire(r.edit.wire))),
    },
  };
  const last = runs.at(-1)!;
  const n = runs.length;
  const table: Table = {
    title: `The app end to end, two Chromium contexts in a network namespace (medians of ${n} runs)`,
    columns: [
      'workload',
      's',
      's min–max',
      'MB/s | files/s',
      'reference',
      '× ref',
      'bytes sent',
      'longest task ms',
    ],
    rows: [
      [
        `first sync, ${LARGE_COUNT} × ${largeSize / MiB} MiB`,
        summary.large.seconds,
        spread(runs.map((r) => r.large.seconds)),
        summary.large.mbps,
        summary.large.rawMbps,
        summary.large.ratio,
        median(runs.map((r) => wire(r.large.wire))),
        Math.max(...runs.map((r) => longest(r.large.longTasks))),
      ],
      [
        `first sync, ${runs[0]!.small.files.toLocaleString('en-US')} files of 1–8 KiB`,
        summary.small.seconds,
        spread(runs.map((r) => r.small.seconds)),
        summary.small.filesPerSecond,
        summary.small.createWritablePerSecond,
        summary.small.ratio,
        median(runs.map((r) => wire(r.small.wire))),
        Math.max(...runs.map((r) => longest(r.small.longTasks))),
      ],
      [
        `${EDIT_BYTES}-byte edit mid ${largeSize / MiB} MiB file`,
        summary.edit.seconds,
        arrived.length === runs.length ? spread(arrived) : `${runs.length - arrived.length} never arrived`,
        null,
        null,
        null,
        summary.edit.wireBytes,
        Math.max(...runs.map((r) => longest(r.edit.longTasks))),
      ],
    ],
    notes: [
      `Commit ${figures.commit}${figures.srcChanged ? ' with uncommitted changes under src/' : ''}; OPFS of a non-persistent context (Chromium keeps it in memory), quota ${((figures.quotaBytes ?? 0) / 2 ** 30).toFixed(1)} GiB.`,
      `Timed from the click on Accept on B to B's card last turning "Up to date" with every file there (count and sizes); content compared by SHA-256 after: ${runs.every((r) => r.large.identical && r.small.identical && r.edit.identical) ? 'identical in every run' : 'DIFFERENT in some run'}.`,
      `Reference, large: raw RTCDataChannel between two harness pages of the same browser, best of ${RAW_SIZES.map((s) => `${s / 1024} KiB`).join(' / ')} messages, mean of a run before and after each sync: ${runs.map((r) => `${best(r.raw.before).toFixed(1)}/${best(r.raw.after).toFixed(1)}`).join(', ')} MB/s.`,
      `Reference, small: the same files created by a page in OPFS, createWritable one at a time (the ratio's reference); sync access handles in a worker: ${summary.small.syncAccessHandlePerSecond.toFixed(0)} files/s (× ${summary.small.ratioToSyncAccessHandle}); A's own fill: ${figures.fillRateAtA.toFixed(0)} files/s.`,
      `Bytes sent: data-channel payload both ways (getStats 'data-channel' bytesSent, A + B); edit: A→B ${last.edit.wire.aSent} B, B→A ${last.edit.wire.bSent} B, transport ${last.edit.wire.aTransportSent + last.edit.wire.bTransportSent} B (last run), until both cards were up to date + 2 s; connections closed during workloads: ${runs.map((r) => `${r.large.wire.closedConnections}/${r.small.wire.closedConnections}/${r.edit.wire.closedConnections}`).join(', ')}.`,
      `Edit: timed from the end of A's write (A writes the 100 bytes in place through a sync access handle: ${last.edit.writeSeconds.toFixed(2)} s) to B's file holding it; FileSystemObserver, scan delay 1 s. Last run: ${last.edit.timeline.map((t) => `${t.device} ${t.state} @${t.at.toFixed(2)} s`).join(', ')}.`,
      `Long tasks (A + B pages): ${runs.map((r) => `${r.large.longTasks.count}/${r.small.longTasks.count}/${r.edit.longTasks.count}`).join(', ')} (large/small/edit per run); over 100 ms: ${runs.map((r) => `${r.large.longTasks.over100ms}/${r.small.longTasks.over100ms}/${r.edit.longTasks.over100ms}`).join(', ')}.`,
      `B's card, last run, s after Accept: large ${timeline(last.large)}; small ${timeline(last.small)}.`,
      ...profileNotes('large', last.large),
      ...profileNotes('small', last.small),
      'Targets: large ≥ 0.70 × raw; small ≥ 0.70 × createWritable; edit < 1 MiB on the wire and < 5 s; no task over 100 ms.',
    ],
  };
  return { table, summary };
}
