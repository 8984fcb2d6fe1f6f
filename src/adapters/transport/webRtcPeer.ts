/**
 * Creates the simple-peer (lite: data channels only) that a WebRtcTransport wraps. The
 * session layer relays its `signal` events through the signaling relay and feeds the
 * other side's to `signal()`, then hands the peer to `openWebRtcTransport`.
 */
import SimplePeer from '@thaunknown/simple-peer/lite.js';

export interface WebRtcPeerOptions {
  /** The side that creates the data channel and sends the offer. */
  readonly initiator: boolean;
  /** STUN/TURN servers from the settings; none by default (one LAN needs none). */
  readonly iceServers?: readonly RTCIceServer[];
  /** The device's persistent certificate, so its DTLS fingerprint stays the same. */
  readonly certificates?: readonly RTCCertificate[];
}

export function createWebRtcPeer(options: WebRtcPeerOptions): SimplePeer {
  const config: RTCConfiguration = { iceServers: [...(options.iceServers ?? [])] };
  if (options.certificates) config.certificates = [...options.certificates];
  // Ordered and reliable: the Transport port promises whole messages in order.
  return new SimplePeer({ initiator: options.initiator, config, channelConfig: { ordered: true } });
}
