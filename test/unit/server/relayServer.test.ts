import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../../src/server/closeCodes.ts';
import { MAX_FRAME_BYTES } from '../../../src/server/protocol.ts';
import { joinAll, RawClient, roomName, startTestServer, within, type Started } from './helpers.ts';

let started: Started | undefined;
const clients: RawClient[] = [];

async function start(options: Parameters<typeof startTestServer>[0] = {}): Promise<number> {
  started = await startTestServer(options);
  return started.port;
}

function track<T extends RawClient | RawClient[]>(value: T): T {
  clients.push(...(Array.isArray(value) ? value : [value]));
  return value;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await started?.stop();
  started = undefined;
});

describe('relay server: rooms', () => {
  it('tells a joiner its id and the members, and the members of joins and leaves', async () => {
    const port = await start();
    const room = roomName('a');
    const {
      clients: [a, b, c],
      ids,
    } = await joinAll(port, room, 3).then((r) => ({ ...r, clients: track(r.clients) }));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    b!.close();
    expect(await a!.expect('peer-left')).toEqual({ type: 'peer-left', id: ids[1] });
    expect(await c!.expect('peer-left')).toEqual({ type: 'peer-left', id: ids[1] });
    expect(started!.server.relay.relay.membersOf(room)).toEqual([ids[0], ids[2]]);
  });

  it('relays to one member, and to every other member when `to` is absent', async () => {
    const port = await start();
    const {
      clients: [a, b, c],
      ids,
    } = await joinAll(port, roomName('b'), 3).then((r) => ({ ...r, clients: track(r.clients) }));
    a!.send({ type: 'send', to: ids[2], data: 'for c only' });
    expect(await c!.expect('message')).toEqual({ type: 'message', from: ids[0], data: 'for c only' });
    b!.send({ type: 'send', data: 'for everyone' });
    expect(await a!.expect('message')).toEqual({ type: 'message', from: ids[1], data: 'for everyone' });
    expect(await c!.expect('message')).toEqual({ type: 'message', from: ids[1], data: 'for everyone' });
    // b hears nothing of its own broadcast, and a nothing of c's private message: a round
    // trip through the server (an error reply) proves nothing else was queued before it.
    b!.send({ type: 'send', to: 'AAAAAAAAAAAAAAAAAAAAAA', data: 'x' });
    expect((await b!.expect('error')).message).toMatch(/no other member/);
    a!.send({ type: 'send', to: 'AAAAAAAAAAAAAAAAAAAAAA', data: 'x' });
    expect((await a!.expect('error')).message).toMatch(/no other member/);
  });

  it('answers a send to an id not in the room with an error and keeps the connection', async () => {
    const port = await start();
    const [a] = track((await joinAll(port, roomName('c1'), 1)).clients);
    const { ids: otherRoom } = await joinAll(port, roomName('c2'), 1).then((r) => ({
      ...r,
      clients: track(r.clients),
    }));
    a!.send({ type: 'send', to: otherRoom[0], data: 'hello?' });
    expect(await a!.expect('error')).toEqual({
      type: 'error',
      message: `no other member ${otherRoom[0]} in this room`,
    });
    expect(a!.socket.readyState).toBe(a!.socket.OPEN);
  });

  it('takes 8 members and closes the 9th with 4001 room full', async () => {
    const port = await start();
    const room = roomName('full');
    const { clients: members } = await joinAll(port, room, 8);
    track(members);
    const ninth = track(RawClient.join(port, room));
    expect(await ninth.waitClosed()).toEqual({ code: CloseCode.ROOM_FULL, reason: 'room full' });
    expect(started!.server.relay.relay.membersOf(room)).toHaveLength(8);
    // No member heard of the refused one.
    members[0]!.send({ type: 'send', to: 'AAAAAAAAAAAAAAAAAAAAAA', data: '' });
    expect((await members[0]!.next()).type).toBe('error');
  });

  it('isolates 50 rooms of 3 members used at once', async () => {
    const port = await start();
    const rooms = await Promise.all(
      Array.from({ length: 50 }, (_, index) => joinAll(port, roomName(`many-${index}`), 3)),
    );
    for (const room of rooms) track(room.clients);
    expect(started!.server.relay.relay.roomCount).toBe(50);
    rooms.forEach((room, index) =>
      room.clients.forEach((client, member) => client.send({ type: 'send', data: `${index}:${member}` })),
    );
    await Promise.all(
      rooms.map(async (room, index) => {
        for (const [member, client] of room.clients.entries()) {
          const heard = [(await client.expect('message')).data, (await client.expect('message')).data];
          const expected = [0, 1, 2].filter((other) => other !== member).map((other) => `${index}:${other}`);
          expect([...heard].sort()).toEqual(expected);
        }
      }),
    );
    // Every frame sent was heard where it belonged; anything stray would be queued now.
    for (const room of rooms) for (const client of room.clients) expect(client.pending).toEqual([]);
  });

  it('refuses connections beyond the server-wide caps with 4005', async () => {
    const port = await start({ relay: { limits: { maxRoomMembers: 8, maxConnections: 3, maxRooms: 2 } } });
    track((await joinAll(port, roomName('cap-1'), 1)).clients);
    track((await joinAll(port, roomName('cap-2'), 1)).clients);
    const thirdRoom = track(RawClient.join(port, roomName('cap-3')));
    expect(await thirdRoom.waitClosed()).toEqual({ code: CloseCode.SERVER_BUSY, reason: 'too many rooms' });
    const second = track(RawClient.join(port, roomName('cap-2')));
    await second.expect('joined');
    const fourth = track(RawClient.join(port, roomName('cap-1')));
    expect(await fourth.waitClosed()).toEqual({
      code: CloseCode.SERVER_BUSY,
      reason: 'too many connections',
    });
  });

  it('answers 400 to an upgrade whose target is no URL, and keeps running', async () => {
    const port = await start();
    const reply = await within(
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(
            'GET // HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
              'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
          ),
        );
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      }),
      5_000,
      'the refusal',
    );
    expect(reply).toMatch(/^HTTP\/1.1 400/);
    const client = track(RawClient.join(port, roomName('after')));
    expect((await client.next()).type).toBe('joined');
  });

  it('answers 404 to an upgrade on another path', async () => {
    const port = await start();
    const client = track(new RawClient(`ws://127.0.0.1:${port}/elsewhere?room=${roomName('x')}`));
    await expect(within(client.opened, 5_000, 'the upgrade')).rejects.toThrow(/404/);
  });
});

