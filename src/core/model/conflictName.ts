/**
 * Conflicts (DESIGN.md, "Sync" step 6): which of two concurrent records keeps the path,
 * and the name the other one is kept under.
 *
 * - Only a real conflict needs either: concurrent versions whose outcomes differ (other
 *   content, or one deleted and one not). The same content on both sides is never a
 *   conflict, nor are two concurrent deletes (`isRealConflict`).
 * - The copy is `dir/name.sync-conflict-YYYYMMDD-HHMMSS-<device>.ext`, from the losing
 *   record's mtime and `modifiedBy`. The time is in UTC, not local time (Syncthing uses
 *   local time at detection), so every device derives the same name from the same
 *   record and the copy is never duplicated under two names.
 * - The extension is what follows the last dot of the base name (`a.tar.gz` →
 *   `a.tar.sync-conflict-….gz`); a name whose only dot leads it (`.bashrc`) or that has
 *   none gets the suffix at its end.
 * - When that name is taken by other content, the planner tries `…-<device>-2.ext`,
 *   `-3`, and so on (the `attempt` argument), taking the first whose records every
 *   device sees the same (core/plan/copyPlacement.ts), so the copy still gets one name.
 *   Short device IDs are base32, without `-`, so `-2` cannot be read as part of one.
 */

import { equalBytes } from '../content/bytes.ts';
import type { DeviceShortId, FileRecord, VersionVector } from './fileRecord.ts';
import { baseName, MAX_SEGMENT_BYTES, parentOf, utf8Length, validatePath } from './paths.ts';
import { compareVersions } from './versionVector.ts';

const CONFLICT_MARK = '.sync-conflict-';
const CONFLICT_COPY = /\.sync-conflict-\d{8}-\d{6}-[A-Za-z0-9_-]{1,64}(?:-[1-9]\d{0,15})?(?:\.[^./]+)?$/;
/** Latest time the `YYYYMMDD` form can show: 9999-12-31T23:59:59.999Z. */
const MAX_NAMED_MS = 253402300799999;

/**
 * The name the losing record of a conflict is kept under, next to the original; for an
 * `attempt` past 1 (the name before was taken), the same with `-<attempt>` after the
 * device (`notes.sync-conflict-20240305-070809-DEV1-2.txt`).
 *
 * `mtimeMs` outside 1970–9999 (or not a number) is clamped into that range. `device` is
 * a short device ID; any character outside `A–Z a–z 0–9 _ -` becomes `_` and it is cut
 * to 64 characters, so a malformed ID cannot make a malformed name. For a valid `path`
 * the result is a valid path: when the suffix would push the name past 255 UTF-8 bytes
 * (or the path past 4096), the part before the extension is shortened (or, if the
 * extension alone is too long, the whole name is, with the suffix at its end). Only a
 * path within a few bytes of 4096 whose name is too short to give them back stays long.
 * `attempt` is taken as a whole number of at least 1 (anything else counts as 1).
 */
export function conflictCopyName(path: string, mtimeMs: number, device: DeviceShortId, attempt = 1): string {
  const counter = Number.isSafeInteger(attempt) && attempt > 1 ? `-${attempt}` : '';
  const suffix = `${CONFLICT_MARK}${utcStamp(mtimeMs)}-${safeDevice(device)}${counter}`;
  const dir = parentOf(path);
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  const hasExtension = dot > 0 && dot < name.length - 1;
  const budget = MAX_SEGMENT_BYTES - utf8Length(suffix);
  const extension = hasExtension && utf8Length(name.slice(dot)) < budget ? name.slice(dot) : '';
  const stem = extension === '' ? name : name.slice(0, dot);
  const join = (copy: string) => (dir === '' ? copy : `${dir}/${copy}`);
  let copy = join(stem + suffix + extension);
  // Shortening the stem can leave a name Windows reserves (`CON.sync-conflict-…`), one
  // no longer NFC, or a path still too long: keep cutting until the path is valid.
  for (let room = budget - utf8Length(extension); room >= 0; room--) {
    copy = join(truncateUtf8(stem, room) + suffix + extension);
    if (validatePath(copy).ok) break;
  }
  return copy;
}

/** True when the base name of `path` has the form `conflictCopyName` gives. */
export function isConflictCopy(path: string): boolean {
  return CONFLICT_COPY.test(baseName(path));
}

/**
 * The path a conflict copy was named after (`dir/a.sync-conflict-…-DEV.txt` →
 * `dir/a.txt`), or undefined when `path` is not a conflict copy. A copy whose name was
 * shortened to fit (see `conflictCopyName`) gives the shortened original, which may not
 * exist: the caller checks.
 */
