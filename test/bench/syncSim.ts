/**
 * Whole-engine sync between two simulated devices on one memory link (issue 3 targets):
 * the sender has already scanned; the clock runs from connecting to settled, with the
 * receiver fetching and verifying every chunk and committing every file. Reported next
 * to the content engine's own chunk+hash throughput, measured in the same run.
 *
 * Both engines share this one thread, so the receiver's hashing competes with the
 * sender's reads and the codec; on two real devices they run apart.
 */
import { bytesSource } from '../../src/core/content/byteSource.ts';
import { digestSource } from '../../src/core/content/chunk.ts';
import { createCluster, type Cluster } from '../../src/sim/index.ts';
import { generatedBytes } from '../support/generatedSource.ts';
import { mbps, ratio, timeRuns, type Table } from './report.ts';

export interface SyncFigures {
  readonly referenceMBps: number;
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

  const figures: SyncFigures = {
    referenceMBps,
    large: { ...large, mbps: mbps(large.bytes, large.ms) },
    small: {
      ...small,
      mbps: mbps(small.bytes, small.ms),
      filesPerSecond: small.files / (small.ms / 1000),
    },
  };
  const table: Table = {
    title: 'Engine sync between two simulated devices (memory link), connect → settled',
    columns: ['workload', 'files', 'MB', 'seconds', 'MB/s', 'files/s', '× chunk+hash'],
    rows: [
      [
        'chunk+hash (content engine), reference',
        null,
        sample.length / 1e6,
        reference.medianMs / 1000,
        referenceMBps,
        null,
        1,
      ],
      [
        `${largeFiles} large files`,
        large.files,
        large.bytes / 1e6,
        large.ms / 1000,
        figures.large.mbps,
        large.files / (large.ms / 1000),
        ratio(figures.large.mbps, referenceMBps),
      ],
      [
        `${smallFiles.toLocaleString('en-US')} small files (1–8 KiB)`,
        small.files,
        small.bytes / 1e6,
        small.ms / 1000,
        figures.small.mbps,
        figures.small.filesPerSecond,
        ratio(figures.small.mbps, referenceMBps),
      ],
    ],
    notes: ['target: large files ≥ 0.70 × chunk+hash; both engines run on this one thread'],
  };
  return { tables: [table], figures };
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