describe('relay server: refusals and limits', () => {
  it.each([
    ['too short', 'short'],
    ['a bad character', `${roomName('x')}!`],
    ['too long', 'r'.repeat(129)],
    ['missing', undefined],
  ])('closes a room name that is %s with 4000', async (_, room) => {
    const port = await start();
    const url = `ws://127.0.0.1:${port}/signal${room === undefined ? '' : `?room=${encodeURIComponent(room)}`}`;
    const client = track(new RawClient(url));
    const closed = await client.waitClosed();
    expect(closed.code).toBe(CloseCode.BAD_REQUEST);
    expect(closed.reason).toMatch(/room/);
  });

  it.each([
    ['malformed JSON', '{"type":"send",', /malformed JSON/],
    ['an unknown type', { type: 'hello' }, /unknown message type/],
    ['data that is not a string', { type: 'send', data: 42 }, /"data" must be a string/],
    ['a bad `to`', { type: 'send', to: 'not an id', data: '' }, /"to" must be a peer id/],
    ['an extra field', { type: 'send', data: '', sdp: 'x' }, /only "to" and "data"/],
    ['a JSON array', '[]', /JSON object/],
  ])('closes a frame with %s with 4000 and tells the room the member left', async (_, frame, reason) => {
    const port = await start();
    const {
      clients: [a, b],
      ids,
    } = await joinAll(port, roomName('bad'), 2).then((r) => ({ ...r, clients: track(r.clients) }));
    a!.send(frame);
    const closed = await a!.waitClosed();
    expect(closed.code).toBe(CloseCode.BAD_REQUEST);
    expect(closed.reason).toMatch(reason);
    expect(await b!.expect('peer-left')).toEqual({ type: 'peer-left', id: ids[0] });
  });

  it('closes a binary frame with 4000', async () => {
    const port = await start();
    const [a] = track((await joinAll(port, roomName('binary'), 1)).clients);
    a!.socket.send(new Uint8Array([1, 2, 3]));
    expect((await a!.waitClosed()).code).toBe(CloseCode.BAD_REQUEST);
  });

  it('relays a frame of exactly 64 KiB and closes one byte more with 4002', async () => {
    const port = await start();
    const {
      clients: [a, b],
    } = await joinAll(port, roomName('size'), 2).then((r) => ({ ...r, clients: track(r.clients) }));
    const envelope = JSON.stringify({ type: 'send', data: '' }).length;
    a!.send({ type: 'send', data: 'x'.repeat(MAX_FRAME_BYTES - envelope) });
    expect(((await b!.expect('message')).data as string).length).toBe(MAX_FRAME_BYTES - envelope);
    a!.send({ type: 'send', data: 'x'.repeat(MAX_FRAME_BYTES - envelope + 1) });
    expect(await a!.waitClosed()).toEqual({ code: CloseCode.TOO_LARGE, reason: 'frame too large' });
    expect((await b!.expect('peer-left')).type).toBe('peer-left');
  });

  it('closes a flood with 4003', async () => {
    const port = await start();
    const {
      clients: [a, b],
    } = await joinAll(port, roomName('flood'), 2).then((r) => ({ ...r, clients: track(r.clients) }));
    // The burst is 50 messages: 200 at once must trip it, however fast the machine.
    for (let index = 0; index < 200; index++) a!.send({ type: 'send', data: `${index}` });
    expect(await a!.waitClosed()).toEqual({ code: CloseCode.RATE_LIMITED, reason: 'too many messages' });
    let relayed = 0;
    let frame = await b!.next();
    for (; frame.type === 'message' && relayed < 200; frame = await b!.next()) relayed++;
    expect(frame.type).toBe('peer-left');
    expect(relayed).toBeGreaterThanOrEqual(50);
    expect(relayed).toBeLessThan(200);
  });

  it('closes a flood of bytes with 4003 even at a few messages', async () => {
    const port = await start({
      relay: {
        rateLimits: {
          messagesPerSecond: 1000,
          messageBurst: 1000,
          bytesPerSecond: 1024,
          byteBurst: 128 * 1024,
        },
      },
    });
    const [a] = track((await joinAll(port, roomName('bytes'), 1)).clients);
    const big = { type: 'send', data: 'y'.repeat(60 * 1024) };
    for (let index = 0; index < 4; index++) a!.send(big);
    expect((await a!.waitClosed()).code).toBe(CloseCode.RATE_LIMITED);
  });

  it('closes a connection that sends nothing, not even pongs, with 4004', async () => {
    const port = await start({ relay: { idleTimeoutMs: 200, pingIntervalMs: 50 } });
    const silent = track(RawClient.join(port, roomName('idle'), { autoPong: false }));
    await silent.expect('joined');
    expect(await silent.waitClosed()).toEqual({ code: CloseCode.IDLE, reason: 'idle' });
  });

  it('keeps a quiet client that answers pings past several idle time-outs', async () => {
    const port = await start({ relay: { idleTimeoutMs: 200, pingIntervalMs: 50 } });
    const {
      clients: [a, b],
      ids,
    } = await joinAll(port, roomName('alive'), 2).then((r) => ({ ...r, clients: track(r.clients) }));
    await new Promise((resolve) => setTimeout(resolve, 800));
    a!.send({ type: 'send', to: ids[1], data: 'still here' });
    expect((await b!.expect('message')).data).toBe('still here');
  });

  it('closes every connection with 1001 on shutdown and refuses new ones', async () => {
    const port = await start();
    const { clients: room } = await joinAll(port, roomName('bye'), 2);
    track(room);
    const closing = started!.server.close();
    expect((await room[0]!.waitClosed()).code).toBe(CloseCode.GOING_AWAY);
    expect((await room[1]!.waitClosed()).code).toBe(CloseCode.GOING_AWAY);
    await within(closing, 10_000, 'the server to close');
    const late = track(RawClient.join(port, roomName('bye')));
    await expect(within(late.opened, 5_000, 'the refused connect')).rejects.toThrow(/ECONNREFUSED/);
  });
});
