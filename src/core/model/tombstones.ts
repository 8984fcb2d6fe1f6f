/**
 * How long tombstones are kept (DESIGN.md, "Data model": 15 months), and which ones a
 * store may forget. The engine expires them with `Store.expireTombstones(folder,
 * expiryCutoff(clock.now()))`; the port's doc comment says what that costs.
 */
import type { FileRecord } from './fileRecord.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * 15 months of 30.44 days (the mean Gregorian month, 365.2425 / 12, rounded to two
 * places): 456.6 days. Syncthing's default retention is 15 months too.
 */
export const TOMBSTONE_LIFETIME_MS = Math.round(15 * 30.44 * DAY_MS);

/**
 * The `before` to expire tombstones with at time `now` (ms since the epoch, from the
 * engine's Clock): tombstones whose mtime is earlier than this have outlived `lifetime`.
 */
export function expiryCutoff(now: number, lifetime: number = TOMBSTONE_LIFETIME_MS): number {
  return now - lifetime;
}

/**
 * A record that `expireTombstones(folder, before)` forgets: a tombstone whose mtime (for a
 * local one, when the scan saw the file gone: scan.ts, invariant 5) is before `before`.
 */
export function isExpiredTombstone(record: Pick<FileRecord, 'deleted' | 'mtime'>, before: number): boolean {
  return record.deleted && record.mtime < before;
}
