/** Chunk transfer between peers: the typed channel, the requester and the server. */
export {
  ChunkFetchError,
  ChunkRequester,
  type AttemptFailure,
  type ChunkRequesterOptions,
  type FetchAttempt,
  type PeerLoad,
} from './chunkRequester.ts';
export { ChunkServer, type ChunkServerOptions } from './chunkServer.ts';
export { PeerChannel, reasonText, type MessageOf } from './peerChannel.ts';
