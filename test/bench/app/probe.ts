/**
 * The app benchmark's probe, bundled and injected as an init script into every page of the
 * bench's contexts (before the app's own code runs), as `window.tandemAppBench`. It watches
 * from outside the app: long tasks (buffered), every RTCPeerConnection made (for
 * `getStats()` byte counts), when "Accept" is clicked, and each folder card's state text
 * with the time it changed. It also does the page's own OPFS work: fill a folder with
 * random files, count, digest, edit, wait for an edit, and the reference creation rates.
 * Nothing here changes how the app runs; the picker seam returns the OPFS directory the
 * bench names, since the real picker rejects headless.
 */
import { createWithSyncHandles, randomBytes, type FileSpec } from './probeFiles.ts';

export type { FileSpec } from './probeFiles.ts';

export interface LongTask {
  /** ms since the epoch. */
  readonly start: number;
  readonly duration: number;
}

export interface StateChange {
  readonly label: string;
  readonly text: string;
  /** ms since the epoch. */
  readonly at: number;
}

/** Bytes through each RTCPeerConnection this page made, by creation order. */
export interface WireCount {
  /** Closed since: the counts are the last read while it was open. */
  readonly closed: boolean;
  readonly channelSent: number;
  readonly channelReceived: number;
  readonly transportSent: number;
  readonly transportReceived: number;
}

export interface Listing {
  readonly files: number;
  readonly bytes: number;
}

const epochNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const longTasks: LongTask[] = [];
const states: StateChange[] = [];
const peerConnections: RTCPeerConnection[] = [];
let acceptedAt: number | undefined;
let pickName = 'bench';

try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      longTasks.push({ start: performance.timeOrigin + entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // No long-task timing in this context (a worker): nothing to watch.
}

/** Every peer connection the app makes, so the bench can read its byte counts. */
if (typeof RTCPeerConnection === 'function') {
  const Native = RTCPeerConnection;
  class Tracked extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      peerConnections.push(this);
    }
  }
  Object.defineProperty(window, 'RTCPeerConnection', { configurable: true, writable: true, value: Tracked });
}

Object.defineProperty(window, 'showDirectoryPicker', {
  configurable: true,
  value: async () => (await navigator.storage.getDirectory()).getDirectoryHandle(pickName, { create: true }),
});

document.addEventListener(
  'click',
  (event) => {
    const target = event.target as Element | null;
    if (target?.closest?.('[data-testid=offer-accept]')) acceptedAt = epochNow();
  },
  { capture: true },
);

/** Folder card states, sampled every 50 ms (a MutationObserver would fire on every progress text). */
const current = new Map<string, string>();
setInterval(() => {
  for (const card of document.querySelectorAll('[data-testid=folder]')) {
    const label = card.getAttribute('data-folder-label') ?? '';
    const text = card.querySelector('[data-testid=folder-state]')?.textContent ?? '';
    const kind = text.startsWith('Syncing') ? 'Syncing' : text;
    if (current.get(label) === kind) continue;
    current.set(label, kind);
    // Files left out of sync: keep why (the card's list), for the run's report.
    const issues = kind.endsWith('not in sync')
      ? ` (${(card.querySelector('[data-testid=folder-issues]')?.textContent ?? '').replace(/\s+/g, ' ').slice(0, 300)})`
      : '';
    states.push({ label, text: kind + issues, at: epochNow() });
  }
}, 50);

const lastWire = new Map<RTCPeerConnection, WireCount & { closed: boolean }>();

