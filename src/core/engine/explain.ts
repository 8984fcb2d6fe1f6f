/**
 * "Why isn't this in sync?" for one path of a folder (DESIGN.md, "What a user sees" 5):
 * facts, not sentences — the UI words them (src/ui/whyText.ts).
 *
 * `explainPath` is pure: it compares what this device knows — its own record, the record
 * each sharing peer last sent, the `.tandemignore` rules, what the folder's loop last
 * reported for the path (an issue, a download under way) and which peers are connected —
 * with the version-vector order the planner uses (core/model/versionVector.ts).
 * `gatherExplanation` reads those facts from the ports for the engine's `explain`.
 *
 * What a missing peer record means (core/exchange/reconcileSession.ts, invariant 3): after
 * a reconciliation the store keeps only the peer's records that differed from ours, so
 * "no record from the peer" is either "the same as here when they last compared" or "it
 * has not taken it yet". The answer says `not-reported` and never claims more.
 */
import ignore from 'ignore';
import { conflictOriginal, deleteSupersedes, isConflictCopy, isRealConflict } from '../model/conflictName.ts';
import type { DeviceShortId, FileRecord } from '../model/fileRecord.ts';
import { caseFoldKey, normalizePath, validatePath } from '../model/paths.ts';
import { compareVersions } from '../model/versionVector.ts';
import type { DeviceId, FolderId, Store } from '../../ports/Store.ts';
import type { Volume } from '../../ports/Volume.ts';
import type { EngineEvent, FileIssueCode, FolderState } from './events.ts';
import { IGNORE_FILE, MAX_IGNORE_FILE_BYTES, parseIgnoreRules } from './ignore.ts';

/** What a record says, for people: no hashes, no chunk lists. */
export interface RecordFacts {
  readonly deleted: boolean;
  readonly size: number;
  /** ms since the epoch: the edit time, or for a local tombstone when the scan saw it gone. */
  readonly mtime: number;
  /** Short ID of the device whose change made this version. */
  readonly modifiedBy: DeviceShortId;
}

/** Where one sharing peer stands on the path, compared with this device. */
export type PeerStanding =
  /** Same version, or the same content under concurrent versions (never a conflict). */
  | { readonly kind: 'same' }
  /** It sent no record of the path although it sent its index (see the header). */
  | { readonly kind: 'not-reported' }
  /** It never sent its index of this folder (not accepted there yet, or never connected). */
  | { readonly kind: 'no-index' }
  /** Its version is newer: this device takes it (fetch, or delete for a tombstone). */
  | { readonly kind: 'peer-newer'; readonly record: RecordFacts }
  /** This device's version is newer: the peer takes it when connected. */
  | { readonly kind: 'peer-behind'; readonly record: RecordFacts }
  /** Concurrent edits with different outcomes: a conflict, both versions to be kept. */
  | { readonly kind: 'conflict'; readonly record: RecordFacts };

export interface PeerFacts {
  readonly device: DeviceId;
  readonly connected: boolean;
  readonly standing: PeerStanding;
}

/** What the folder's loop last reported about the path (events.ts `file-issue`, scan problems). */
export interface IssueFacts {
  readonly code: FileIssueCode | 'scan';
  readonly message: string;
}

