import { describe, expect, it } from 'vitest';
import { openWebRtcTransport, WebRtcTransport } from '../../../src/adapters/transport/WebRtcTransport.ts';
import { FRAME_KIND, FrameError } from '../../../src/adapters/transport/webRtcFrames.ts';
import { LIMITS } from '../../../src/core/protocol/messages.ts';
import type { CloseReason } from '../../../src/ports/Transport.ts';
import { describeTransportContract } from '../../contracts/transport.ts';
import { fakePeerPair, type FakePeer } from './fakeSimplePeer.ts';

const closeOf = (transport: WebRtcTransport) =>
  new Promise<CloseReason>((resolve) => transport.onClose(resolve));

function wrap(peers: [FakePeer, FakePeer], highWaterMark?: number): [WebRtcTransport, WebRtcTransport] {
  const options = highWaterMark ? { highWaterMark, closeLingerMs: 1000 } : { closeLingerMs: 1000 };
  return [
    new WebRtcTransport(peers[0].asSimplePeer(), options),
    new WebRtcTransport(peers[1].asSimplePeer(), options),
  ];
}

describeTransportContract('WebRtcTransport over a fake channel', ({ highWaterMark }) => {
  const [a, b] = wrap(fakePeerPair(), highWaterMark);
  return { a, b };
});

