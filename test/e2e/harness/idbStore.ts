/**
 * IdbStore in a real page, exposed to test/e2e/idbStore.spec.ts as `window.tandemIdb`.
 * `write` fills a database and closes it; after a reload, `read` opens it again and says
 * what it finds, as plain JSON the spec can compare. `upgradeFromV1` writes a version 1
 * database by hand and opens it with IdbStore; `watch`, `upgradeElsewhere` and `watched`
 * let two tabs play the versionchange story.
 */
import { IdbStore } from '../../../src/adapters/store/IdbStore.ts';
import { SCHEMA_VERSION } from '../../../src/adapters/store/IdbStore.schema.ts';
import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import type { LocalChange, ObservedStat } from '../../../src/ports/Store.ts';

const FOLDER = 'folder-e2e';
/** A second folder, unshared (`dropFolder`) before the reload. */
const DROPPED = 'folder-e2e-dropped';
const PEER = 'PEERDEVICEID';
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const SIGNED = new Uint8Array([1, 2, 3, 4]);
/** More than two pages of PAGE_SIZE, so `localSince` reads several transactions. */
const FILES = 600;

function change(path: string, size: number): LocalChange {
  return {
    path,
    size,
    mtime: 1_700_000_000_000 + size,
    hash: new Uint8Array([size & 0xff, size >> 8, 7]),
    chunks: [{ hash: new Uint8Array([9, size & 0xff]), size }],
    version: { ME: size },
    deleted: false,
    modifiedBy: 'ME',
  };
}

function remote(path: string, sequence: number): FileRecord {
  return { ...change(path, sequence), modifiedBy: 'PEER', sequence };
}

function tombstone(path: string, mtime: number): LocalChange {
  return { ...change(path, 0), mtime, hash: new Uint8Array(), chunks: [], deleted: true };
}

const fileName = (i: number) => `dir/f${String(i).padStart(3, '0')}`;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export interface WriteReport {
  /** How many files the first batch held, and the sequence after the last good batch. */
  readonly files: number;
  readonly sequence: number;
  /** The `name` of the error a batch with an uncloneable value rejected with. */
  readonly failedBatch: string;
  readonly sequenceAfterFailure: number;
  /** What `expireTombstones` returned, and the local tombstones left after it. */
  readonly expired: number;
  readonly tombstonesLeft: string[];
  /** The stored certificate's fingerprints, and a signature by the stored private key. */
  readonly fingerprints: { algorithm?: string; value?: string }[];
  readonly signature: number[];
}

export interface ReadReport {
  readonly sequence: number;
  readonly indexId: string | undefined;
  /** [path, sequence] of `localSince(0)`, in the order yielded. */
  readonly local: [string, number][];
  readonly since: [string, number][];
  readonly hashIsBytes: boolean;
  readonly rewritten: { size: number; hash: number[] } | undefined;
  /** The observed stats of the rewritten file and of `z-last`. */
  readonly observed: [ObservedStat | undefined, ObservedStat | undefined];
  readonly peerState: { indexId: string; sequence: number } | undefined;
  readonly remotePaths: string[];
  readonly remoteB: { sequence: number; modifiedBy: string } | undefined;
  readonly journal: { path: string; chunksDone: readonly number[] }[];
  readonly setting: string | undefined;
  readonly nextSequence: number | undefined;
  /** Paths of `localRecords`, in the order yielded. */
  readonly localRecords: string[];
  /** What is left of the dropped folder: sequence, index ID, records, peer state. */
  readonly dropped: { sequence: number; indexId: string | undefined; records: number; peer: boolean };
  readonly keys: {
    /** The private key as it came back: still non-extractable, still able to sign. */
    privateExtractable: boolean | undefined;
    privateType: string | undefined;
    exportRefused: boolean;
    /** The signature made before the reload verifies with the reloaded public key, and a new one too. */
    oldSignatureVerifies: boolean;
    newSignatureVerifies: boolean;
    isCertificate: boolean;
    fingerprints: { algorithm?: string; value?: string }[];
    /** A peer connection built with the reloaded certificate offers its fingerprint. */
    offerHasFingerprint: boolean;
  };
}

export interface UpgradeReport {
  readonly versionAfter: number;
  readonly sequence: number;
  readonly local: [string, number][];
  readonly observed: ObservedStat | undefined;
  readonly peerState: { indexId: string; sequence: number } | undefined;
  readonly setting: string | undefined;
  readonly expired: number;
  readonly remoteLeft: string[];
  readonly keyStored: boolean;
}

