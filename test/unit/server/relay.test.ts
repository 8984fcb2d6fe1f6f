import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../../src/server/closeCodes.ts';
import { Relay, type RelayMember } from '../../../src/server/relay.ts';

/** A member that records what the relay did to it. */
class FakeMember implements RelayMember {
  readonly frames: Record<string, unknown>[] = [];
  closedWith: { code: number; reason: string } | undefined;
  deliver(frame: string): void {
    this.frames.push(JSON.parse(frame) as Record<string, unknown>);
  }
  close(code: number, reason: string): void {
    this.closedWith ??= { code, reason };
  }
  take(): Record<string, unknown>[] {
    return this.frames.splice(0);
  }
}

const ROOM = 'room-0123456789ab';
const OTHER_ROOM = 'room-ba9876543210';

function sequentialIds(): () => string {
  let next = 0;
  return () => `peer-${String(next++).padStart(16, '0')}`;
}

function seat(relay: Relay, count: number, room = ROOM): { members: FakeMember[]; ids: string[] } {
  const members = Array.from({ length: count }, () => new FakeMember());
  const ids = members.map((member) => relay.join(room, member)!);
  for (const member of members) member.take();
  return { members, ids };
}

describe('Relay', () => {
  it('sends joined with the members present, then peer-joined to them', () => {
    const relay = new Relay(sequentialIds());
    const a = new FakeMember();
    const b = new FakeMember();
    const idA = relay.join(ROOM, a);
    const idB = relay.join(ROOM, b);
    expect(a.take()).toEqual([
      { type: 'joined', you: idA, peers: [] },
      { type: 'peer-joined', id: idB },
    ]);
    expect(b.take()).toEqual([{ type: 'joined', you: idB, peers: [idA] }]);
  });

  it('frees the seat on leave, tells the others, and forgets an empty room', () => {
    const relay = new Relay(sequentialIds());
    const { members, ids } = seat(relay, 2);
    relay.leave(members[0]!);
    relay.leave(members[0]!); // idempotent: nobody hears it twice
    expect(members[1]!.take()).toEqual([{ type: 'peer-left', id: ids[0] }]);
    expect(relay.membersOf(ROOM)).toEqual([ids[1]]);
    relay.leave(members[1]!);
    expect(relay.roomCount).toBe(0);
    expect(relay.memberCount).toBe(0);
  });

  it('routes to one member, to all others, and never back to the sender or across rooms', () => {
    const relay = new Relay(sequentialIds());
    const {
      members: [a, b, c],
      ids,
    } = seat(relay, 3);
    const {
      members: [stranger],
    } = seat(relay, 1, OTHER_ROOM);
    relay.receive(a!, JSON.stringify({ type: 'send', to: ids[1], data: 'one' }));
    relay.receive(a!, JSON.stringify({ type: 'send', data: 'all' }));
    expect(a!.take()).toEqual([]);
    expect(b!.take()).toEqual([
      { type: 'message', from: ids[0], data: 'one' },
      { type: 'message', from: ids[0], data: 'all' },
    ]);
    expect(c!.take()).toEqual([{ type: 'message', from: ids[0], data: 'all' }]);
    expect(stranger!.take()).toEqual([]);
  });

  it('answers a send to itself or to another room with an error frame, staying seated', () => {
    const relay = new Relay(sequentialIds());
    const {
      members: [a],
      ids,
    } = seat(relay, 1);
    const {
      members: [stranger],
      ids: strangerIds,
    } = seat(relay, 1, OTHER_ROOM);
    relay.receive(a!, JSON.stringify({ type: 'send', to: ids[0], data: 'me?' }));
    relay.receive(a!, JSON.stringify({ type: 'send', to: strangerIds[0], data: 'you?' }));
    expect(a!.take().map((frame) => frame.type)).toEqual(['error', 'error']);
    expect(stranger!.take()).toEqual([]);
    expect(a!.closedWith).toBeUndefined();
  });

  it('closes a bad frame with 4000 and seats nobody for it any more', () => {
    const relay = new Relay(sequentialIds());
    const {
      members: [a, b],
      ids,
    } = seat(relay, 2);
    relay.receive(a!, 'not json');
    expect(a!.closedWith).toEqual({ code: CloseCode.BAD_REQUEST, reason: 'malformed JSON' });
    expect(b!.take()).toEqual([{ type: 'peer-left', id: ids[0] }]);
    relay.receive(a!, JSON.stringify({ type: 'send', data: 'after close' }));
    expect(b!.take()).toEqual([]);
  });

  it('refuses a bad room name (4000), a 9th member (4001) and past the caps (4005)', () => {
    const relay = new Relay(sequentialIds(), { maxRoomMembers: 8, maxConnections: 10, maxRooms: 2 });
    const bad = new FakeMember();
    expect(relay.join('short', bad)).toBeUndefined();
    expect(bad.closedWith?.code).toBe(CloseCode.BAD_REQUEST);

    seat(relay, 8);
    const ninth = new FakeMember();
    expect(relay.join(ROOM, ninth)).toBeUndefined();
    expect(ninth.closedWith).toEqual({ code: CloseCode.ROOM_FULL, reason: 'room full' });

    seat(relay, 1, OTHER_ROOM);
    const thirdRoom = new FakeMember();
    expect(relay.join('room-third-room-x', thirdRoom)).toBeUndefined();
    expect(thirdRoom.closedWith).toEqual({ code: CloseCode.SERVER_BUSY, reason: 'too many rooms' });

    seat(relay, 1, OTHER_ROOM);
    const eleventh = new FakeMember();
    expect(relay.join(OTHER_ROOM, eleventh)).toBeUndefined();
    expect(eleventh.closedWith).toEqual({ code: CloseCode.SERVER_BUSY, reason: 'too many connections' });
    expect(relay.memberCount).toBe(10);
  });

  it('a member closed while a broadcast reaches the room does not get the rest', () => {
    const relay = new Relay(sequentialIds());
    const {
      members: [a, b, c],
      ids,
    } = seat(relay, 3);
    // b's connection gives up on the first frame it gets (a slow reader being expelled).
    b!.deliver = () => relay.expel(b!, CloseCode.SLOW_CONSUMER, 'reading too slowly');
    relay.receive(a!, JSON.stringify({ type: 'send', data: 'hi' }));
    expect(b!.closedWith?.code).toBe(CloseCode.SLOW_CONSUMER);
    expect(c!.take()).toEqual([
      { type: 'peer-left', id: ids[1] },
      { type: 'message', from: ids[0], data: 'hi' },
    ]);
    expect(relay.membersOf(ROOM)).toEqual([ids[0], ids[2]]);
  });

  it('retries an id source that repeats, and gives up on one that only repeats', () => {
    const repeats = ['peer-aaaaaaaaaaaaaaaa', 'peer-aaaaaaaaaaaaaaaa', 'peer-bbbbbbbbbbbbbbbb'];
    const relay = new Relay(() => repeats.shift()!);
    expect(relay.join(ROOM, new FakeMember())).toBe('peer-aaaaaaaaaaaaaaaa');
    expect(relay.join(ROOM, new FakeMember())).toBe('peer-bbbbbbbbbbbbbbbb');
    const stuck = new Relay(() => 'peer-cccccccccccccccc');
    stuck.join(ROOM, new FakeMember());
    expect(() => stuck.join(ROOM, new FakeMember())).toThrow(/repeating/);
  });

  it('closes everyone on closeAll', () => {
    const relay = new Relay(sequentialIds());
    const { members } = seat(relay, 3);
    relay.closeAll(CloseCode.GOING_AWAY, 'server shutting down');
    for (const member of members) expect(member.closedWith?.code).toBe(CloseCode.GOING_AWAY);
    expect(relay.memberCount).toBe(0);
  });
});
