import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import {
  signalingUrlFor,
  SignalingClient,
  SignalingError,
  type SignalingClose,
  type SignalingEvents,
} from '../../../src/net/signalingClient.ts';
import { CloseCode } from '../../../src/server/closeCodes.ts';
import { roomName, startTestServer, within, type Started } from '../server/helpers.ts';

let started: Started | undefined;
let fake: WebSocketServer | undefined;
const clients: SignalingClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await started?.stop();
  started = undefined;
  await new Promise<void>((resolve) => (fake ? fake.close(() => resolve()) : resolve()));
  fake = undefined;
});

function join(url: string, room: string): SignalingClient {
  const client = SignalingClient.join({ url, room, WebSocket });
  clients.push(client);
  return client;
}

/** The arguments of the next `event` the client emits. */
function next<K extends keyof SignalingEvents>(
  client: SignalingClient,
  event: K,
): Promise<Parameters<SignalingEvents[K]>> {
  return within(
    new Promise((resolve) => {
      const off = client.on(event, ((...args: Parameters<SignalingEvents[K]>) => {
        off();
        resolve(args);
      }) as SignalingEvents[K]);
    }),
    5_000,
    `the client's ${event}`,
  );
}

async function relayUrl(): Promise<string> {
  started = await startTestServer();
  return `ws://127.0.0.1:${started.port}/signal`;
}

describe('SignalingClient against the relay', () => {
  it('joins, hears peers come and go, and passes messages to one and to all', async () => {
    const url = await relayUrl();
    const room = roomName('client');
    const a = join(url, room);
    const [aId, aPeers] = await next(a, 'joined');
    expect(aPeers).toEqual([]);
    expect(a.state).toBe('joined');
    expect(a.id).toBe(aId);

    const aHearsB = next(a, 'peer-joined');
    const b = join(url, room);
    const [bId, bPeers] = await next(b, 'joined');
    expect(bPeers).toEqual([aId]);
    expect(await aHearsB).toEqual([bId]);
    expect([...a.peers]).toEqual([bId]);

    const bHears = next(b, 'message');
    a.send(bId, 'offer');
    expect(await bHears).toEqual([aId, 'offer']);
    const aHears = next(a, 'message');
    b.send(undefined, 'to everyone');
    expect(await aHears).toEqual([bId, 'to everyone']);

    const aHearsLeave = next(a, 'peer-left');
    const bCloses = next(b, 'close');
    b.close();
    const [closed] = await bCloses;
    expect(closed.code).toBe(CloseCode.NORMAL);
    expect(b.state).toBe('closed');
    expect(await aHearsLeave).toEqual([bId]);
    expect(a.peers.size).toBe(0);
  });

  it('reports the relay refusing a send as an error and stays joined', async () => {
    const url = await relayUrl();
    const a = join(url, roomName('err'));
    await next(a, 'joined');
    const error = next(a, 'error');
    a.send('AAAAAAAAAAAAAAAAAAAAAA', 'anyone?');
    const [reported] = await error;
    expect(reported).toBeInstanceOf(SignalingError);
    expect(reported.kind).toBe('server');
    expect(reported.message).toMatch(/no other member/);
    expect(a.state).toBe('joined');
  });

  it('explains a full room', async () => {
    const url = await relayUrl();
    const room = roomName('full');
    for (let index = 0; index < 8; index++) await next(join(url, room), 'joined');
    const ninth = join(url, room);
    const [closed] = await next(ninth, 'close');
    expect(closed).toEqual<SignalingClose>({
      code: CloseCode.ROOM_FULL,
      reason: 'room full',
      text: 'This room is full: it already has the most devices a room can hold.',
    });
  });

  it('explains a server shutting down', async () => {
    const url = await relayUrl();
    const a = join(url, roomName('bye'));
    await next(a, 'joined');
    const closing = next(a, 'close');
    await started!.server.close();
    const [closed] = await closing;
    expect(closed.code).toBe(CloseCode.GOING_AWAY);
    expect(closed.text).toMatch(/shutting down/);
  });

  it('explains a server that cannot be reached', async () => {
    const url = await relayUrl();
    await started!.server.close();
    const [closed] = await next(join(url, roomName('gone')), 'close');
    expect(closed.code).toBe(CloseCode.ABNORMAL);
    expect(closed.text).toMatch(/Lost the connection/);
  });

  it('refuses to send before joining, after closing, too much, or to a malformed id', async () => {
    const url = await relayUrl();
    const a = join(url, roomName('send'));
    expect(() => a.send(undefined, 'early')).toThrow(/connecting/);
    await next(a, 'joined');
    expect(() => a.send(undefined, 'x'.repeat(64 * 1024))).toThrow(RangeError);
    expect(() => a.send(undefined, '€'.repeat(22_000))).toThrow(RangeError); // 66,000 bytes of UTF-8
    expect(() => a.send('not an id', 'x')).toThrow(TypeError);
    expect(a.state).toBe('joined'); // none of it reached the relay
    const closes: SignalingClose[] = [];
    a.on('close', (close) => closes.push(close));
    a.close();
    a.close();
    expect(closes).toHaveLength(1);
    expect(() => a.send(undefined, 'late')).toThrow(/closed/);
  });

  it('refuses a bad room or URL before connecting', () => {
    expect(() => SignalingClient.join({ url: 'ws://127.0.0.1:1/signal', room: 'short', WebSocket })).toThrow(
      TypeError,
    );
    expect(() =>
      SignalingClient.join({ url: 'http://127.0.0.1:1/signal', room: roomName('x'), WebSocket }),
    ).toThrow(/not a WebSocket URL/);
  });
});

