/** Transfer between peers: the typed channel, chunk requester and server, and rsync deltas for small edited files. */
export {
  ChunkFetchError,
  ChunkRequester,
  type AttemptFailure,
  type ChunkRequesterOptions,
  type FetchAttempt,
  type PeerLoad,
} from './chunkRequester.ts';
export { ChunkServer, type ChunkServerOptions } from './chunkServer.ts';
export {
  chooseTransfer,
  deltaOverhead,
  DELTA_MAX_FILE_BYTES,
  DELTA_MIN_GAIN,
  fetchChunkFromBytes,
  type TransferChoice,
} from './chooseTransfer.ts';
export {
  DeltaFetcher,
  DeltaFetchError,
  type DeltaFailure,
  type DeltaFetcherOptions,
  type DeltaFetchResult,
  type DeltaRequest,
} from './deltaFetcher.ts';
export { DeltaServer, type DeltaServerOptions } from './deltaServer.ts';
export { PeerChannel, reasonText, type MessageOf } from './peerChannel.ts';
