/**
 * The Tandem wire protocol, version 1: what two engines say to each other over one
 * ordered, reliable transport (a WebRTC data channel, or a memory pipe in simulation).
 *
 * Every transport message is exactly one message below, encoded as one MessagePack map
 * with a literal `kind` (codec.ts). The transport frames and paces bytes; this layer
 * never sees frames. Unknown fields are ignored (a newer peer may add some); an unknown
 * kind, a missing or ill-typed field, or a message over its size cap is refused with a
 * `malformed`/`too-large` error and the connection closes. Nothing a peer sends is used
 * before codec.ts has validated it.
 *
 * Flow, per connection (both sides are peers; each runs both halves):
 *
 *     A → B  hello         protocol version, device, the folders A shares with B, and
 *                          for each the highest sequence A already has from B
 *     A → B  index …       records B lacks: those after B's sequence (delta index), in
 *                          batches; `last` closes the batch run
 *     A → B  reconcile …   on first contact or index reset, instead of a full index
 *                          (core/exchange/reconcileSession.ts has the whole flow): the
 *                          streaming side A sends rateless IBLT symbols (core/reconcile)
 *     B → A  more          the decoding side B asks for symbols up to a stream index
 *     B → A  want …        B decoded: the keys whose records it needs, `last` on the
 *                          final one; each side then sends its differing records as one
 *                          `index` run
 *     A → B  request       pull one chunk by hash; B answers `chunk` with the bytes, or
 *                          `error` with the same id
 *     A ↔ B  refine        rsync refinement for a small edited file (core/content/rsync)
 *     A → B  progress      how far A's download of a file is (for B's UI)
 *     A → B  close         a clean goodbye with a reason
 */
import type { ErrorCode } from './errors.ts';
import type { FileRecord } from '../model/fileRecord.ts';

export const PROTOCOL_VERSION = 1;

/** Caps: a message larger than `MAX_MESSAGE_BYTES` is refused before decoding. */
export const LIMITS = {
  /**
   * Room for an index batch holding one record with the most chunks a record may have
   * (`chunksPerRecord` × a 32-byte hash and a size: 37 MiB, a file of about 64 GiB).
   * Batches otherwise stay near `indexBatchBytes`, and chunk data far below either.
   */
  messageBytes: 40 << 20,
  /** What the records of one index batch aim to stay under; a bigger record goes alone. */
  indexBatchBytes: 1 << 20,
  chunkBytes: 256 * 1024,
  folders: 256,
  recordsPerIndex: 1000,
  chunksPerRecord: 1 << 20,
  keysPerWant: 8192,
  nameLength: 64,
  labelLength: 256,
  reasonLength: 512,
  opaqueBytes: 512 * 1024,
} as const;

export interface FolderOffer {
  /** Random 128-bit folder ID, 32 lowercase hex digits. */
  readonly id: string;
  readonly label: string;
  /** The sender's index ID for this folder (16 hex digits); a new one means "start over". */
  readonly indexId: string;
  /** The sender's highest local sequence in this folder. */
  readonly maxSequence: number;
  /** The highest sequence the sender has from the receiver (0: none; send everything). */
  readonly receivedSequence: number;
  /**
   * The receiver's index ID that `receivedSequence` counts in ('' when the sender holds
   * nothing from the receiver). If it is not the receiver's current index ID, the receiver
   * reset its index since, and sends everything.
   */
  readonly receivedIndexId: string;
}

export interface Hello {
  readonly kind: 'hello';
  readonly protocol: number;
  readonly device: string;
  readonly name: string;
  readonly folders: readonly FolderOffer[];
}

export interface IndexBatch {
  readonly kind: 'index';
  readonly folder: string;
  readonly indexId: string;
  readonly records: readonly FileRecord[];
  /** The last batch of this run: the receiver is now up to date to the sender's sequence. */
  readonly last: boolean;
}

export interface Reconcile {
  readonly kind: 'reconcile';
  readonly folder: string;
  /** Coded symbols, encoded by core/reconcile and validated there. */
  readonly symbols: Uint8Array;
}

/** The decoding side of a reconciliation asks for more coded symbols. */
export interface More {
  readonly kind: 'more';
  readonly folder: string;
  /** Send symbols up to this stream index (exclusive); more than the last `more` asked. */
  readonly upTo: number;
}

export interface Want {
  readonly kind: 'want';
  readonly folder: string;
  /**
   * Reconciliation keys (16 bytes each, concatenated, at most `LIMITS.keysPerWant`) whose
   * records the sender needs; may be empty on the `last` want.
   */
  readonly keys: Uint8Array;
  /** The final want of this reconciliation: the receiver now answers with one `index` run. */
  readonly last: boolean;
  /**
   * The sender gave up decoding: it wants every record (no keys; `last` is set), and sends
   * every record of its own. A fallback no honest reconciliation needs.
   */
  readonly all: boolean;
}

export interface ChunkRequest {
  readonly kind: 'request';
  readonly id: number;
  readonly folder: string;
  readonly path: string;
  /** SHA-256 of the wanted chunk; the answer is verified against it. */
  readonly hash: Uint8Array;
  /** Where the sender's index says the chunk starts, and its size. */
  readonly offset: number;
  readonly size: number;
}

export interface ChunkData {
  readonly kind: 'chunk';
  readonly id: number;
  readonly data: Uint8Array;
}

/**
 * One step of an rsync refinement session (core/transfer/deltaServer.ts has the flow). The
 * side that wants the file holds its old version, names the session with `id` (from the
 * same id space as `request`: failures come back as `error` with that id) and opens it
 * with `hash`; the side serving the file answers with `reply` set.
 */
export interface Refine {
  readonly kind: 'refine';
  readonly id: number;
  /** false: from the side that wants the file (COARSE, SUBSIGS); true: from the server (WANT, delta). */
  readonly reply: boolean;
  readonly folder: string;
  readonly path: string;
  /** Opening message only: the file hash wanted; a server whose file hashes otherwise answers `not-found`. */
  readonly hash?: Uint8Array;
  /** Opening message only: the largest delta taken, in bytes; a larger one is answered `too-large`. */
  readonly maxDelta?: number;
  /** One rsync refinement message (core/content/rsync/refineFormat.ts) or the final delta, validated there. */
  readonly payload: Uint8Array;
}

export interface Progress {
  readonly kind: 'progress';
  readonly folder: string;
  readonly path: string;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface ErrorMessage {
  readonly kind: 'error';
  /** The request this answers, or 0 for the connection as a whole. */
  readonly id: number;
  readonly code: ErrorCode;
  readonly message: string;
}

export interface Close {
  readonly kind: 'close';
  readonly reason: string;
}

export type Message =
  | Hello
  | IndexBatch
  | Reconcile
  | More
  | Want
  | ChunkRequest
  | ChunkData
  | Refine
  | Progress
  | ErrorMessage
  | Close;

export type MessageKind = Message['kind'];