export interface DownloadFacts {
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface IgnoreRuleFacts {
  /** The rule as written in `.tandemignore`. */
  readonly pattern: string;
  /** 1-based line of `.tandemignore`. */
  readonly line: number;
}

export type Explanation =
  /** Not a path Tandem can sync (empty, `..`, a forbidden character…). */
  | { readonly kind: 'invalid'; readonly path: string; readonly message: string }
  /** A directory: directories have no records of their own (scan invariant 7). */
  | { readonly kind: 'directory'; readonly path: string }
  /** Left alone by a `.tandemignore` rule; `recorded` when an older record of it stays. */
  | {
      readonly kind: 'ignored';
      readonly path: string;
      readonly rule: IgnoreRuleFacts;
      readonly recorded: boolean;
    }
  /** On disk but not in the index: the scan left it out (`issue`) or has not reached it. */
  | { readonly kind: 'not-indexed'; readonly path: string; readonly issue?: IssueFacts }
  /** Nobody knows the path; `similar` are known paths that differ only by case. */
  | { readonly kind: 'unknown'; readonly path: string; readonly similar: readonly string[] }
  | {
      readonly kind: 'tracked';
      readonly path: string;
      /** This device's record; absent when only peers have one. */
      readonly local?: RecordFacts;
      readonly peers: readonly PeerFacts[];
      /** The folder is paused (marker missing, folder unavailable): nothing moves. */
      readonly paused?: string;
      readonly issue?: IssueFacts;
      readonly download?: DownloadFacts;
      /** Live conflict copies of this path, here. */
      readonly conflictCopies: readonly string[];
      /** When the path is itself a conflict copy: the path it was kept beside. */
      readonly copyOf?: string;
      /** `.tandemignore` cannot be read: no local change is recorded until it can. */
      readonly ignoreUnreadable?: string;
    };

export interface PeerInput {
  readonly device: DeviceId;
  readonly connected: boolean;
  /** Whether the peer ever sent its index of the folder (Store.getPeerState). */
  readonly indexReceived: boolean;
  /** The peer's record of the path as stored, if any. */
  readonly record: FileRecord | undefined;
}

export interface ExplainInput {
  /** The path asked about, as typed: normalised and validated here. */
  readonly path: string;
  readonly local: FileRecord | undefined;
  readonly peers: readonly PeerInput[];
  /** `.tandemignore`'s text; undefined without one; `unreadable` with why. */
  readonly ignoreText: string | { readonly unreadable: string } | undefined;
  /** What the folder holds at the path now. */
  readonly onDisk: 'file' | 'directory' | 'absent';
  readonly state?: FolderState;
  readonly issue?: IssueFacts;
  readonly download?: DownloadFacts;
  /** Every live local path that is a conflict copy (to find this path's copies). */
  readonly conflictCopies?: readonly string[];
  /** Known paths, to suggest ones that differ only by case when the path is unknown. */
  readonly knownPaths?: readonly string[];
}

/** The `.tandemignore` rule that ignores `path`, or undefined when none does (ignore.ts semantics). */
export function matchIgnoreRule(
  text: string,
  path: string,
  kind: 'file' | 'directory',
): IgnoreRuleFacts | undefined {
  // The verdict is ignore.ts's own, so it always agrees with the scan; this only finds the line.
  if (!parseIgnoreRules(text).ignores(path, kind)) return undefined;
  const lines = text.split(/\r?\n/);
  const marked = ignore({ ignorecase: true }).add(
    lines.map((pattern, i) => ({ pattern, mark: String(i + 1) })),
  );
  const rule = marked.test(kind === 'directory' ? `${path}/` : path).rule;
  return rule ? { pattern: rule.pattern, line: Number(rule.mark ?? 0) } : undefined;
}

function facts(record: FileRecord): RecordFacts {
  return {
    deleted: record.deleted,
    size: record.size,
    mtime: record.mtime,
    modifiedBy: record.modifiedBy,
  };
}

/** Where a peer stands on a path, from the two records (the planner's order, planFolder.ts 2–5). */
export function peerStanding(
  local: FileRecord | undefined,
  peer: FileRecord | undefined,
  indexReceived: boolean,
): PeerStanding {
  if (peer === undefined) return indexReceived ? { kind: 'not-reported' } : { kind: 'no-index' };
  if (local === undefined) {
    // Nothing here and a tombstone there: both sides agree there is no file.
    return peer.deleted ? { kind: 'same' } : { kind: 'peer-newer', record: facts(peer) };
  }
  switch (compareVersions(peer.version, local.version)) {
    case 'equal':
      return { kind: 'same' };
    case 'greater':
      return { kind: 'peer-newer', record: facts(peer) };
    case 'lesser':
      return { kind: 'peer-behind', record: facts(peer) };
    case 'concurrent':
      if (!isRealConflict(local, peer)) return { kind: 'same' };
      // A delete that removed the other side's very content stands (planFolder.ts 5).
      if (peer.deleted && deleteSupersedes(peer, local)) return { kind: 'peer-newer', record: facts(peer) };
      if (local.deleted && deleteSupersedes(local, peer)) return { kind: 'peer-behind', record: facts(peer) };
      return { kind: 'conflict', record: facts(peer) };
  }
}

/** The facts about `input.path`; never throws. */
export function explainPath(input: ExplainInput): Explanation {
  const path = normalizePath(input.path.trim().replace(/^\.?\/+/, ''));
  const valid = validatePath(path);
  if (!valid.ok) return { kind: 'invalid', path, message: valid.message };
  if (input.onDisk === 'directory' && input.local === undefined) return { kind: 'directory', path };

  const { ignoreText } = input;
  if (typeof ignoreText === 'string') {
    const rule = matchIgnoreRule(ignoreText, path, 'file');
    if (rule) return { kind: 'ignored', path, rule, recorded: input.local !== undefined };
  }

  const peers = input.peers.map((p) => ({
    device: p.device,
    connected: p.connected,
    standing: peerStanding(input.local, p.record, p.indexReceived),
  }));
  const anyPeerRecord = input.peers.some((p) => p.record !== undefined);
  if (input.local === undefined && !anyPeerRecord) {
    if (input.onDisk === 'file') return { kind: 'not-indexed', path, issue: input.issue };
    const fold = caseFoldKey(path);
    const similar = (input.knownPaths ?? []).filter((p) => p !== path && caseFoldKey(p) === fold).slice(0, 5);
    return { kind: 'unknown', path, similar };
  }

  const copies = (input.conflictCopies ?? []).filter((c) => conflictOriginal(c) === path).sort();
  const copyOf = isConflictCopy(path) ? conflictOriginal(path) : undefined;
  return {
    kind: 'tracked',
    path,
    ...(input.local ? { local: facts(input.local) } : {}),
    peers,
    ...(input.state?.kind === 'paused' ? { paused: input.state.message } : {}),
    ...(input.issue ? { issue: input.issue } : {}),
    ...(input.download ? { download: input.download } : {}),
    conflictCopies: copies,
    ...(copyOf !== undefined ? { copyOf } : {}),
    ...(typeof ignoreText === 'object' ? { ignoreUnreadable: ignoreText.unreadable } : {}),
  };
}

/** Paths remembered per folder, at most; the oldest note goes first past it. */
const MAX_NOTES = 10_000;

/**
 * What the engine's events last said about each path: the issue a round reported, and a
 * download under way. Fed every event the engine emits; read by `explain`.
 */
export class PathNotes {
  readonly #issues = new Map<FolderId, Map<string, IssueFacts>>();
  readonly #downloads = new Map<FolderId, Map<string, DownloadFacts>>();

