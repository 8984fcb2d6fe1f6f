/**
 * What the folders screen shows of one folder, built from the engine's events: its state,
 * the round's progress (per peer too), the files downloading now, recent activity and the
 * files not in sync. Plain data and pure updates, so the service stays small and the logic
 * is tested without a browser.
 */
import type { EngineEvent, FileIssueCode, FolderState } from '../core/engine/events.ts';
import type { DeviceId, FolderId } from '../ports/Store.ts';

/** Recent activity kept per folder. */
export const ACTIVITY_LIMIT = 20;

/** Whether the page may use the folder's directory (File System Access permission). */
export type FolderAccess =
  /** Syncing (or about to): the engine has it. */
  | { readonly kind: 'running' }
  /** The browser asks again on this visit: one click on "Allow access". */
  | { readonly kind: 'needs-permission' }
  /** Cannot run: permission denied, or the app-private folder is gone. */
  | { readonly kind: 'unavailable'; readonly message: string };

/** A round's progress, as the engine's `folder-progress` event gives it. */
export type FolderProgress = Omit<Extract<EngineEvent, { type: 'folder-progress' }>, 'type' | 'folder'>;

/** A download under way: from its first progress until it lands, fails or the round ends. */
export interface FileInFlight {
  readonly path: string;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** bytes/s over the file so far. */
  readonly rate: number;
}

export interface FolderActivity {
  readonly path: string;
  /** A change that arrived from a peer, a conflict, or (`-here`) one the scan found here. */
  readonly what: 'written' | 'deleted' | 'adopted' | 'conflict' | 'changed-here' | 'deleted-here';
  /** For a conflict: where the other version was kept. */
  readonly copyName?: string;
  /** ms since the epoch. */
  readonly at: number;
}

export interface FolderIssue {
  readonly path: string;
  readonly code: FileIssueCode | 'scan';
  readonly message: string;
}

export interface FolderView {
  readonly id: FolderId;
  readonly label: string;
  /** Where it lives on this device, for people: a folder's name, or "in this browser". */
  readonly where: string;
  readonly devices: readonly DeviceId[];
  readonly access: FolderAccess;
  readonly state: FolderState;
  readonly progress?: FolderProgress;
  /**
   * Downloads under way, in the order they started; absent or empty when none. Few at a
   * time (the engine applies a handful of actions at once); the UI shows the first ones.
   */
  readonly inFlight?: readonly FileInFlight[];
  /** Newest first, at most ACTIVITY_LIMIT. */
  readonly activity: readonly FolderActivity[];
  /** One per path, latest first. */
  readonly issues: readonly FolderIssue[];
}

const SYNCED: Record<'write' | 'delete' | 'adopt', FolderActivity['what']> = {
  write: 'written',
  delete: 'deleted',
  adopt: 'adopted',
};

function addActivity(view: FolderView, item: FolderActivity): FolderView {
  return { ...view, activity: [item, ...view.activity].slice(0, ACTIVITY_LIMIT) };
}

function addIssue(view: FolderView, issue: FolderIssue): FolderView {
  return { ...view, issues: [issue, ...view.issues.filter((i) => i.path !== issue.path)] };
}

/** The view without the downloads at `paths` (they landed, or stopped with an issue). */
function landed(view: FolderView, ...paths: string[]): FolderView {
  const before = view.inFlight ?? [];
  const after = before.filter((f) => !paths.includes(f.path));
  return after.length === before.length ? view : { ...view, inFlight: after };
}

function moved(view: FolderView, file: FileInFlight): FolderView {
  const list = view.inFlight ?? [];
  const at = list.findIndex((f) => f.path === file.path);
  const inFlight = at < 0 ? [...list, file] : list.map((f, i) => (i === at ? file : f));
  return { ...view, inFlight };
}

/**
 * The view after one engine event about this folder (`now` stamps activity). A new
 * round (scanning or syncing) starts a new list of issues: the engine reports again what
 * is still wrong; a folder no longer syncing has no progress and no download left to show.
 */
export function applyFolderEvent(view: FolderView, event: EngineEvent, now: number): FolderView {
  switch (event.type) {
    case 'folder': {
      const fresh = event.state.kind === 'syncing' && view.state.kind !== 'syncing';
      const syncing = event.state.kind === 'syncing';
      return {
        ...view,
        state: event.state,
        progress: syncing && !fresh ? view.progress : undefined,
        inFlight: syncing ? view.inFlight : [],
        issues: fresh ? view.issues.filter((i) => i.code === 'scan') : view.issues,
      };
    }
    case 'folder-progress': {
      const { filesDone, filesTotal, bytesDone, bytesTotal, rate, etaSeconds, peers } = event;
      return {
        ...view,
        progress: { filesDone, filesTotal, bytesDone, bytesTotal, rate, etaSeconds, peers },
      };
    }
    case 'progress': {
      const { path, bytesDone, bytesTotal, rate } = event;
      return moved(view, { path, bytesDone, bytesTotal, rate });
    }
    case 'synced':
      return addActivity(landed(view, event.path), { path: event.path, what: SYNCED[event.action], at: now });
    case 'scanned':
      // Oldest first, so the scan's first change ends up on top, as the engine listed them.
      return [...event.paths]
        .reverse()
        .reduce(
          (v, { path, deleted }) =>
            addActivity(v, { path, what: deleted ? 'deleted-here' : 'changed-here', at: now }),
          view,
        );
    case 'conflict':
      // The download was the winner (at `path`) or the peer's losing version (at the copy).
      return addActivity(landed(view, event.path, event.copyName), {
        path: event.path,
        what: 'conflict',
        copyName: event.copyName,
        at: now,
      });
    case 'file-issue':
      return addIssue(landed(view, event.path), {
        path: event.path,
        code: event.code,
        message: event.message,
      });
    case 'scan-problems':
      return event.problems.reduce<FolderView>(
        (v, p) => addIssue(v, { path: p.path, code: 'scan', message: p.message }),
        { ...view, issues: view.issues.filter((i) => i.code !== 'scan') },
      );
    default:
      return view;
  }
}

/** The folder an event is about, if it is about one. */
export function eventFolder(event: EngineEvent): FolderId | undefined {
  return 'folder' in event && typeof event.folder === 'string' ? event.folder : undefined;
}

/** Control characters: C0 and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * A name for an app-private (OPFS) folder from its label: printable, without characters
 * file systems refuse, not a dot name, at most 60 characters; `taken` names get " (2)",
 * " (3)"… so a new folder never lands in an existing one.
 */
export function opfsFolderName(label: string, taken: ReadonlySet<string>): string {
  const cleaned = label
    .normalize('NFC')
    .replace(CONTROL, ' ')
    .replace(/[/\\:*?"<>|]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .slice(0, 60)
    .trim();
  const base = cleaned === '' ? 'Folder' : cleaned;
  if (!taken.has(base)) return base;
  for (let n = 2; n < 10_000; n++) {
    const name = `${base} (${n})`;
    if (!taken.has(name)) return name;
  }
  throw new Error(`no free name for a folder called ${base}`);
}

/** A label as the person typed it: trimmed, 1–100 characters, no control characters. */
export function validateLabel(label: string): string {
  const trimmed = label.normalize('NFC').trim();
  if (trimmed === '') throw new Error('give the folder a name');
  if (trimmed.length > 100) throw new Error('a folder name is at most 100 characters');
  if (trimmed.replace(CONTROL, '') !== trimmed) throw new Error('a folder name has no control characters');
  return trimmed;
}