async function readWire(): Promise<void> {
  await Promise.all(
    peerConnections.map(async (pc) => {
      if (pc.connectionState === 'closed') {
        const last = lastWire.get(pc);
        if (last) last.closed = true;
        return;
      }
      try {
        const count = {
          channelSent: 0,
          channelReceived: 0,
          transportSent: 0,
          transportReceived: 0,
          closed: false,
        };
        for (const stat of (await pc.getStats()).values() as IterableIterator<Record<string, unknown>>) {
          const sent = Number(stat.bytesSent ?? 0);
          const received = Number(stat.bytesReceived ?? 0);
          if (stat.type === 'data-channel') {
            count.channelSent += sent;
            count.channelReceived += received;
          } else if (stat.type === 'transport') {
            count.transportSent += sent;
            count.transportReceived += received;
          }
        }
        // Counters only grow: a smaller reading is a channel gone from the report.
        const last = lastWire.get(pc);
        if (last) {
          count.channelSent = Math.max(count.channelSent, last.channelSent);
          count.channelReceived = Math.max(count.channelReceived, last.channelReceived);
          count.transportSent = Math.max(count.transportSent, last.transportSent);
          count.transportReceived = Math.max(count.transportReceived, last.transportReceived);
        }
        lastWire.set(pc, count);
      } catch {
        // Closing meanwhile: keep the last reading.
      }
    }),
  );
}
setInterval(() => void readWire(), 500);

async function folder(dir: string, create = false): Promise<FileSystemDirectoryHandle> {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(dir, { create });
}

/** The worker's source: writes `bytes` at `offset` of `handle`, in place (a blob: the bench contexts bypass the app's CSP). */
const IN_PLACE_WORKER = `onmessage = async ({ data: { handle, offset, bytes } }) => {
  const access = await handle.createSyncAccessHandle();
  try { access.write(bytes, { at: offset }); access.flush(); } finally { access.close(); }
  postMessage('done');
};`;

async function writeInPlace(handle: FileSystemFileHandle, offset: number, bytes: Uint8Array): Promise<void> {
  const url = URL.createObjectURL(new Blob([IN_PLACE_WORKER], { type: 'text/javascript' }));
  const worker = new Worker(url);
  try {
    await new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (event) => reject(new Error(`in-place write failed: ${event.message}`));
      worker.postMessage({ handle, offset, bytes });
    });
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
  }
}

async function parentOf(root: FileSystemDirectoryHandle, path: string, create: boolean) {
  const parts = path.split('/');
  let parent = root;
  for (const part of parts.slice(0, -1)) parent = await parent.getDirectoryHandle(part, { create });
  return { parent, name: parts.at(-1)! };
}

/** Every file under `root` (not Tandem's own `.tandem*` names), in no particular order. */
async function* walk(
  root: FileSystemDirectoryHandle,
  prefix = '',
): AsyncGenerator<[string, FileSystemFileHandle]> {
  for await (const [name, child] of root.entries()) {
    if (name.startsWith('.tandem')) continue;
    if (child.kind === 'directory') yield* walk(child as FileSystemDirectoryHandle, `${prefix}${name}/`);
    else yield [`${prefix}${name}`, child as FileSystemFileHandle];
  }
}