export interface WatchReport {
  /** The reasons `onClose` listeners were given, in order. */
  readonly reasons: string[];
  /** The error's name a call made after that rejected with. */
  readonly callAfter: string;
}

/** Settles a raw IndexedDB request or transaction. */
function settled(target: IDBRequest | IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    if (target instanceof IDBTransaction) {
      target.oncomplete = () => resolve();
      target.onabort = target.onerror = () => reject(target.error);
    } else {
      target.onsuccess = () => resolve();
      target.onerror = () => reject(target.error);
    }
  });
}

function openRaw(name: string, version: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, version);
    if (upgrade) request.onupgradeneeded = () => upgrade(request.result);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error(`opening ${name} at version ${version} is blocked`));
  });
}

const errorName = (error: unknown) => (error instanceof Error ? error.name : String(error));

let watchedStore: IdbStore | undefined;
const watchedReasons: string[] = [];

const harness = {
  /** Binds an OPFS directory holding one file, by its handle: `readBinding` after a reload. */
  async bindHandle(name: string): Promise<void> {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle('bound', { create: true });
    const file = await (await dir.getFileHandle('hello.txt', { create: true })).createWritable();
    await file.write('kept');
    await file.close();
    const store = await IdbStore.open(name);
    try {
      await store.putFolderBinding({
        id: FOLDER,
        label: 'Bound',
        devices: ['DEV1'],
        location: { kind: 'handle', handle: dir },
      });
    } finally {
      await store.close();
    }
  },

  /** The binding `bindHandle` saved, and the file read through its handle. */
  async readBinding(
    name: string,
  ): Promise<{ label: string; devices: string[]; isHandle: boolean; text: string }> {
    const store = await IdbStore.open(name);
    try {
      const [binding] = await store.folderBindings();
      if (binding?.location.kind !== 'handle') throw new Error('no handle binding');
      const { handle } = binding.location;
      const file = await (await handle.getFileHandle('hello.txt')).getFile();
      return {
        label: binding.label,
        devices: [...binding.devices],
        isHandle: handle instanceof FileSystemDirectoryHandle,
        text: await file.text(),
      };
    } finally {
      await store.close();
    }
  },

  async write(name: string): Promise<WriteReport> {
    const store = await IdbStore.open(name);
    try {
      await store.putLocal(
        FOLDER,
        Array.from({ length: FILES }, (_, i) => change(fileName(i), i + 1)),
      );
      await store.putLocal(FOLDER, [change(fileName(10), 1000), change(fileName(500), 1001)]);
      await store.putLocal(FOLDER, [{ ...change('z-last', 5), observed: { size: 5, mtime: 42 } }]);
      // A touch: the observed stat alone, no new sequence.
      await store.setObserved(FOLDER, fileName(10), { size: 1000, mtime: 77 });
      await store.setIndexId(FOLDER, 'index-1');
      await store.putRemote(FOLDER, PEER, [remote('b', 1), remote('a', 2), remote('c', 3)], {
        indexId: 'peer-index',
        sequence: 3,
      });
      await store.putRemote(FOLDER, PEER, [remote('b', 4)], { indexId: 'peer-index', sequence: 4 });
      await store.putJournal({
        folder: FOLDER,
        path: 'big.bin',
        hash: new Uint8Array([1]),
        size: 9,
        chunksDone: [0, 2],
      });
      await store.setSetting('device.name', 'e2e laptop');

      // Tombstones: one older than the cutoff, one younger; a peer's for the old path.
      await store.putLocal(FOLDER, [tombstone('gone-old', 100), tombstone('gone-young', 300)]);
      await store.putRemote(
        FOLDER,
        PEER,
        [{ ...tombstone('gone-old', 100), modifiedBy: 'PEER', sequence: 5 }],
        {
          indexId: 'peer-index',
          sequence: 5,
        },
      );
      const expired = await store.expireTombstones(FOLDER, 200);
      const tombstonesLeft: string[] = [];
      for await (const record of store.localRecords(FOLDER))
        if (record.deleted) tombstonesLeft.push(record.path);

      // A folder unshared before the reload.
      await store.putLocal(DROPPED, [change('x', 1)]);
      await store.setIndexId(DROPPED, 'index-dropped');
      await store.putRemote(DROPPED, PEER, [remote('y', 1)], { indexId: 'p', sequence: 1 });
      await store.dropFolder(DROPPED);

      // The device's credentials, as net/ will keep them.
      const pair = await crypto.subtle.generateKey(ECDSA, false, ['sign', 'verify']);
      await store.putKey('device', pair);
      const certificate = await RTCPeerConnection.generateCertificate(ECDSA);
      await store.putKey('certificate', certificate);
      const signature = new Uint8Array(await crypto.subtle.sign(SIGN, pair.privateKey, SIGNED));

      const uncloneable = { ...change('bad', 1), extra: () => 0 } as unknown as LocalChange;
      const failedBatch = await store.putLocal(FOLDER, [change('good', 1), uncloneable]).then(
        () => 'resolved',
        (error: unknown) => (error instanceof Error ? error.name : String(error)),
      );
      return {
        files: FILES,
        sequence: FILES + 5,
        failedBatch,
        sequenceAfterFailure: await store.localSequence(FOLDER),
        expired,
        tombstonesLeft,
        fingerprints: certificate.getFingerprints().map(({ algorithm, value }) => ({ algorithm, value })),
        signature: [...signature],
      };
    } finally {
      await store.close();
    }
  },

  async read(name: string, signature: number[]): Promise<ReadReport> {
    const store = await IdbStore.open(name);
    try {
      const local = await collect(store.localSince(FOLDER, 0));
      const rewritten = await store.getLocal(FOLDER, fileName(10));
      const remoteB = await store.getRemote(FOLDER, PEER, 'b');
      const report: ReadReport = {
        sequence: await store.localSequence(FOLDER),
        indexId: await store.getIndexId(FOLDER),
        local: local.map((r) => [r.path, r.sequence]),
        since: (await collect(store.localSince(FOLDER, FILES))).map((r) => [r.path, r.sequence]),
        hashIsBytes: local.every(
          (r) => r.hash instanceof Uint8Array && r.chunks.every((c) => c.hash instanceof Uint8Array),
        ),
        rewritten: rewritten && { size: rewritten.size, hash: [...rewritten.hash] },
        observed: [rewritten?.observed, (await store.getLocal(FOLDER, 'z-last'))?.observed],
        peerState: await store.getPeerState(FOLDER, PEER),
        remotePaths: (await collect(store.remoteRecords(FOLDER, PEER))).map((r) => r.path),
        remoteB: remoteB && { sequence: remoteB.sequence, modifiedBy: remoteB.modifiedBy },
        journal: (await store.journal(FOLDER)).map((e) => ({ path: e.path, chunksDone: e.chunksDone })),
        setting: await store.getSetting('device.name'),
        nextSequence: (await store.putLocal(FOLDER, [change('after-reload', 1)]))[0]?.sequence,
        localRecords: (await collect(store.localRecords(FOLDER))).map((r) => r.path),
        dropped: {
          sequence: await store.localSequence(DROPPED),
          indexId: await store.getIndexId(DROPPED),
          records: (await collect(store.localRecords(DROPPED))).length,
          peer: (await store.getPeerState(DROPPED, PEER)) !== undefined,
        },
        keys: await readKeys(store, new Uint8Array(signature)),
      };
      return report;
    } finally {
      await store.close();
    }
  },

  /** Writes a version 1 database as that version shipped, then opens it with IdbStore. */
  async upgradeFromV1(name: string): Promise<UpgradeReport> {
    const v1 = await openRaw(name, 1, (db) => {
      db.createObjectStore('folders', { keyPath: 'folder' });
      const local = db.createObjectStore('local', { keyPath: ['folder', 'record.path'] });
      local.createIndex('bySequence', ['folder', 'record.sequence'], { unique: true });
      db.createObjectStore('remote', { keyPath: ['folder', 'peer', 'record.path'] });
      db.createObjectStore('peers', { keyPath: ['folder', 'peer'] });
      db.createObjectStore('journal', { keyPath: ['folder', 'path'] });
      db.createObjectStore('settings');
    });
    const tx = v1.transaction(['folders', 'local', 'remote', 'peers', 'settings'], 'readwrite');
    tx.objectStore('folders').put({ folder: FOLDER, sequence: 3 });
    const local = tx.objectStore('local');
    local.put({
      folder: FOLDER,
      record: { ...change('a', 1), sequence: 1 },
      observed: { size: 1, mtime: 9 },
    });
    local.put({ folder: FOLDER, record: { ...tombstone('old', 100), sequence: 2 } });
    local.put({ folder: FOLDER, record: { ...tombstone('young', 300), sequence: 3 } });
    tx.objectStore('remote').put({
      folder: FOLDER,
      peer: PEER,
      record: { ...tombstone('old', 100), sequence: 4 },
    });
    tx.objectStore('remote').put({ folder: FOLDER, peer: PEER, record: remote('live', 5) });
    tx.objectStore('peers').put({ folder: FOLDER, peer: PEER, state: { indexId: 'p1', sequence: 5 } });
    tx.objectStore('settings').put('v1 laptop', 'device.name');
    await settled(tx);
    v1.close();

    const store = await IdbStore.open(name);
    try {
      const report = {
        sequence: await store.localSequence(FOLDER),
        local: (await collect(store.localSince(FOLDER, 0))).map((r): [string, number] => [
          r.path,
          r.sequence,
        ]),
        observed: (await store.getLocal(FOLDER, 'a'))?.observed,
        peerState: await store.getPeerState(FOLDER, PEER),
        setting: await store.getSetting('device.name'),
        expired: await store.expireTombstones(FOLDER, 200),
        remoteLeft: (await collect(store.remoteRecords(FOLDER, PEER))).map((r) => r.path),
        keyStored: await store
          .putKey('k', (await crypto.subtle.generateKey(ECDSA, false, ['sign'])).privateKey)
          .then(async () => (await store.getKey('k')) instanceof CryptoKey),
      };
      await store.close();
      const db = await openRaw(name, SCHEMA_VERSION);
      const versionAfter = db.version;
      db.close();
      return { ...report, versionAfter };
    } finally {
      await store.close();
    }
  },

  /** Opens a store and records what its `onClose` listeners hear (this tab stays open). */
  async watch(name: string): Promise<void> {
    watchedStore = await IdbStore.open(name);
    watchedStore.onClose((reason) => watchedReasons.push(reason));
  },

  /** In another tab: opens the database at a newer version, as a newer app would. */
  async upgradeElsewhere(name: string): Promise<number> {
    const db = await openRaw(name, SCHEMA_VERSION + 1);
    const version = db.version;
    db.close();
    return version;
  },

  async watched(): Promise<WatchReport> {
    const callAfter = await watchedStore!.getSetting('k').then(() => 'resolved', errorName);
    return { reasons: [...watchedReasons], callAfter };
  },
};