describe('WebRtcTransport', () => {
  it('frames at min(remote max-message-size, 64 KiB) and reads the fingerprints both ways', () => {
    const [a] = wrap(fakePeerPair(16 * 1024));
    expect(a.frameBytes).toBe(16 * 1024);
    expect(a.maxMessageSize).toBe(LIMITS.messageBytes);
    expect(a.session.localFingerprints).toEqual([{ algorithm: 'sha-256', value: 'AA:AA' }]);
    expect(a.session.remoteFingerprints).toEqual([{ algorithm: 'sha-256', value: 'BB:BB' }]);
    // Without an SCTP transport the remote SDP says it (256 KiB), capped at 64 KiB.
    expect(wrap(fakePeerPair(undefined))[0].frameBytes).toBe(64 * 1024);
    expect(() => wrap(fakePeerPair(100))).toThrow(FrameError);
  });

  it('splits a large message into frames no larger than the frame size', async () => {
    const peers = fakePeerPair(16 * 1024);
    const [a, b] = wrap(peers);
    const got: Uint8Array[] = [];
    b.onMessage((m) => got.push(m));
    const message = new Uint8Array(100_000).map((_, i) => i % 251);
    await a.send(message);
    await expect.poll(() => got.length).toBe(1);
    expect(got[0]).toEqual(message);
    const frames = peers[0]._channel.sent;
    expect(frames).toHaveLength(7);
    for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(16 * 1024);
    a.close('done');
  });

  it('closes with a clear reason when the peer breaks the framing, and tells the peer', async () => {
    const peers = fakePeerPair();
    const [a, b] = wrap(peers);
    const atA = closeOf(a);
    const atB = closeOf(b);
    peers[1]._channel.send(Uint8Array.of(FRAME_KIND.part)); // an empty part
    const reason = await atA;
    expect(reason).toEqual({
      by: 'local',
      message: 'malformed frames from the peer: the peer sent an empty message part',
    });
    expect(await atB).toEqual({ by: 'remote', message: reason.message });
  });

  it('reads frames simple-peer buffered before the connection opened, then the channel, in order', async () => {
    const peers = fakePeerPair();
    const [a, b] = wrap(peers);
    const got: number[] = [];
    b.onMessage((m) => got.push(m[0]!));
    peers[1].emit('data', Uint8Array.of(FRAME_KIND.last, 1)); // as streamx would hand it over
    await a.send(Uint8Array.of(2));
    await expect.poll(() => got).toEqual([1, 2]);
    expect(peers[1]._channel.onmessage).toBeNull();
    a.close('done');
  });

  it('closes on a text message: the connection carries binary frames only', async () => {
    const peers = fakePeerPair();
    const [a, b] = wrap(peers);
    const atB = closeOf(b);
    peers[1]._channel.dispatchEvent(new MessageEvent('message', { data: 'hello' }));
    expect(await atB).toMatchObject({ by: 'local', message: expect.stringContaining('text message') });
    expect(await closeOf(a)).toMatchObject({ by: 'remote' });
  });

  it('hears a channel that ends without a goodbye as lost, after what arrived before it', async () => {
    const peers = fakePeerPair();
    const [a, b] = wrap(peers);
    const got: number[] = [];
    b.onMessage((m) => got.push(m.length));
    await a.send(new Uint8Array(10));
    await expect.poll(() => got).toEqual([10]);
    const atA = closeOf(a);
    const atB = closeOf(b);
    peers[1]._channel.dispatchEvent(
      Object.assign(new Event('error'), { error: new Error('User-Initiated Abort') }),
    );
    peers[1]._channel.end();
    expect(await atB).toEqual({ by: 'lost', message: 'User-Initiated Abort' });
    expect(peers[1].destroyed).toBe(true);
    expect(await atA).toMatchObject({ by: 'lost' });
    await expect(b.send(new Uint8Array(1))).rejects.toMatchObject({ reason: { by: 'lost' } });
  });

  it('hears an ICE failure and a peer error as lost, with their text', async () => {
    const first = fakePeerPair();
    const [a] = wrap(first);
    first[0]._pc.fail();
    expect(await closeOf(a)).toEqual({ by: 'lost', message: 'the connection failed (ICE or DTLS)' });

    const second = fakePeerPair();
    const [c] = wrap(second);
    second[0].emit(
      'error',
      Object.assign(new Error('Ice connection failed.'), { code: 'ERR_ICE_CONNECTION_FAILURE' }),
    );
    expect(await closeOf(c)).toEqual({ by: 'lost', message: 'Ice connection failed.' });
  });

  it('closes as lost when the channel refuses a send, rejecting the send', async () => {
    const peers = fakePeerPair();
    const [a] = wrap(peers);
    peers[0]._channel.failSend = new DOMException('send queue full', 'OperationError');
    await expect(a.send(new Uint8Array(5))).rejects.toMatchObject({ reason: { by: 'lost' } });
    expect(a.closed).toEqual({ by: 'lost', message: 'sending failed: OperationError: send queue full' });
  });

  it('closes when a message listener throws, rather than wedging', async () => {
    const [a, b] = wrap(fakePeerPair());
    b.onMessage(() => {
      throw new Error('boom');
    });
    const atB = closeOf(b);
    await a.send(new Uint8Array(3));
    expect(await atB).toEqual({ by: 'local', message: 'a message listener threw: Error: boom' });
  });

  it('drops the connection after the linger time when the peer never hangs up', async () => {
    const peers = fakePeerPair();
    const a = new WebRtcTransport(peers[0].asSimplePeer(), { closeLingerMs: 30 });
    peers[0].other = undefined; // the peer keeps its side open
    peers[0]._channel.remote = undefined;
    a.close('bye');
    expect(peers[0].destroyed).toBe(false);
    await expect.poll(() => peers[0].destroyed, { timeout: 2000 }).toBe(true);
  });

  it('opens once the peer connects, and refuses a peer that fails or an abort first', async () => {
    const [peer] = fakePeerPair();
    peer.connected = false;
    const opening = openWebRtcTransport(peer.asSimplePeer());
    peer.connected = true;
    peer.emit('connect');
    expect((await opening).closed).toBeUndefined();

    const [failing] = fakePeerPair();
    failing.connected = false;
    const failed = openWebRtcTransport(failing.asSimplePeer());
    failing.emit('error', new Error('Connection failed.'));
    await expect(failed).rejects.toThrow('the WebRTC connection failed: Connection failed.');

    const [slow] = fakePeerPair();
    slow.connected = false;
    const abort = new AbortController();
    const aborted = openWebRtcTransport(slow.asSimplePeer(), { signal: abort.signal });
    abort.abort(new Error('gave up'));
    await expect(aborted).rejects.toThrow('gave up');
    expect(slow.destroyed).toBe(true);
  });

  it('refuses bad options', () => {
    const [peer] = fakePeerPair();
    expect(() => new WebRtcTransport(peer.asSimplePeer(), { highWaterMark: 0 })).toThrow(RangeError);
    expect(() => new WebRtcTransport(peer.asSimplePeer(), { closeLingerMs: 1.5 })).toThrow(RangeError);
  });
});
