/**
 * The relay's rooms: who is in which room, and where each message goes.
 *
 * No sockets here: a member is anything that can take a frame and be closed, so the rules
 * (room names, the 8-member cap, server-wide caps, routing, refusals) are tested without a
 * network. The socket side (./relayServer.ts) adds sizes, rates and idle time-outs, and
 * tells the relay when a connection ends.
 *
 * Invariants:
 *  1. A member is in at most one room, and only between `join` and `leave`.
 *  2. A room exists exactly while it has members.
 *  3. Every member of a room has heard `peer-joined` for each other member that joined
 *     after it and `peer-left` for each that left, in order; the joiner hears `joined` first.
 *  4. A member the relay closes leaves at once (its slot frees before the socket finishes).
 */
import { CloseCode, closeReason } from './closeCodes.ts';
import {
  decodeClientMessage,
  encodeServerMessage,
  isRoom,
  MAX_ROOM_MEMBERS,
  type ServerMessage,
} from './protocol.ts';

export interface RelayMember {
  /** Hands the member one frame. */
  deliver(frame: string): void;
  /** Ends the member's connection with a close code; the relay has already let it go. */
  close(code: number, reason: string): void;
}

export interface RelayLimits {
  readonly maxRoomMembers: number;
  /** Connections in rooms, server-wide. */
  readonly maxConnections: number;
  readonly maxRooms: number;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxRoomMembers: MAX_ROOM_MEMBERS,
  maxConnections: 1000,
  maxRooms: 500,
};

interface Seat {
  readonly id: string;
  readonly room: string;
  readonly member: RelayMember;
}

export class Relay {
  readonly #rooms = new Map<string, Map<string, Seat>>();
  readonly #seats = new Map<RelayMember, Seat>();
  readonly #ids = new Set<string>();

  constructor(
    /** A fresh opaque id (base64url, 16–64 chars); the relay retries the rare repeat. */
    private readonly newId: () => string,
    readonly limits: RelayLimits = DEFAULT_RELAY_LIMITS,
  ) {
    if (!(limits.maxRoomMembers >= 1 && limits.maxRoomMembers <= MAX_ROOM_MEMBERS)) {
      throw new RangeError(`maxRoomMembers must be 1–${MAX_ROOM_MEMBERS}`);
    }
  }

  get roomCount(): number {
    return this.#rooms.size;
  }

  get memberCount(): number {
    return this.#seats.size;
  }

  /** The ids in a room, in joining order (empty when the room does not exist). */
  membersOf(room: string): string[] {
    return [...(this.#rooms.get(room)?.keys() ?? [])];
  }

  /**
   * Seats `member` in `room` and tells everyone; or closes it (4000 bad room, 4001 full,
   * 4005 server busy). Returns its id, or undefined when refused.
   */
  join(room: string, member: RelayMember): string | undefined {
    if (this.#seats.has(member)) throw new Error('this member has already joined');
    if (!isRoom(room))
      return this.#refuse(member, CloseCode.BAD_REQUEST, 'room must be 16-128 of A-Z a-z 0-9 _ -');
    const existing = this.#rooms.get(room);
    if (existing !== undefined && existing.size >= this.limits.maxRoomMembers) {
      return this.#refuse(member, CloseCode.ROOM_FULL, 'room full');
    }
    if (this.#seats.size >= this.limits.maxConnections) {
      return this.#refuse(member, CloseCode.SERVER_BUSY, 'too many connections');
    }
    if (existing === undefined && this.#rooms.size >= this.limits.maxRooms) {
      return this.#refuse(member, CloseCode.SERVER_BUSY, 'too many rooms');
    }
    const id = this.#uniqueId();
    const members = existing ?? new Map<string, Seat>();
    const peers = [...members.keys()];
    const seat: Seat = { id, room, member };
    members.set(id, seat);
    this.#rooms.set(room, members);
    this.#seats.set(member, seat);
    this.#ids.add(id);
    send(member, { type: 'joined', you: id, peers });
    this.#broadcast(seat, { type: 'peer-joined', id });
    return id;
  }

  /** Handles one text frame from a seated member (its size and rate already checked). */
  receive(member: RelayMember, text: string): void {
    const seat = this.#seats.get(member);
    if (seat === undefined) return; // closed meanwhile: its frames no longer count
    const decoded = decodeClientMessage(text);
    if (!decoded.ok) {
      this.#close(seat, CloseCode.BAD_REQUEST, decoded.error);
      return;
    }
    const { to, data } = decoded.message;
    if (to === undefined) {
      this.#broadcast(seat, { type: 'message', from: seat.id, data });
      return;
    }
    const target = to === seat.id ? undefined : this.#rooms.get(seat.room)?.get(to);
    if (target === undefined) {
      send(member, { type: 'error', message: `no other member ${to} in this room` });
      return;
    }
    send(target.member, { type: 'message', from: seat.id, data });
  }

  /** The member's connection ended (or is ending): free its seat and tell the room. Idempotent. */
  leave(member: RelayMember): void {
    const seat = this.#seats.get(member);
    if (seat === undefined) return;
    this.#seats.delete(member);
    this.#ids.delete(seat.id);
    const members = this.#rooms.get(seat.room);
    members?.delete(seat.id);
    if (members !== undefined && members.size === 0) this.#rooms.delete(seat.room);
    this.#broadcast(seat, { type: 'peer-left', id: seat.id });
  }

  /** Closes a seated member for a reason of the socket side (oversize, flood, idle…). */
  expel(member: RelayMember, code: number, reason: string): void {
    const seat = this.#seats.get(member);
    if (seat === undefined) member.close(code, closeReason(reason));
    else this.#close(seat, code, reason);
  }

  /** Closes every member (server shutdown). */
  closeAll(code: number, reason: string): void {
    for (const seat of [...this.#seats.values()]) this.#close(seat, code, reason);
  }

  #close(seat: Seat, code: number, reason: string): void {
    this.leave(seat.member);
    seat.member.close(code, closeReason(reason));
  }

  #refuse(member: RelayMember, code: number, reason: string): undefined {
    member.close(code, closeReason(reason));
    return undefined;
  }

  /** To every other member of the seat's room (a copy: a delivery may close a member). */
  #broadcast(from: Seat, message: ServerMessage): void {
    const members = this.#rooms.get(from.room);
    if (members === undefined) return;
    const frame = encodeServerMessage(message);
    for (const seat of [...members.values()]) {
      if (seat !== from && this.#seats.has(seat.member)) seat.member.deliver(frame);
    }
  }

  #uniqueId(): string {
    for (let attempt = 0; attempt < 8; attempt++) {
      const id = this.newId();
      if (!this.#ids.has(id)) return id;
    }
    throw new Error('the id source keeps repeating itself');
  }
}

const send = (member: RelayMember, message: ServerMessage): void =>
  member.deliver(encodeServerMessage(message));
