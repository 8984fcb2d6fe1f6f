/**
 * One benchmark device on its own thread: a real SyncEngine on a memory volume and store,
 * talking to the other device through a PortTransport. The parent sends commands and
 * times them; this side reports when it has done each.
 *
 * - `fill` (the sender): writes the workload, shares the folder and waits for the scan.
 * - `share` (the receiver): shares an empty folder.
 * - `connect`: connects to the peer over the given port; the receiver then reports `done`
 *   once it has written every file the sender announced and its folder is idle.
 */
import { createHash } from 'node:crypto';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { systemClock } from '../../../src/adapters/clock/SystemClock.ts';
import { CryptoRandom } from '../../../src/adapters/random/CryptoRandom.ts';
import { MemoryStore } from '../../../src/adapters/store/MemoryStore.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { toHex } from '../../../src/core/content/bytes.ts';
import { digestSource } from '../../../src/core/content/chunk.ts';
import type { Sha256 } from '../../../src/core/content/hash.ts';
import { loadXXHash128 } from '../../../src/core/content/rsync/xxhash.ts';
import { SyncEngine } from '../../../src/core/engine/engine.ts';
import type { EngineEvent } from '../../../src/core/engine/events.ts';
import { newIndexId } from '../../../src/core/model/ids.ts';
import { generatedBytes } from '../../support/generatedSource.ts';
import { PortTransport } from './portTransport.ts';

export interface DeviceSetup {
  readonly name: string;
  readonly device: string;
  readonly peer: string;
  readonly folder: string;
}

export type Workload =
  | { readonly kind: 'large'; readonly files: number; readonly fileSize: number }
  | { readonly kind: 'small'; readonly files: number };

export type Command =
  | { readonly kind: 'fill'; readonly workload: Workload }
  | { readonly kind: 'share'; readonly expect: number }
  | { readonly kind: 'connect'; readonly port: MessagePort }
  | { readonly kind: 'snapshot' }
  | { readonly kind: 'quit' };

export type Report =
  | { readonly kind: 'filled'; readonly files: number; readonly bytes: number }
  | { readonly kind: 'shared' }
  | { readonly kind: 'done' }
  | { readonly kind: 'snapshot'; readonly files: [string, string][] }
  | { readonly kind: 'failed'; readonly message: string };

/** node:crypto's SHA-256 in the calling thread: the fastest here (STACK.md: ~1,800 MB/s). */
const sha256: Sha256 = (data) => Promise.resolve(new Uint8Array(createHash('sha256').update(data).digest()));

const setup = workerData as DeviceSetup;
const port = parentPort!;
const clock = systemClock();
const store = new MemoryStore();
const volume = new MemoryVolume({ clock });
const engine = new SyncEngine({
  device: setup.device,
  name: setup.name,
  store,
  clock,
  hashFile: (source) => digestSource(source, { sha256 }),
  newIndexId: () => newIndexId(new CryptoRandom()),
  sha256,
  // The app's timing, but no periodic rescan: the volume reports every change itself.
  timing: { rescanIntervalMs: 3_600_000 },
});
let expected = Number.POSITIVE_INFINITY;
let written = 0;
let idle = false;

const report = (r: Report) => port.postMessage(r);

engine.on((event: EngineEvent) => {
  if (event.type === 'synced' && event.action === 'write') written++;
  if (event.type === 'folder') idle = event.state.kind === 'idle';
  if (written >= expected && idle) {
    expected = Number.POSITIVE_INFINITY;
    report({ kind: 'done' });
  }
});

port.on('message', (command: Command) => {
  handle(command).catch((error: unknown) =>
    report({
      kind: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  );
});

async function handle(command: Command): Promise<void> {
  switch (command.kind) {
    case 'fill': {
      await loadXXHash128();
      await volume.placeMarker();
      const { files, bytes } = await fill(command.workload);
      const scanned = new Promise<void>((resolve) => {
        const stop = engine.on((e) => {
          if (e.type === 'folder' && e.state.kind === 'idle') {
            stop();
            resolve();
          }
        });
      });
      share();
      await scanned;
      report({ kind: 'filled', files, bytes });
      return;
    }
    case 'share':
      await loadXXHash128();
      await volume.placeMarker();
      expected = command.expect;
      share();
      report({ kind: 'shared' });
      return;
    case 'quit':
      // Exiting (rather than being terminated) lets --cpu-prof write its profile.
      engine.close();
      process.exit(0);
      return;
    case 'connect':
      engine.connect(setup.peer, new PortTransport(command.port));
      return;
    case 'snapshot': {
      const files: [string, string][] = [];
      for await (const r of store.localRecords(setup.folder))
        if (!r.deleted) files.push([r.path, toHex(r.hash)]);
      report({ kind: 'snapshot', files: files.sort(([a], [b]) => (a < b ? -1 : 1)) });
    }
  }
}

function share(): void {
  engine.addFolder({ id: setup.folder, label: 'bench', volume, devices: [setup.peer] });
}

async function fill(workload: Workload): Promise<{ files: number; bytes: number }> {
  let bytes = 0;
  for (let i = 0; i < workload.files; i++) {
    const data =
      workload.kind === 'large'
        ? generatedBytes(workload.fileSize, 100 + i)
        : generatedBytes(1024 + ((i * 7919) % 7168), 1000 + i);
    const path =
      workload.kind === 'large' ? `video/part-${i}.bin` : `notes/${Math.floor(i / 500)}/note-${i}.txt`;
    await volume.writeAtomically(
      path,
      (async function* () {
        yield data;
      })(),
    );
    bytes += data.length;
  }
  return { files: workload.files, bytes };
}
