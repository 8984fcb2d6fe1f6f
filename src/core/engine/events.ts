/**
 * What the engine tells the app (and the simulation): events, plain data. The UI builds
 * its picture of each folder from them ("up to date", what is left, per-file progress,
 * conflicts, why a file is not in sync); nothing in the engine waits on a listener.
 */
import type { BlockedReason } from '../plan/actions.ts';
import type { ScanPauseReason, ScanProblem } from './scan.ts';
import type { DeviceId, FolderId } from '../../ports/Store.ts';

/** Changed paths a `scanned` event names, at most: as many as a person reads at a glance. */
export const SCANNED_PATHS_SHOWN = 20;

/** Where a folder stands. */
export type FolderState =
  /** Nothing to do: the folder matches everything known from peers. */
  | { readonly kind: 'idle' }
  | { readonly kind: 'scanning' }
  /** Carrying out a plan: `files` actions, `bytes` to fetch, in this round. */
  | { readonly kind: 'syncing'; readonly files: number; readonly bytes: number }
  /** Not touched until it is back (DESIGN.md: a vanished folder pauses). */
  | { readonly kind: 'paused'; readonly reason: ScanPauseReason; readonly message: string };

/** Why one file is not in sync this round: a closed set, shown to the user. */
export type FileIssueCode =
  | BlockedReason
  /** No connected peer has its content; it is fetched when one connects. */
  | 'waiting-for-peer'
  /** Fetching or writing failed; it is retried. */
  | 'failed';

/**
 * What one peer delivered in a plan round. There is no "bytes left" per peer: the chunk
 * requester picks the least-loaded peer for each chunk when it asks for it, so what is
 * left of the round belongs to no peer yet (the round's own figures say what is left).
 */
export interface PeerRoundProgress {
  readonly peer: DeviceId;
  /** The round's downloads it has served chunks of that have not ended yet. */
  readonly files: number;
  /** Bytes received from it this round: chunks, or a delta's payload. */
  readonly bytesReceived: number;
  /** `bytesReceived` per second since the round began. */
  readonly rate: number;
}

export type EngineEvent =
  | { readonly type: 'folder'; readonly folder: FolderId; readonly state: FolderState }
  /** A download's progress: after every chunk written. `rate` is bytes/s over the file so far. */
  | {
      readonly type: 'progress';
      readonly folder: FolderId;
      readonly path: string;
      readonly bytesDone: number;
      readonly bytesTotal: number;
      readonly rate: number;
    }
  /**
   * A plan round's progress over all its files (roundProgress.ts): `rate` in bytes/s since
   * the round began; `etaSeconds` at that rate, once there is one.
   */
  | {
      readonly type: 'folder-progress';
      readonly folder: FolderId;
      readonly filesDone: number;
      readonly filesTotal: number;
      readonly bytesDone: number;
      readonly bytesTotal: number;
      readonly rate: number;
      readonly etaSeconds?: number;
      /** Who the round's bytes came from, once any came from a peer. */
      readonly peers?: readonly PeerRoundProgress[];
    }
  /**
   * Local changes the scan recorded (new versions and tombstones): how many, and the first
   * `SCANNED_PATHS_SHOWN` of them (a first scan records every file).
   */
  | {
      readonly type: 'scanned';
      readonly folder: FolderId;
      readonly changed: number;
      readonly paths: readonly { readonly path: string; readonly deleted: boolean }[];
    }
  /** Paths the scan left out, and why. */
  | { readonly type: 'scan-problems'; readonly folder: FolderId; readonly problems: readonly ScanProblem[] }
  /** A remote change carried out at `path`. */
  | {
      readonly type: 'synced';
      readonly folder: FolderId;
      readonly path: string;
      readonly action: 'write' | 'delete' | 'adopt';
    }
  /** Both versions kept: the other at `copyName`. */
  | { readonly type: 'conflict'; readonly folder: FolderId; readonly path: string; readonly copyName: string }
  | {
      readonly type: 'file-issue';
      readonly folder: FolderId;
      readonly path: string;
      readonly code: FileIssueCode;
      readonly message: string;
    }
  | { readonly type: 'peer'; readonly peer: DeviceId; readonly connected: boolean; readonly reason?: string }
  /**
   * What a connected peer offers to share that this device does not have yet: the page
   * asks whether to accept each into a folder of the person's choosing (`addFolder` with
   * the same ID). Empty once the peer is gone or everything offered is taken.
   */
  | {
      readonly type: 'folders-offered';
      readonly peer: DeviceId;
      readonly folders: readonly { readonly id: FolderId; readonly label: string }[];
    }
  /** Something the engine could not handle; the folder carries on where it can. */
  | { readonly type: 'error'; readonly folder?: FolderId; readonly message: string };
