/**
 * Delta bytes for five edits of one large file: Tandem's single-round rdiff flow
 * (signature + delta), its multi-round refinement, and rsync's own wire bytes for the same
 * file pair through a daemon on 127.0.0.1 — all in the same run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesSource } from '../../src/core/content/byteSource.ts';
import { concatBytes } from '../../src/core/content/bytes.ts';
import {
  applyPatch,
  computeDelta,
  computeSignature,
  encodeSignature,
  runRefinement,
} from '../../src/core/content/rsync/index.ts';
import { generatedBytes } from '../support/generatedSource.ts';
import { EDITS } from './edits.ts';
import { mbps, ratio, type Table } from './report.ts';
import { RsyncDaemon, type RsyncTransfer } from './rsyncReference.ts';

export interface DeltaFigures {
  readonly edit: string;
  readonly newSize: number;
  readonly singleRound: { signatureBytes: number; deltaBytes: number; total: number; deltaMBps: number };
  readonly refined: { rounds: number; total: number };
  readonly rsync: RsyncTransfer | null;
}

export async function benchDelta(size: number): Promise<{ tables: Table[]; figures: DeltaFigures[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
  const old = generatedBytes(size, 9);
  const oldPath = join(dir, 'old');
  writeFileSync(oldPath, old);
  const daemon = await RsyncDaemon.start(dir);
  const figures: DeltaFigures[] = [];
  try {
    const signatureStart = performance.now();
    const signature = await computeSignature(bytesSource(old));
    const signatureMs = performance.now() - signatureStart;
    const signatureBytes = encodeSignature(signature).length;

    for (const edit of EDITS) {
      const next = edit.apply(old);
      const pieces: Uint8Array[] = [];
      const deltaStart = performance.now();
      await computeDelta(signature, bytesSource(next), async (bytes) => void pieces.push(bytes.slice()));
      const deltaMs = performance.now() - deltaStart;
      const delta = concatBytes(pieces);
      await applyPatch(bytesSource(old), bytesSource(delta), async () => {}); // throws unless it rebuilds NEW

      const refined = await runRefinement(bytesSource(old), bytesSource(next));
      await applyPatch(bytesSource(old), bytesSource(refined.delta), async () => {});

      let rsync: RsyncTransfer | null = null;
      if (daemon) {
        const newPath = join(dir, 'new');
        writeFileSync(newPath, next);
        rsync = await daemon.transfer(oldPath, newPath);
      }
      figures.push({
        edit: edit.name,
        newSize: next.length,
        singleRound: {
          signatureBytes,
          deltaBytes: delta.length,
          total: signatureBytes + delta.length,
          deltaMBps: mbps(next.length, deltaMs),
        },
        refined: {
          rounds: refined.rounds,
          total: refined.bytesReceiverToSender + refined.bytesSenderToReceiver,
        },
        rsync,
      });
    }

    const wire = (f: DeltaFigures) => f.rsync?.wireBytes ?? null;
    const vsRsync = (bytes: number, f: DeltaFigures) => (f.rsync ? ratio(bytes, f.rsync.wireBytes) : null);
    return {
      figures,
      tables: [
        {
          title: `Delta bytes, ${size >> 20} MiB file (signature + delta; rsync: total wire bytes)`,
          columns: ['edit', 'rsync', '1 round', '× rsync', 'refined', 'rounds', '× rsync'],
          rows: figures.map((f) => [
            f.edit,
            wire(f),
            f.singleRound.total,
            vsRsync(f.singleRound.total, f),
            f.refined.total,
            f.refined.rounds,
            vsRsync(f.refined.total, f),
          ]),
          notes: [
            'Target: ≤ 1.0 × rsync on every edit. "1 round" is the CLI rdiff flow; "refined" the multi-round exchange.',
            ...(daemon ? [] : ['rsync is not installed: install it for the reference column.']),
          ],
        },
        {
          title: 'Delta speed (single round, same run)',
          columns: ['edit', 'delta MB/s', 'rsync MB/s', '× rsync'],
          rows: figures.map((f) => {
            const rsyncMBps = f.rsync ? mbps(f.newSize, f.rsync.ms) : null;
            return [
              f.edit,
              f.singleRound.deltaMBps,
              rsyncMBps,
              rsyncMBps ? ratio(f.singleRound.deltaMBps, rsyncMBps) : null,
            ];
          }),
          notes: [
            `Signature of the ${size >> 20} MiB base: ${mbps(size, signatureMs).toFixed(0)} MB/s.`,
            'rsync MB/s is its whole push through the daemon (both ends, one process each).',
          ],
        },
      ],
    };
  } finally {
    daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