  note(event: EngineEvent): void {
    switch (event.type) {
      case 'file-issue':
        this.#downloads.get(event.folder)?.delete(event.path);
        return put(this.#issues, event.folder, event.path, { code: event.code, message: event.message });
      case 'scan-problems': {
        const issues = this.#issues.get(event.folder);
        for (const [path, issue] of issues ?? []) if (issue.code === 'scan') issues!.delete(path);
        for (const p of event.problems)
          put(this.#issues, event.folder, normalizePath(p.path), { code: 'scan', message: p.message });
        return;
      }
      case 'progress':
        if (event.bytesDone >= event.bytesTotal)
          return void this.#downloads.get(event.folder)?.delete(event.path);
        return put(this.#downloads, event.folder, event.path, {
          bytesDone: event.bytesDone,
          bytesTotal: event.bytesTotal,
        });
      case 'synced':
      case 'conflict':
        this.#issues.get(event.folder)?.delete(event.path);
        this.#downloads.get(event.folder)?.delete(event.path);
        return;
      case 'folder':
        // A new round reports again what is still wrong (as foldersView.ts shows it).
        if (event.state.kind === 'syncing' || event.state.kind === 'idle') {
          const issues = this.#issues.get(event.folder);
          for (const [path, issue] of issues ?? []) if (issue.code !== 'scan') issues!.delete(path);
          if (event.state.kind === 'idle') this.#downloads.delete(event.folder);
        }
        return;
      default:
        return;
    }
  }

  issue(folder: FolderId, path: string): IssueFacts | undefined {
    return this.#issues.get(folder)?.get(path);
  }

  download(folder: FolderId, path: string): DownloadFacts | undefined {
    return this.#downloads.get(folder)?.get(path);
  }

  forget(folder: FolderId): void {
    this.#issues.delete(folder);
    this.#downloads.delete(folder);
  }
}

function put<T>(maps: Map<FolderId, Map<string, T>>, folder: FolderId, path: string, value: T): void {
  let map = maps.get(folder);
  if (!map) maps.set(folder, (map = new Map()));
  map.delete(path);
  map.set(path, value);
  if (map.size > MAX_NOTES) map.delete(map.keys().next().value!);
}

export interface GatherDeps {
  readonly store: Pick<Store, 'getLocal' | 'getRemote' | 'getPeerState' | 'localRecords'>;
  readonly volume: Volume;
  readonly folder: FolderId;
  /** The devices the folder is shared with. */
  readonly devices: readonly DeviceId[];
  readonly connected: ReadonlySet<DeviceId>;
  readonly state: FolderState;
  readonly notes: PathNotes;
}

/** Reads what `explainPath` needs from the ports, then explains. */
export async function gatherExplanation(deps: GatherDeps, asked: string): Promise<Explanation> {
  const path = normalizePath(asked.trim().replace(/^\.?\/+/, ''));
  if (!validatePath(path).ok)
    return explainPath({ path, local: undefined, peers: [], ignoreText: undefined, onDisk: 'absent' });
  const { store, folder, volume } = deps;
  const local = await store.getLocal(folder, path);
  const peers = await Promise.all(
    deps.devices.map(async (device) => ({
      device,
      connected: deps.connected.has(device),
      indexReceived: (await store.getPeerState(folder, device)) !== undefined,
      record: await store.getRemote(folder, device, path),
    })),
  );
  const entry = await volume.stat(path).catch(() => undefined);
  const conflictCopies: string[] = [];
  const knownPaths: string[] = [];
  // One pass over the index: this path's conflict copies, and paths like it if unknown.
  for await (const record of store.localRecords(folder)) {
    if (record.deleted) continue;
    if (isConflictCopy(record.path)) conflictCopies.push(record.path);
    if (local === undefined && knownPaths.length < 1000) knownPaths.push(record.path);
  }
  return explainPath({
    path,
    local,
    peers,
    ignoreText: await readIgnoreText(volume),
    onDisk: entry === undefined ? 'absent' : entry.kind === 'directory' ? 'directory' : 'file',
    state: deps.state,
    issue: deps.notes.issue(folder, path),
    download: deps.notes.download(folder, path),
    conflictCopies,
    knownPaths,
  });
}

/** `.tandemignore`'s text, undefined without one, or why it cannot be read (as ignore.ts reads it). */
async function readIgnoreText(volume: Volume): Promise<string | { unreadable: string } | undefined> {
  try {
    const entry = await volume.stat(IGNORE_FILE);
    if (entry?.kind !== 'file') return undefined;
    const source = await volume.source(IGNORE_FILE);
    if (source.size > MAX_IGNORE_FILE_BYTES) return { unreadable: `${IGNORE_FILE} is larger than 1 MiB` };
    const bytes = source.size === 0 ? new Uint8Array(0) : await source.read(0, source.size);
    return new TextDecoder().decode(bytes);
  } catch (error) {
    return { unreadable: `${IGNORE_FILE} could not be read: ${(error as Error).message}` };
  }
}