export function conflictOriginal(path: string): string | undefined {
  const name = baseName(path);
  const match = CONFLICT_COPY.exec(name);
  if (!match || match.index === 0) return undefined;
  const extension = /\.[^./]+$/.exec(match[0].slice(CONFLICT_MARK.length))?.[0] ?? '';
  const original = name.slice(0, match.index) + extension;
  const dir = parentOf(path);
  return dir === '' ? original : `${dir}/${original}`;
}

/**
 * True when two records of one path are a conflict to resolve: their versions are
 * concurrent, and either one is deleted and the other not, or both exist with different
 * content hashes. Equal content is never a conflict (either record may be taken, after
 * merging the versions); neither are two deletes.
 */
export function isRealConflict(a: FileRecord, b: FileRecord): boolean {
  if (compareVersions(a.version, b.version) !== 'concurrent') return false;
  if (a.deleted !== b.deleted) return true;
  return !a.deleted && !equalBytes(a.hash, b.hash);
}

/**
 * True when `tombstone` deleted the very content `live` holds, although their versions
 * are concurrent: the delete's history includes the edit that made that content, which
 * is `live.version[live.modifiedBy]` (a device's counter on one path grows with each of
 * its edits, and a record keeps the author of its content, merged or not). This is the
 * case of a conflict resolved on one device (the winner carries the merged version)
 * while another deletes the winner's content it already had: the merge makes them
 * concurrent, but nothing in `live` is news to the deleter, so the delete stands and no
 * copy is kept. "An edit beats a delete" is for edits the deleter never saw.
 */
export function deleteSupersedes(tombstone: FileRecord, live: FileRecord): boolean {
  if (!tombstone.deleted || live.deleted) return false;
  if (compareVersions(tombstone.version, live.version) !== 'concurrent') return false;
  const authored = counterOf(live.version, live.modifiedBy);
  // No counter of its author: where the content came from is unknown, so it is news.
  return authored > 0 && counterOf(tombstone.version, live.modifiedBy) >= authored;
}

function counterOf(v: VersionVector, device: DeviceShortId): number {
  return Object.hasOwn(v, device) ? (v[device] ?? 0) : 0;
}

/**
 * Of two records in a real conflict (`isRealConflict`), the one that keeps the path; the
 * other is kept as `conflictCopyName(other.path, other.mtime, other.modifiedBy)`, unless
 * it is a tombstone, which has nothing to keep.
 *
 * In order: a live file beats a delete (an edit concurrent with a delete wins, whatever
 * the times); then the newer mtime; then the lexically greater `modifiedBy` (code-unit
 * order, not locale order, so every device agrees); then, for records that still tie,
 * the greater content hash, then version, then size. Only fields every device sees the
 * same are used (never `sequence`, which is local), so the answer is the same on every
 * device and whatever the argument order. Records tying on all of them are
 * interchangeable; `a` is returned.
 */
export function chooseConflictWinner(a: FileRecord, b: FileRecord): FileRecord {
  return compareForName(a, b) >= 0 ? a : b;
}

/** > 0 when `a` keeps the name over `b`; 0 only for records equal in every field used. */
function compareForName(a: FileRecord, b: FileRecord): number {
  if (a.deleted !== b.deleted) return a.deleted ? -1 : 1;
  if (a.mtime !== b.mtime) return a.mtime > b.mtime ? 1 : -1;
  return (
    compareStrings(a.modifiedBy, b.modifiedBy) ||
    compareBytes(a.hash, b.hash) ||
    compareStrings(versionKey(a.version), versionKey(b.version)) ||
    Math.sign(a.size - b.size)
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return Math.sign(a.length - b.length);
}

/** A canonical string for a version: non-zero entries in key order. */
function versionKey(v: VersionVector): string {
  const entries = Object.keys(v)
    .map((device): [string, number] => [device, Object.hasOwn(v, device) ? (v[device] ?? 0) : 0])
    .filter(([, n]) => n > 0)
    .sort(([x], [y]) => compareStrings(x, y));
  return JSON.stringify(entries);
}

function utcStamp(mtimeMs: number): string {
  const ms = Number.isNaN(mtimeMs) ? 0 : Math.min(Math.max(mtimeMs, 0), MAX_NAMED_MS);
  const t = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${String(t.getUTCFullYear()).padStart(4, '0')}${two(t.getUTCMonth() + 1)}${two(t.getUTCDate())}`;
  return `${date}-${two(t.getUTCHours())}${two(t.getUTCMinutes())}${two(t.getUTCSeconds())}`;
}

function safeDevice(device: DeviceShortId): string {
  const safe = device.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return safe === '' ? '_' : safe;
}

/** The longest prefix of `s`, in whole code points, of at most `maxBytes` UTF-8 bytes. */
function truncateUtf8(s: string, maxBytes: number): string {
  if (utf8Length(s) <= maxBytes) return s;
  let bytes = 0;
  let out = '';
  for (const point of s) {
    bytes += utf8Length(point);
    if (bytes > maxBytes) break;
    out += point;
  }
  return out;
}
