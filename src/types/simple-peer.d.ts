/**
 * The part of `@thaunknown/simple-peer` (lite build: data channels only) that Tandem uses;
 * the package ships no types. `_pc` and `_channel` are its fields for the peer connection
 * and the data channel: the transport sends on the channel itself and reads the SDP.
 */
declare module '@thaunknown/simple-peer/lite.js' {
  export interface SimplePeerOptions {
    /** The side that creates the data channel and the offer. */
    initiator?: boolean;
    /** Merged over simple-peer's defaults, which name public STUN servers: pass `iceServers`. */
    config?: RTCConfiguration;
    channelConfig?: RTCDataChannelInit;
    channelName?: string;
    /** Send ICE candidates as they come (default) rather than in the SDP. */
    trickle?: boolean;
  }

  /** What one side's `signal` event hands to the other side's `signal()`. */
  export type SimplePeerSignal =
    | { readonly type: 'offer' | 'answer'; readonly sdp: string }
    | { readonly type: 'candidate'; readonly candidate: RTCIceCandidateInit }
    | { readonly type: 'renegotiate'; readonly renegotiate: true }
    | {
        readonly type: 'transceiverRequest';
        readonly transceiverRequest: { readonly kind: string; readonly init?: RTCRtpTransceiverInit };
      };

  export interface SimplePeerError extends Error {
    /** e.g. ERR_ICE_CONNECTION_FAILURE, ERR_CONNECTION_FAILURE, ERR_DATA_CHANNEL. */
    readonly code?: string;
  }

  export default class SimplePeer {
    constructor(options?: SimplePeerOptions);
    readonly initiator: boolean;
    readonly connected: boolean;
    readonly destroyed: boolean;
    /** `null` once destroyed. */
    readonly _pc: RTCPeerConnection | null;
    /** `null` until the channel exists and once destroyed. */
    readonly _channel: RTCDataChannel | null;
    signal(data: SimplePeerSignal | string): void;
    send(data: ArrayBufferView | ArrayBuffer | string | Blob): void;
    destroy(error?: Error): void;

    on(event: 'signal', listener: (data: SimplePeerSignal) => void): this;
    on(event: 'connect' | 'close', listener: () => void): this;
    on(event: 'data', listener: (data: Uint8Array) => void): this;
    on(event: 'error', listener: (error: SimplePeerError) => void): this;
    off(event: 'signal', listener: (data: SimplePeerSignal) => void): this;
    off(event: 'connect' | 'close', listener: () => void): this;
    off(event: 'data', listener: (data: Uint8Array) => void): this;
    off(event: 'error', listener: (error: SimplePeerError) => void): this;
  }
}
