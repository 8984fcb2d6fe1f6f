/**
 * Meets another page in a relay room and sets up a WebRTC connection with it: the one
 * thing pairing and reconnection share before their handshakes. The initiator offers to
 * the first other member it sees; the answerer answers the newest attempt it is offered.
 * Signals go through the relay as `connectorSignals.ts` encodes them; the relay is
 * untrusted, and the handshakes above check what this connection turned out to be.
 *
 * Resolves with the open transport and the DTLS fingerprints both SDPs named, having left
 * the room. Rejects with `MeetError`: aborted, the relay closed or refused, nobody came in
 * time, or the connection did not open.
 */
import type SimplePeer from '@thaunknown/simple-peer/lite.js';
import { CryptoRandom } from '../adapters/random/CryptoRandom.ts';
import { createWebRtcPeer, type WebRtcPeerOptions } from '../adapters/transport/webRtcPeer.ts';
import { openWebRtcTransport, type WebRtcTransport } from '../adapters/transport/WebRtcTransport.ts';
import { readConnectionPath, type ConnectionPath } from './connectionPath.ts';
import { toBase64url } from './base64url.ts';
import { decodeSignal, encodeSignal } from './connectorSignals.ts';
import { parseSdpFingerprint } from './fingerprint.ts';
import type { FingerprintView } from './handshakeMessages.ts';
import { SignalingClient, type SocketConstructor } from './signalingClient.ts';

/** How long one WebRTC attempt may take once both pages are in the room. */
export const ATTEMPT_TIMEOUT_MS = 15_000;

export interface MeetOptions {
  /** The relay endpoint (`signalingUrlFor(location.href)`). */
  readonly url: string;
  readonly room: string;
  readonly initiator: boolean;
  /** This device's persistent DTLS certificate. */
  readonly certificate: RTCCertificate;
  readonly iceServers?: readonly RTCIceServer[];
  readonly signal?: AbortSignal;
  /** Called each time a WebRTC attempt starts (someone else is in the room). */
  readonly onAttempt?: () => void;
  readonly attemptTimeoutMs?: number;
  /** How long to wait for another member before giving up; default: until aborted. */
  readonly waitMs?: number;
  readonly WebSocket?: SocketConstructor;
  readonly createPeer?: (options: WebRtcPeerOptions) => SimplePeer;
}

export interface Meeting {
  readonly transport: WebRtcTransport;
  readonly fingerprints: FingerprintView;
  /** Which way the connection runs now (connectionPath.ts); undefined once it closed. */
  readonly path: () => Promise<ConnectionPath | undefined>;
}

export type MeetErrorKind = 'aborted' | 'relay' | 'nobody' | 'connection';

export class MeetError extends Error {
  override readonly name = 'MeetError';
  constructor(
    readonly kind: MeetErrorKind,
    message: string,
  ) {
    super(message);
  }
}

interface Attempt {
  readonly id: string;
  readonly member: string;
  readonly peer: SimplePeer;
  readonly abort: AbortController;
  readonly stopTimer: () => void;
}

const random = new CryptoRandom();
const newAttemptId = () => toBase64url(random.bytes(16));

export function meetInRoom(options: MeetOptions): Promise<Meeting> {
  return new Promise<Meeting>((resolve, reject) => {
    const makePeer = options.createPeer ?? createWebRtcPeer;
    let settled = false;
    let attempt: Attempt | undefined;
    let waitTimer: ReturnType<typeof setTimeout> | undefined;

    if (options.signal?.aborted) return reject(new MeetError('aborted', 'cancelled'));
    let client: SignalingClient;
    try {
      client = SignalingClient.join({ url: options.url, room: options.room, WebSocket: options.WebSocket });
    } catch (error) {
      return reject(new MeetError('relay', (error as Error).message));
    }

    const dropAttempt = () => {
      if (!attempt) return;
      attempt.stopTimer();
      attempt.abort.abort(new Error('superseded'));
      attempt.peer.destroy();
      attempt = undefined;
    };
    const finish = (outcome: Meeting | MeetError) => {
      if (settled) return;
      settled = true;
      clearTimeout(waitTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (outcome instanceof MeetError) {
        dropAttempt();
        client.close();
        reject(outcome);
      } else {
        attempt?.stopTimer();
        attempt = undefined; // the transport owns the peer now
        client.close();
        resolve(outcome);
      }
    };
    const onAbort = () => finish(new MeetError('aborted', 'cancelled'));
    options.signal?.addEventListener('abort', onAbort);
    if (options.waitMs !== undefined) {
      waitTimer = setTimeout(
        () => finish(new MeetError('nobody', 'no other device came to the meeting room in time')),
        options.waitMs,
      );
    }

    const start = (member: string, id: string): Attempt => {
      dropAttempt();
      clearTimeout(waitTimer);
      const peer = makePeer({
        initiator: options.initiator,
        iceServers: options.iceServers,
        certificates: [options.certificate],
      });
      const abort = new AbortController();
      const timer = setTimeout(
        () => abort.abort(new Error('the connection did not open in time')),
        options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS,
      );
      const current: Attempt = { id, member, peer, abort, stopTimer: () => clearTimeout(timer) };
      attempt = current;
      peer.on('signal', (signal) => {
        if (attempt !== current || client.state !== 'joined') return;
        try {
          client.send(member, encodeSignal({ attempt: id, signal }));
        } catch {
          // The member left or the relay is closing: the attempt fails on its own.
        }
      });
      options.onAttempt?.();
      openWebRtcTransport(peer, { signal: abort.signal }).then(
        (transport) => {
          if (attempt !== current || settled) return transport.close('superseded');
          let fingerprints: FingerprintView;
          try {
            fingerprints = {
              local: parseSdpFingerprint(transport.session.localSdp),
              remote: parseSdpFingerprint(transport.session.remoteSdp),
            };
          } catch (error) {
            transport.close('unreadable fingerprints');
            return finish(new MeetError('connection', (error as Error).message));
          }
          finish({ transport, fingerprints, path: () => readConnectionPath(peer._pc) });
        },
        (error: unknown) => {
          if (attempt !== current || settled) return;
          finish(
            new MeetError(
              'connection',
              `could not open a direct connection to the other device (${(error as Error).message})`,
            ),
          );
        },
      );
      return current;
    };

    const offerTo = (member: string) => {
      if (options.initiator && !attempt && !settled) start(member, newAttemptId());
    };
    client.on('joined', (_you, peers) => {
      if (peers[0] !== undefined) offerTo(peers[0]);
    });
    client.on('peer-joined', offerTo);
    // A member that leaves mid-attempt is not dropped here: its attempt ends by itself (it
    // fails, or times out), so the reason the caller hears is the connection's, not "left".

    client.on('message', (from, data) => {
      if (settled) return;
      const message = decodeSignal(data);
      if (!message) return;
      if (attempt?.member === from && attempt.id === message.attempt) {
        attempt.peer.signal(message.signal);
        return;
      }
      // An answerer follows a new offer (the other page retried or reloaded).
      if (!options.initiator && message.signal.type === 'offer') {
        start(from, message.attempt).peer.signal(message.signal);
      }
    });
    client.on('close', (close) => {
      finish(new MeetError('relay', `the signaling server connection closed: ${close.text}`));
    });
  });
}
