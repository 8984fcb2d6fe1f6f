import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLOSE_REASON_BYTES,
  encodeClose,
  FRAME_KIND,
  FrameError,
  frameBytesFor,
  frameCount,
  FrameReader,
  MAX_FRAME_BYTES,
  MIN_FRAME_BYTES,
  splitFrames,
} from '../../../src/adapters/transport/webRtcFrames.ts';
import { sdpFingerprints, sdpMaxMessageSize } from '../../../src/adapters/transport/webRtcSdp.ts';

const MiB = 1024 * 1024;

/** Bytes that differ by position and seed, so a misplaced piece changes the message. */
function bytesOf(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/** Feeds `frames` to `reader`, returning what each completed (messages and closes). */
function readAll(reader: FrameReader, frames: Uint8Array[]) {
  return frames.map((frame) => reader.read(frame)).filter((event) => event.kind !== 'none');
}

const messageSize = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: MiB }),
  fc.constantFrom(MiB, MiB - 1, 64 * 1024, 64 * 1024 - 1, 64 * 1024 + 1),
);
const frameSize = fc.oneof(
  fc.integer({ min: MIN_FRAME_BYTES, max: MAX_FRAME_BYTES }),
  fc.constantFrom(MIN_FRAME_BYTES, MAX_FRAME_BYTES, 16 * 1024),
);

