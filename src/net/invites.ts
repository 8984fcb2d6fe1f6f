/**
 * The inviter's registry of the invites it made: what makes a pairing link single-use and
 * lets it expire. It lives in memory for the page's lifetime (a reload forgets its invites,
 * which is the safe direction: they become unknown, not reusable).
 */
import type { Clock } from '../ports/Clock.ts';
import { PairingError } from './handshakeErrors.ts';
import type { Invite } from './pairingLink.ts';

interface Entry {
  readonly invite: Invite;
  used: boolean;
}

export class Invites {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Pick<Clock, 'now'>) {
    this.#clock = clock;
  }

  /** Registers an invite just made (`createInvite`); a room registered twice throws. */
  add(invite: Invite): void {
    if (this.#entries.has(invite.room)) throw new RangeError(`the room ${invite.room} already has an invite`);
    this.#entries.set(invite.room, { invite, used: false });
  }

  /**
   * The invite of `room` if it may still be used; else `PairingError` with
   * `invite-unknown`, `invite-used` or `invite-expired`. Changes nothing.
   */
  check(room: string): Invite {
    const entry = this.#entries.get(room);
    if (!entry) throw new PairingError('invite-unknown');
    if (entry.used) throw new PairingError('invite-used');
    if (this.#clock.now() >= entry.invite.expiresAt) throw new PairingError('invite-expired');
    return entry.invite;
  }

  /** Like `check`, then marks the invite used: the one call that succeeds for it. */
  claim(room: string): Invite {
    const invite = this.check(room);
    this.#entries.get(room)!.used = true;
    return invite;
  }

  /** Withdraws an invite (the user closed it): later use is refused as used. */
  revoke(room: string): void {
    const entry = this.#entries.get(room);
    if (entry) entry.used = true;
  }

  /** Forgets invites that expired before `before` (keeps memory bounded on a long-lived page). */
  prune(before = this.#clock.now()): void {
    for (const [room, entry] of this.#entries)
      if (entry.invite.expiresAt < before) this.#entries.delete(room);
  }
}
