/**
 * Whole-engine sync between two devices over a memory link (issue 3 targets): the sender
 * has already scanned; the clock runs from connecting to settled, with the receiver
 * fetching and verifying every chunk and committing every file. Reported next to the
 * content engine's own chunk+hash throughput, measured in the same run.
 *
 * Each workload runs twice: as two devices on two threads (sync/threads.ts, each engine
 * with a core of its own, as two machines would run), and in the deterministic
 * simulation, where both engines share this one thread.
 */
import { bytesSource } from '../../src/core/content/byteSource.ts';
import { digestSource } from '../../src/core/content/chunk.ts';
import { createCluster, type Cluster } from '../../src/sim/index.ts';
import { generatedBytes } from '../support/generatedSource.ts';
import { mbps, ratio, timeRuns, type Table } from './report.ts';
import { syncOnTwoThreads, type ThreadedSync } from './sync/threads.ts';

interface Figures {
  readonly bytes: number;
  readonly files: number;
  readonly ms: number;
  readonly mbps: number;
  readonly filesPerSecond: number;
  /** CPU time of both devices, threads and GC included (two-thread runs only). */
  readonly cpuMs?: number;
}

export interface SyncFigures {
  readonly referenceMBps: number;
  readonly twoThreads: { readonly large: Figures; readonly small: Figures };
  readonly large: {
    readonly bytes: number;
    readonly files: number;
    readonly ms: number;
    readonly mbps: number;
  };
  readonly small: {
    readonly bytes: number;
    readonly files: number;
    readonly ms: number;
    readonly mbps: number;
    readonly filesPerSecond: number;
  };
}

export async function benchSync(
  largeBytes: number,
  smallFiles: number,
): Promise<{ tables: Table[]; figures: SyncFigures }> {
  const sample = generatedBytes(Math.min(largeBytes, 256 << 20), 21);
  const reference = await timeRuns(sample.length, 3, () => digestSource(bytesSource(sample)));
  const referenceMBps = mbps(sample.length, reference.medianMs);

  const fileSize = 64 << 20;
  const largeFiles = Math.max(1, Math.round(largeBytes / fileSize));
  const large = await timeSync(async (c) => {
    for (let i = 0; i < largeFiles; i++)
      await c.write('src', 'docs', `video/part-${i}.bin`, generatedBytes(fileSize, 100 + i));
    return { files: largeFiles, bytes: largeFiles * fileSize };
  });

  const small = await timeSync(async (c) => {
    let bytes = 0;
    for (let i = 0; i < smallFiles; i++) {
      const data = generatedBytes(1024 + ((i * 7919) % 7168), 1000 + i);
      bytes += data.length;
      await c.write('src', 'docs', `notes/${Math.floor(i / 500)}/note-${i}.txt`, data);
    }
    return { files: smallFiles, bytes };
  });

  const fileCount = (n: number) => ({ kind: 'large' as const, files: n, fileSize });
  const twoThreads = {
    large: withRates(await syncOnTwoThreads(fileCount(largeFiles))),
    small: withRates(await syncOnTwoThreads({ kind: 'small', files: smallFiles })),
  };

  const figures: SyncFigures = {
    referenceMBps,
    twoThreads,
    large: { ...large, mbps: mbps(large.bytes, large.ms) },
    small: {
      ...small,
      mbps: mbps(small.bytes, small.ms),
      filesPerSecond: small.files / (small.ms / 1000),
    },
  };
  const table: Table = {
    title: 'Engine sync between two simulated devices (memory link), connect → settled',
    columns: ['workload', 'files', 'MB', 'seconds', 'MB/s', 'files/s', 'CPU s', '× chunk+hash'],
    rows: [
      [
        'chunk+hash (content engine), reference',
        null,
        sample.length / 1e6,
        reference.medianMs / 1000,
        referenceMBps,
        null,
        null,
        1,
      ],
      row(`${largeFiles} large files, two threads`, twoThreads.large, referenceMBps),
      row(
        `${smallFiles.toLocaleString('en-US')} small files (1–8 KiB), two threads`,
        twoThreads.small,
        referenceMBps,
      ),
      [
        `${largeFiles} large files, one thread (simulation)`,
        large.files,
        large.bytes / 1e6,
        large.ms / 1000,
        figures.large.mbps,
        large.files / (large.ms / 1000),
        null,
        ratio(figures.large.mbps, referenceMBps),
      ],
      [
        `${smallFiles.toLocaleString('en-US')} small files (1–8 KiB), one thread (simulation)`,
        small.files,
        small.bytes / 1e6,
        small.ms / 1000,
        figures.small.mbps,
        figures.small.filesPerSecond,
        null,
        ratio(figures.small.mbps, referenceMBps),
      ],
    ],
    notes: [
      'target: large files ≥ 0.70 × chunk+hash (the two-thread run is the one two devices see)',
      'CPU s: both devices together; on 2 cores, more than the seconds column means both cores worked',
    ],
  };
  return { tables: [table], figures };
}

function withRates(run: ThreadedSync): Figures {
  return {
    ...run,
    mbps: mbps(run.bytes, run.ms),
    filesPerSecond: run.files / (run.ms / 1000),
  };
}

function row(label: string, f: Figures, referenceMBps: number): Table['rows'][number] {
  return [
    label,
    f.files,
    f.bytes / 1e6,
    f.ms / 1000,
    f.mbps,
    f.filesPerSecond,
    f.cpuMs === undefined ? null : f.cpuMs / 1000,
    ratio(f.mbps, referenceMBps),
  ];
}

/** Writes and scans on `src` while disconnected, then times connect → settled. */
async function timeSync(
  fill: (c: Cluster) => Promise<{ files: number; bytes: number }>,
): Promise<{ files: number; bytes: number; ms: number }> {
  const c = await createCluster({ devices: ['src', 'dst'], seed: 1 });
  await c.share('docs', ['src', 'dst']);
  c.disconnect('src', 'dst');
  const { files, bytes } = await fill(c);
  await c.settle({ maxSteps: 50_000_000 });
  const start = performance.now();
  c.connect('src', 'dst');
  await c.settle({ maxSteps: 50_000_000 });
  const ms = performance.now() - start;
  const [a, b] = [c.snapshot('src', 'docs'), c.snapshot('dst', 'docs')];
  if (a.size !== files || b.size !== files || [...a].some(([p, h]) => b.get(p) !== h)) {
    throw new Error(`the receiver does not hold the sender's ${files} files`);
  }
  return { files, bytes, ms };
}
