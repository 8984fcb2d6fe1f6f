/**
 * The composition root: builds the browser adapters and hands them to the UI as ports —
 * the content engine's worker pool (which also hashes the sync engine's scans), and the network (identity in IndexedDB, the session
 * layer, and a sync engine receiving each authenticated connection), and the folder
 * service, which starts the saved folders once the engine runs.
 *
 * Query parameters, for tests and measurement: `?workers=N` sets the pool size (default:
 * the number of logical cores), `?read=sync` makes workers read files with FileReaderSync,
 * `?inviteTtl=MS` shortens pairing links' lifetime (1 s to 10 min).
 */
import { h, render } from 'preact';
import { systemClock } from './adapters/clock/SystemClock.ts';
import { poolHashFile } from './adapters/content/poolHashFile.ts';
import { WorkerPoolContentService } from './adapters/content/WorkerPoolContentService.ts';
import { CryptoRandom } from './adapters/random/CryptoRandom.ts';
import { IdbStore } from './adapters/store/IdbStore.ts';
import { AccessHandleWorker } from './adapters/volume/AccessHandleWorker.ts';
import { HandleVolume } from './adapters/volume/HandleVolume.ts';
import { FolderService } from './app/folders.ts';
import { SettingsService } from './app/settings.ts';
import { digestSource } from './core/content/chunk.ts';
import { SyncEngine } from './core/engine/engine.ts';
import { newFolderId, newIndexId } from './core/model/ids.ts';
import {
  browserCertificateGenerator,
  INVITE_TTL_MS,
  loadDeviceName,
  loadOrCreateIdentity,
  RememberedDevices,
} from './net/index.ts';
import { Session } from './net/session.ts';
import { SessionHost, type NetworkService } from './net/sessionHost.ts';
import { App } from './ui/App.tsx';
import { takePairingFragment } from './ui/pairingFragment.ts';
import './ui/styles.css';
import { applyUpdate, subscribeUpdate } from './pwa.ts';

const DATABASE = 'tandem';

const params = new URLSearchParams(location.search);
const workers = Number.parseInt(params.get('workers') ?? '', 10);

const content = new WorkerPoolContentService({
  size: Number.isFinite(workers) && workers > 0 ? Math.min(workers, 32) : undefined,
  read: params.get('read') === 'sync' ? 'sync' : 'async',
});

/** Writes partial downloads of folders in OPFS in place (HandleVolume.partialBytes.ts). */
const accessHandles = new AccessHandleWorker();

/** `?inviteTtl=` when it is a whole number of ms in [1 s, 10 min]; else the default. */
function inviteTtl(): number {
  const text = params.get('inviteTtl');
  const value = text !== null && /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  return value >= 1000 && value <= INVITE_TTL_MS ? value : INVITE_TTL_MS;
}

const sha256 = async (data: Uint8Array) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));

/** Folders: picked where the browser can (File System Access), else app-private (OPFS). */
function folderService(store: IdbStore, random: CryptoRandom): FolderService {
  return new FolderService({
    store,
    places: {
      pick:
        typeof showDirectoryPicker === 'function'
          ? () => showDirectoryPicker({ mode: 'readwrite' })
          : undefined,
      opfsRoot: () => navigator.storage.getDirectory(),
    },
    openVolume: (directory) => new HandleVolume(directory, { accessHandles }),
    newFolderId: () => newFolderId(random),
    now: () => Date.now(),
  });
}

async function startNetwork(): Promise<{
  network: NetworkService | string;
  folders?: FolderService;
  settings?: SettingsService;
}> {
  try {
    const store = await IdbStore.open(DATABASE);
    const identity = await loadOrCreateIdentity(store, {
      generateCertificate: browserCertificateGenerator(),
    });
    const remembered = new RememberedDevices(store);
    const clock = systemClock();
    const random = new CryptoRandom();
    const folders = folderService(store, random);
    // ICE servers and relay as saved; a change applies when the page reloads.
    const settings = await SettingsService.load({
      store,
      pageUrl: location.href,
      reload: () => location.reload(),
    });
    const network = await SessionHost.create({
      deviceId: identity.id,
      shortId: identity.shortId,
      store,
      name: await loadDeviceName(store).catch(() => undefined),
      start: (name) => {
        const engine = new SyncEngine({
          device: identity.id,
          name: name(),
          store,
          clock,
          // Scans hash in the worker pool: a large file never blocks the page.
          hashFile: poolHashFile(content, (source) => digestSource(source, { sha256 })),
          newIndexId: () => newIndexId(random),
          sha256,
        });
        void folders.attach(engine);
        const started = Session.start({
          identity,
          remembered,
          name,
          signalingUrl: settings.signalingUrl,
          iceServers: settings.running.iceServers,
          store,
          pageUrl: location.href,
          engine,
          inviteTtlMs: inviteTtl(),
          clock,
        });
        void started.then((session) => {
          // Back from sleep or offline: retry now rather than wait out a backoff.
          addEventListener('online', () => session.wake());
          document.addEventListener('visibilitychange', () => {
            if (document.visibilityState === 'visible') session.wake();
          });
        });
        return started;
      },
    });
    return { network, folders, settings };
  } catch (error) {
    return { network: `this device's identity could not be loaded: ${(error as Error).message}` };
  }
}

const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');
// Taken before anything else so the secret leaves the address bar at once.
const pairingLink = takePairingFragment();
const { network, folders, settings } = await startNetwork();
const update = { subscribe: subscribeUpdate, apply: applyUpdate };
render(h(App, { services: { content, network, folders, settings, update }, pairingLink }), root);