function hex(digest: ArrayBuffer): string {
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

const probe = {
  now: epochNow,

  /** The folder the picker hands over next. */
  pickNext(name: string): void {
    pickName = name;
  },

  acceptedAt: () => acceptedAt,

  statesSince(from: number): StateChange[] {
    return states.filter((s) => s.at >= from);
  },

  /**
   * Keeps the main thread busy for `ms` in a task of the page's own (a task run for the
   * DevTools protocol is not reported as long): the check that long tasks are seen at all.
   */
  busy(ms: number): void {
    setTimeout(() => {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        // spin
      }
    }, 0);
  },

  longTasksBetween(from: number, to: number): LongTask[] {
    return longTasks.filter((t) => t.start + t.duration >= from && t.start <= to);
  },

  /**
   * Per peer connection, in creation order: its latest byte counts. A closed connection
   * keeps the last counts read while it was open (sampled every 500 ms and on each call):
   * Chromium's report for a closed one drops its data channel and transport.
   */
  async wire(): Promise<(WireCount | null)[]> {
    await readWire();
    return peerConnections.map((pc) => lastWire.get(pc) ?? null);
  },

  /**
   * Writes `files` of deterministic random content into OPFS directory `dir` one at a
   * time (getFileHandle, createWritable, write, close), as a page would; resolves with ms.
   */
  async fill(dir: string, files: readonly FileSpec[], piece = 8 * 1024 * 1024): Promise<number> {
    const root = await folder(dir, true);
    const started = performance.now();
    for (const spec of files) {
      const { parent, name } = await parentOf(root, spec.path, true);
      const writable = await (await parent.getFileHandle(name, { create: true })).createWritable();
      for (let at = 0; at < spec.size; at += piece) {
        const size = Math.min(piece, spec.size - at);
        await writable.write(randomBytes(spec.seed * 65_537 + at / piece, size));
      }
      await writable.close();
    }
    return performance.now() - started;
  },

  /** The same files through sync access handles in a dedicated worker; resolves with ms. */
  fillWithSyncHandles: (dir: string, files: readonly FileSpec[]) => createWithSyncHandles(dir, files),

  async remove(dir: string): Promise<void> {
    const root = await navigator.storage.getDirectory();
    await root.removeEntry(dir, { recursive: true }).catch(() => undefined);
  },

  /** How many files (not Tandem's own) and, with `sizes`, their total bytes. */
  async list(dir: string, sizes: boolean): Promise<Listing> {
    let files = 0;
    let bytes = 0;
    let root: FileSystemDirectoryHandle;
    try {
      root = await folder(dir);
    } catch {
      return { files, bytes };
    }
    for await (const [, handle] of walk(root)) {
      files++;
      if (sizes) bytes += (await handle.getFile()).size;
    }
    return { files, bytes };
  },

  /** SHA-256 of each file, by path. */
  async digests(dir: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for await (const [path, handle] of walk(await folder(dir))) {
      const bytes = await (await handle.getFile()).arrayBuffer();
      out[path] = hex(await crypto.subtle.digest('SHA-256', bytes));
    }
    return out;
  },

  /**
   * Changes `length` bytes at `offset` of `spec` in place, with a pattern from `seed`,
   * through a sync access handle in a worker (as a database or a disk image is written);
   * resolves with when the write started and when the handle closed. In place because
   * Chromium keeps a non-persistent context's OPFS in memory: saving 256 MiB again through
   * createWritable needs a second 256 MiB for its swap file, and the bench's browser, with
   * 1 GiB on each device already, ran out of quota there. The engine sees the write
   * through its watch (FileSystemObserver) even where the file keeps its size and mtime.
   */
  async edit(dir: string, spec: FileSpec, offset: number, length: number, seed: number) {
    const { parent, name } = await parentOf(await folder(dir), spec.path, false);
    const handle = await parent.getFileHandle(name);
    const patch = randomBytes(seed, length);
    const startedAt = epochNow();
    await writeInPlace(handle, offset, patch);
    return { startedAt, writtenAt: epochNow() };
  },

  /** When the file's bytes at `offset` first equal the edit (polled every 25 ms), or `undefined`. */
  async waitForEdit(
    dir: string,
    path: string,
    offset: number,
    length: number,
    seed: number,
    timeoutMs: number,
  ) {
    const want = randomBytes(seed, length);
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      try {
        const { parent, name } = await parentOf(await folder(dir), path, false);
        const file = await (await parent.getFileHandle(name)).getFile();
        const got = new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
        if (got.length === length && got.every((b, i) => b === want[i])) return epochNow();
      } catch {
        // Mid-swap: the file is being replaced; look again.
      }
      await sleep(25);
    }
    return undefined;
  },

  /** Storage the origin may use, to see whether the workloads fit. */
  async estimate(): Promise<StorageEstimate> {
    return navigator.storage.estimate();
  },
};

export type BenchProbe = typeof probe;

declare global {
  interface Window {
    tandemAppBench: BenchProbe;
  }
}
window.tandemAppBench = probe;