describe('WebRTC frames', () => {
  it('carry any messages up to the limit, in order, under any frame size from the minimum up', () => {
    fc.assert(
      fc.property(
        fc.array(messageSize, { minLength: 1, maxLength: 4 }),
        frameSize,
        fc.nat(),
        (sizes, frameBytes, seed) => {
          const reader = new FrameReader(MiB);
          const messages = sizes.map((size, i) => bytesOf(size, seed + i));
          for (const message of messages) {
            const frames = splitFrames(message, frameBytes);
            expect(frames).toHaveLength(frameCount(message.length, frameBytes));
            for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(frameBytes);
            expect(frames.slice(0, -1).every((f) => f[0] === FRAME_KIND.part)).toBe(true);
            expect(frames.at(-1)![0]).toBe(FRAME_KIND.last);
            const events = readAll(reader, frames);
            expect(events).toHaveLength(1);
            const [event] = events;
            expect(event!.kind).toBe('message');
            if (event!.kind === 'message')
              expect(Buffer.from(event!.message).equals(Buffer.from(message))).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('end with a close that carries the reason, cut to its limit on a character boundary', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (reason) => {
        const frame = encodeClose(reason);
        expect(frame.length).toBeLessThanOrEqual(1 + CLOSE_REASON_BYTES);
        const [event] = readAll(new FrameReader(MiB), [frame]);
        expect(event!.kind).toBe('close');
        if (event!.kind === 'close') expect(reason.startsWith(event!.reason)).toBe(true);
      }),
    );
    const long = '€'.repeat(300);
    const [event] = readAll(new FrameReader(MiB), [encodeClose(long)]);
    expect(event).toEqual({ kind: 'close', reason: '€'.repeat(Math.floor(CLOSE_REASON_BYTES / 3)) });
  });

  it('drop a message that a close cut short', () => {
    const reader = new FrameReader(MiB);
    const frames = splitFrames(bytesOf(5000, 1), MIN_FRAME_BYTES);
    expect(readAll(reader, [...frames.slice(0, 2), encodeClose('bye')])).toEqual([
      { kind: 'close', reason: 'bye' },
    ]);
  });

  describe('refuse what the peer should never send', () => {
    const refused =
      (frames: Uint8Array[], max = MiB) =>
      () =>
        readAll(new FrameReader(max), frames);
    const part = (size: number) => Uint8Array.of(FRAME_KIND.part, ...bytesOf(size, 2));
    const last = (size: number) => Uint8Array.of(FRAME_KIND.last, ...bytesOf(size, 3));

    it('an empty frame, an unknown kind, an empty part, an empty ending after parts', () => {
      expect(refused([new Uint8Array()])).toThrow(/empty frame/);
      for (const kind of [3, 7, 255])
        expect(refused([Uint8Array.of(kind, 1)])).toThrow(`unknown kind ${kind}`);
      expect(refused([part(0)])).toThrow(/empty message part/);
      expect(refused([part(10), last(0)])).toThrow(/ended a message with an empty part/);
    });

    it('a frame over 64 KiB, and a message over the limit, whole or in parts', () => {
      expect(refused([last(MAX_FRAME_BYTES)])).toThrow(/frame of 65537 bytes/);
      expect(refused([last(101)], 100)).toThrow(/more than 100 bytes/);
      expect(refused([part(60), part(40), last(1)], 100)).toThrow(/more than 100 bytes/);
      expect(refused([part(60), last(40)], 100)).not.toThrow();
    });

    it('anything after a close, and a close reason too long or not UTF-8', () => {
      expect(refused([encodeClose('bye'), last(1)])).toThrow(/after closing/);
      expect(refused([Uint8Array.of(FRAME_KIND.close, 0xff, 0xfe)])).toThrow(/not UTF-8/);
      const long = new Uint8Array(CLOSE_REASON_BYTES + 2).fill(0x61);
      long[0] = FRAME_KIND.close;
      expect(refused([long])).toThrow(/longer than 512 bytes/);
    });

    it('any garbage: either read or refused with a FrameError, never anything over the limit', () => {
      const frame = fc.oneof(
        fc.uint8Array({ maxLength: 40 }),
        fc
          .tuple(fc.constantFrom(0, 1, 2), fc.uint8Array({ maxLength: 40 }))
          .map(([k, rest]) => Uint8Array.of(k, ...rest)),
      );
      fc.assert(
        fc.property(fc.array(frame, { maxLength: 30 }), (frames) => {
          const reader = new FrameReader(64);
          try {
            for (const event of readAll(reader, frames)) {
              if (event.kind === 'message') expect(event.message.length).toBeLessThanOrEqual(64);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(FrameError);
          }
        }),
      );
    });
  });

  it('use min(remote max-message-size, 64 KiB), and refuse a remote that takes too little', () => {
    expect(frameBytesFor(undefined)).toBe(MAX_FRAME_BYTES); // absent: RFC 8841's 64 KiB
    expect(frameBytesFor(0)).toBe(MAX_FRAME_BYTES); // 0: no limit
    expect(frameBytesFor(262_144)).toBe(MAX_FRAME_BYTES);
    expect(frameBytesFor(16_384)).toBe(16_384);
    expect(frameBytesFor(MIN_FRAME_BYTES)).toBe(MIN_FRAME_BYTES);
    expect(() => frameBytesFor(MIN_FRAME_BYTES - 1)).toThrow(FrameError);
    expect(frameCount(0, 1024)).toBe(1);
    expect(frameCount(1023, 1024)).toBe(1);
    expect(frameCount(1024, 1024)).toBe(2);
    expect(frameCount(MiB, MAX_FRAME_BYTES)).toBe(17);
  });
});

describe('WebRTC SDP', () => {
  const sdp = [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    'a=fingerprint:sha-256 ab:CD:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'a=fingerprint:SHA-256 AB:CD:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB',
    'a=fingerprint:sha-1 00:11',
    'a=fingerprint:sha-256 not-hex',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    '',
  ].join('\r\n');

  it('reads each distinct DTLS fingerprint once, normalised, skipping malformed lines', () => {
    expect(sdpFingerprints(sdp)).toEqual([
      {
        algorithm: 'sha-256',
        value:
          'AB:CD:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB',
      },
      { algorithm: 'sha-1', value: '00:11' },
    ]);
    expect(sdpFingerprints('v=0\r\n')).toEqual([]);
  });

  it('reads the SCTP max-message-size, if any', () => {
    expect(sdpMaxMessageSize(sdp)).toBe(262_144);
    expect(sdpMaxMessageSize(sdp.replace('a=max-message-size:262144', ''))).toBeUndefined();
    expect(sdpMaxMessageSize('a=max-message-size:-1\n')).toBeUndefined();
  });
});