async function readKeys(store: IdbStore, oldSignature: Uint8Array<ArrayBuffer>): Promise<ReadReport['keys']> {
  const pair = (await store.getKey('device')) as CryptoKeyPair | undefined;
  const certificate = await store.getKey('certificate');
  let offerHasFingerprint = false;
  const fingerprints =
    certificate instanceof RTCCertificate
      ? certificate.getFingerprints().map(({ algorithm, value }) => ({ algorithm, value }))
      : [];
  if (certificate instanceof RTCCertificate) {
    const connection = new RTCPeerConnection({ certificates: [certificate] });
    connection.createDataChannel('probe');
    const offer = await connection.createOffer();
    connection.close();
    offerHasFingerprint = fingerprints.some(
      ({ value }) => value !== undefined && (offer.sdp ?? '').toUpperCase().includes(value.toUpperCase()),
    );
  }
  const verify = async (signature: Uint8Array<ArrayBuffer>) =>
    pair !== undefined && (await crypto.subtle.verify(SIGN, pair.publicKey, signature, SIGNED));
  const fresh = pair && new Uint8Array(await crypto.subtle.sign(SIGN, pair.privateKey, SIGNED));
  return {
    privateExtractable: pair?.privateKey.extractable,
    privateType: pair?.privateKey.type,
    exportRefused: pair
      ? await crypto.subtle.exportKey('pkcs8', pair.privateKey).then(
          () => false,
          () => true,
        )
      : false,
    oldSignatureVerifies: await verify(oldSignature),
    newSignatureVerifies: fresh !== undefined && (await verify(fresh)),
    isCertificate: certificate instanceof RTCCertificate,
    fingerprints,
    offerHasFingerprint,
  };
}

export type IdbHarness = typeof harness;

declare global {
  interface Window {
    tandemIdb: IdbHarness;
  }
}
window.tandemIdb = harness;
