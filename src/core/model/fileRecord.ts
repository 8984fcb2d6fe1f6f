/**
 * The file record: what one device knows about one path of a folder (DESIGN.md, "Data
 * model"). Plain data, so it stores in IndexedDB and crosses the wire as it is.
 */

/** Short form of a device ID (DESIGN.md: base32 of SHA-256 of the public key, shortened). */
export type DeviceShortId = string;

/**
 * Version vector: device short ID → counter. On a local change the device sets its own
 * counter to max(previous + 1, now in seconds). Absent devices count as 0. Operations:
 * core/model/versionVector.ts.
 */
export type VersionVector = Readonly<Record<DeviceShortId, number>>;

export interface ChunkRef {
  /** SHA-256 of the chunk's bytes (core/content/hash.ts). */
  readonly hash: Uint8Array;
  readonly size: number;
}

export interface FileRecord {
  /** Folder-relative, NFC, `/`-separated, validated (core/model/paths.ts). */
  readonly path: string;
  /** Bytes; 0 for a tombstone. */
  readonly size: number;
  /** Modification time, milliseconds since the epoch, as the volume reports it. */
  readonly mtime: number;
  /** File hash (core/content/hash.ts); empty for a tombstone. */
  readonly hash: Uint8Array;
  /** The file's chunks in order; empty for a tombstone. */
  readonly chunks: readonly ChunkRef[];
  readonly version: VersionVector;
  /** A tombstone: the path was deleted at this version. */
  readonly deleted: boolean;
  /** Local sequence number: increases with every change this device records. */
  readonly sequence: number;
  /** The device whose change made this version (names conflict copies). */
  readonly modifiedBy: DeviceShortId;
}
