/**
 * Delta bytes for five edits of one large file: Tandem's single-round rdiff flow
 * (signature + delta), its multi-round refinement, and rsync's own wire bytes for the same
 * file pair through a daemon on 127.0.0.1 — all in the same run. Then, for small files,
 * what the transfer step would send either way (chunk fetch or delta, through the real
 * requester/server and fetcher/server over a memory pair) and what chooseTransfer picks.
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
import { ManualClock } from '../../src/adapters/clock/ManualClock.ts';
import { createMemoryPair } from '../../src/adapters/transport/MemoryTransport.ts';
import { MemoryVolume } from '../../src/adapters/volume/MemoryVolume.ts';
import { digestSource } from '../../src/core/content/chunk.ts';
import { ChunkIndex } from '../../src/core/engine/chunkIndex.ts';
import type { FileRecord } from '../../src/core/model/fileRecord.ts';
import { LIMITS } from '../../src/core/protocol/messages.ts';
import {
  chooseTransfer,
  ChunkRequester,
  ChunkServer,
  deltaOverhead,
  DeltaFetcher,
  DeltaFetchError,
  DeltaServer,
  DELTA_MIN_GAIN,
  PeerChannel,
  type TransferChoice,
} from '../../src/core/transfer/index.ts';
import type { Transport } from '../../src/ports/Transport.ts';
import { generatedBytes } from '../support/generatedSource.ts';
import { EDITS, type Edit } from './edits.ts';
import { mbps, ratio, type Table } from './report.ts';
import { RsyncDaemon, type RsyncTransfer } from './rsyncReference.ts';

export interface DeltaFigures {
  readonly edit: string;
  readonly newSize: number;
  readonly singleRound: { signatureBytes: number; deltaBytes: number; total: number; deltaMBps: number };
  readonly refined: { rounds: number; total: number };
  readonly rsync: RsyncTransfer | null;
}

/** Both sections: delta bytes for one large file, then chunk fetch or delta for small files. */
export async function benchDelta(
  size: number,
): Promise<{ tables: Table[]; figures: { edits: DeltaFigures[]; transferChoice: ChoiceFigures[] } }> {
  const large = await benchLargeDelta(size);
  const choice = await benchTransferChoice();
  return {
    tables: [...large.tables, choice.table],
    figures: { edits: large.figures, transferChoice: choice.figures },
  };
}

