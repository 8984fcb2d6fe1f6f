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
export { chooseConflictWinner, conflictCopyName, isConflictCopy, isRealConflict } from './conflictName.ts';