describe('SignalingClient against a misbehaving server', () => {
  const ID_A = 'AAAAAAAAAAAAAAAAAAAAAA';
  const ID_B = 'BBBBBBBBBBBBBBBBBBBBBB';
  const joined = JSON.stringify({ type: 'joined', you: ID_A, peers: [] });

  /** A server that sends `frames` to whoever connects, and reports the client's close code. */
  async function misbehave(
    frames: (string | Uint8Array)[],
  ): Promise<{ url: string; closedWith: Promise<number> }> {
    fake = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => fake!.once('listening', resolve));
    const closedWith = new Promise<number>((resolve) =>
      fake!.once('connection', (socket) => {
        socket.once('close', (code) => resolve(code));
        for (const frame of frames) socket.send(frame);
      }),
    );
    return { url: `ws://127.0.0.1:${(fake.address() as AddressInfo).port}/signal`, closedWith };
  }

  it.each([
    ['not JSON', ['{oops'], /malformed JSON/],
    ['a message before joined', [JSON.stringify({ type: 'message', from: ID_B, data: '' })], /before joined/],
    ['joined twice', [joined, joined], /joined twice/],
    [
      'a message from a stranger',
      [joined, JSON.stringify({ type: 'message', from: ID_B, data: '' })],
      /unknown id/,
    ],
    ['peer-left for a stranger', [joined, JSON.stringify({ type: 'peer-left', id: ID_B })], /unknown id/],
    ['peer-joined for itself', [joined, JSON.stringify({ type: 'peer-joined', id: ID_A })], /known id/],
    ['a binary frame', [joined, new Uint8Array([1, 2])], /binary/],
    ['a huge frame', [joined, JSON.stringify({ type: 'error', message: 'e'.repeat(70_000) })], /too large/],
  ])('closes with 4100 on %s, after an error event', async (_, frames, problem) => {
    const { url, closedWith } = await misbehave(frames);
    const client = join(url, roomName('bad'));
    const [error] = await next(client, 'error');
    expect(error.kind).toBe('bad-frame');
    expect(error.message).toMatch(problem);
    expect(client.state).toBe('closed');
    expect(await within(closedWith, 5_000, 'the client to close')).toBe(CloseCode.BAD_SERVER_FRAME);
  });
});

describe('signalingUrlFor', () => {
  it('maps the page URL to the relay endpoint', () => {
    expect(signalingUrlFor('https://192.168.1.5:8080/#pair=abc')).toBe('wss://192.168.1.5:8080/signal');
    expect(signalingUrlFor('http://localhost:8080/some/page')).toBe('ws://localhost:8080/signal');
    expect(() => signalingUrlFor('file:///index.html')).toThrow(TypeError);
  });
});