async function benchLargeDelta(size: number): Promise<{ tables: Table[]; figures: DeltaFigures[] }> {
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

export interface ChoiceFigures {
  readonly fileBytes: number;
  readonly edit: string;
  /** What the wishlist leaves to fetch, against the old version as the only local file. */
  readonly fetchChunks: number;
  readonly fetchBytes: number;
  /** Wire bytes both ways (every message, encoded) of fetching those chunks. */
  readonly chunkWire: number;
  /** Wire bytes both ways of the delta session, with maxDelta = fetchBytes. */
  readonly deltaWire: number;
  /** Messages the fetching side sent; 0 when the server refused the delta as too large. */
  readonly deltaRounds: number;
  /** What chooseTransfer guessed the delta's fixed cost to be. */
  readonly estimatedOverhead: number;
  readonly choice: TransferChoice;
  /** What the transfer step sends with that choice (a refused delta, then the chunks). */
  readonly chosenWire: number;
}

const CHOICE_PATH = 'docs/report.bin';
const CHOICE_FOLDER = '0123456789abcdef0123456789abcdef';

/** The edits of the choice table: every size gets the two typical ones, larger ones some harder ones. */
function choiceCases(): { size: number; edit: Edit }[] {
  const [insert, overwrite, append, , scattered] = EDITS as [Edit, Edit, Edit, Edit, Edit];
  const rewrite: Edit = {
    name: 'rewritten (nothing in common)',
    apply: (old) => generatedBytes(old.length, 77),
  };
  const cases: { size: number; edit: Edit }[] = [
    { size: 1024, edit: insert },
    { size: 4 * 1024, edit: insert },
    { size: 16 * 1024, edit: insert },
  ];
  for (const size of [64 << 10, 256 << 10, 1 << 20, 4 << 20]) {
    cases.push({ size, edit: insert }, { size, edit: overwrite });
  }
  cases.push(
    { size: 64 << 10, edit: rewrite },
    { size: 1 << 20, edit: scattered },
    { size: 1 << 20, edit: append },
    { size: 4 << 20, edit: scattered },
  );
  return cases;
}

/** Chunk fetch or delta: the bytes each way would send, over the real protocol. */
export async function benchTransferChoice(): Promise<{ table: Table; figures: ChoiceFigures[] }> {
  const figures: ChoiceFigures[] = [];
  for (const { size, edit } of choiceCases()) {
    const old = generatedBytes(size, 9);
    const next = edit.apply(old);
    const oldRecord = await recordFor(old);
    const record = await recordFor(next);
    const wishlist = ChunkIndex.fromRecords([oldRecord]).wishlist(record);
    const clock = new ManualClock();
    const volume = new MemoryVolume({ clock, marker: true });
    await volume.writeAtomically(
      CHOICE_PATH,
      (async function* () {
        yield next;
      })(),
    );

    const chunks = countedPair();
    new ChunkServer({ volumeFor: () => volume }).serve(new PeerChannel('DEVA', chunks.serverSide));
    const requester = new ChunkRequester({ clock });
    requester.addPeer(new PeerChannel('DEVB', chunks.fetcherSide));
    const offsets: number[] = [];
    record.chunks.reduce((at, c) => (offsets.push(at), at + c.size), 0);
    await Promise.all(
      wishlist.entries.map((entry, i) =>
        'missing' in entry
          ? requester.fetchChunk(CHOICE_FOLDER, CHOICE_PATH, entry.chunk, offsets[i]!)
          : null,
      ),
    );

    const delta = countedPair();
    new DeltaServer({ clock, volumeFor: () => volume }).serve(new PeerChannel('DEVA', delta.serverSide));
    const fetcher = new DeltaFetcher({ clock });
    fetcher.addPeer(new PeerChannel('DEVB', delta.fetcherSide));
    let deltaRounds = 0;
    try {
      const result = await fetcher.fetch({
        folder: CHOICE_FOLDER,
        record,
        base: bytesSource(old),
        maxDelta: wishlist.fetchBytes,
      });
      if (result.bytes.length !== next.length) throw new Error('the delta did not rebuild the file');
      deltaRounds = result.rounds;
    } catch (error) {
      if (!(error instanceof DeltaFetchError && error.failure === 'too-large')) throw error;
    }
    const choice = chooseTransfer(record, wishlist, old.length);
    const deltaWire = delta.bytes();
    const chunkWire = chunks.bytes();
    figures.push({
      fileBytes: size,
      edit: edit.name,
      fetchChunks: wishlist.fetchChunks,
      fetchBytes: wishlist.fetchBytes,
      chunkWire,
      deltaWire,
      deltaRounds,
      estimatedOverhead: deltaOverhead(old.length, CHOICE_PATH.length),
      choice,
      chosenWire: choice === 'chunks' ? chunkWire : deltaRounds > 0 ? deltaWire : deltaWire + chunkWire,
    });
  }
  const percent = (part: number, whole: number) =>
    `${((100 * part) / whole).toFixed(part < whole / 10 ? 2 : 0)} %`;
  return {
    figures,
    table: {
      title: 'Chunk fetch or delta, small files (wire bytes both ways, every message encoded)',
      columns: [
        'file',
        'edit',
        'chunks',
        'chunk bytes',
        'delta bytes',
        'rounds',
        'delta ÷ chunks',
        'est.',
        'choice',
        'sent',
      ],
      rows: figures.map((f) => [
        sizeName(f.fileBytes),
        f.edit,
        f.fetchChunks,
        f.chunkWire,
        f.deltaWire,
        f.deltaRounds === 0 ? 'refused' : f.deltaRounds,
        `${percent(f.deltaWire, f.chunkWire)}${f.deltaRounds === 0 ? ' spent' : ''}`,
        f.estimatedOverhead,
        f.choice,
        f.chosenWire,
      ]),
      notes: [
        'chunks: what the wishlist fetches when the old version is the only local file. rounds: messages the',
        'fetching side sent; "refused": the delta was over maxDelta (= the chunk bytes), so the chunks follow ("spent": lost on the try).',
        `est.: chooseTransfer's fixed-cost estimate; it picks delta when the chunks cost ≥ ${DELTA_MIN_GAIN} × est.`,
      ],
    },
  };
}

async function recordFor(bytes: Uint8Array): Promise<FileRecord> {
  const digest = await digestSource(bytesSource(bytes));
  return {
    path: CHOICE_PATH,
    size: digest.size,
    mtime: 1,
    hash: digest.hash,
    chunks: digest.chunks.map(({ hash, size }) => ({ hash, size })),
    version: { DEVA: 1 },
    deleted: false,
    sequence: 1,
    modifiedBy: 'DEVA',
  };
}

/** A memory pair whose fetching side counts every byte it sends and receives. */
function countedPair(): { fetcherSide: Transport; serverSide: Transport; bytes: () => number } {
  const pair = createMemoryPair({ maxMessageSize: LIMITS.messageBytes });
  const a = pair.a;
  let bytes = 0;
  const fetcherSide: Transport = {
    get maxMessageSize() {
      return a.maxMessageSize;
    },
    get closed() {
      return a.closed;
    },
    send: (message) => {
      bytes += message.length;
      return a.send(message);
    },
    onMessage: (listener) =>
      a.onMessage((message) => {
        bytes += message.length;
        listener(message);
      }),
    onClose: (listener) => a.onClose(listener),
    close: (message) => a.close(message),
  };
  return { fetcherSide, serverSide: pair.b, bytes: () => bytes };
}

function sizeName(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
}
