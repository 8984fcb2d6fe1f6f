/** The model: file records, version vectors, path rules and conflict naming, as pure data and functions. */

export type { ChunkRef, DeviceShortId, FileRecord, VersionVector } from './fileRecord.ts';
export {
  baseName,
  caseFoldKey,
  findCaseCollisions,
  MAX_PATH_BYTES,
  MAX_SEGMENT_BYTES,
  normalizePath,
  parentOf,
  PATH_PROBLEM_MESSAGES,
  utf8Length,
  validatePath,
  type PathProblem,
  type PathResult,
} from './paths.ts';
export {
  bumpVersion,
  compareVersions,
  dominates,
  isValidVersionVector,
  mergeVersions,
  VERSION_VECTOR_LIMITS,
  type VersionOrder,
} from './versionVector.ts';
export {
  chooseConflictWinner,
  conflictCopyName,
  deleteSupersedes,
  isConflictCopy,
  isRealConflict,
} from './conflictName.ts';
export { deviceIdFromDigest, shortDeviceId, SHORT_ID_LENGTH } from './device.ts';
export { FOLDER_ID_DIGITS, INDEX_ID_DIGITS, newFolderId, newIndexId, randomHex } from './ids.ts';
export { expiryCutoff, isExpiredTombstone, TOMBSTONE_LIFETIME_MS } from './tombstones.ts';
