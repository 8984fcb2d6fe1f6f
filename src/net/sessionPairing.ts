/**
 * One pairing link from the inviter's side: it waits in the link's room and pairs with
 * whoever proves the secret. It stays in the room after the pairing and after the link
 * expires (for `ANSWER_GRACE_MS`), so a device that opens a used or expired link hears
 * why it was refused rather than waiting for nobody.
 */
import type { Clock } from '../ports/Clock.ts';
import type { Unsubscribe } from '../ports/Transport.ts';
import type { WebRtcTransport } from '../adapters/transport/WebRtcTransport.ts';
import { MeetError, type Meeting } from './connector.ts';
import type { PairResult } from './handshakePair.ts';
import type { Invite } from './pairingLink.ts';

/** How long past its expiry a link's room is still answered (to refuse it clearly). */
export const ANSWER_GRACE_MS = 10 * 60 * 1000;

export type PairingPhase =
  | { readonly phase: 'waiting' }
  | { readonly phase: 'connecting' }
  | { readonly phase: 'paired'; readonly result: PairResult }
  | { readonly phase: 'failed'; readonly message: string };

export interface PairingInvite {
  /** The link to show as a QR code and as text. */
  readonly link: string;
  readonly expiresAt: number;
  readonly phase: PairingPhase;
  /** Hears each phase change (not the current one). */
  onPhase(listener: (phase: PairingPhase) => void): Unsubscribe;
  /** Stops answering the link and revokes it. */
  cancel(): void;
}

export interface InviteLoopDeps {
  readonly invite: Invite;
  readonly clock: Clock;
  /** Meets the next joiner in the room (initiator side). */
  readonly meet: (hooks: { signal: AbortSignal; onAttempt: () => void; waitMs: number }) => Promise<Meeting>;
  /** Runs the inviter's handshake on a meeting. */
  readonly pair: (meeting: Meeting) => Promise<PairResult>;
  /** A pairing succeeded: the transport is the caller's now. */
  readonly paired: (result: PairResult, transport: WebRtcTransport) => void;
  readonly revoke: () => void;
}

export function runInvite(deps: InviteLoopDeps): PairingInvite {
  const abort = new AbortController();
  const listeners = new Set<(phase: PairingPhase) => void>();
  const until = deps.invite.expiresAt + ANSWER_GRACE_MS;
  let phase: PairingPhase = { phase: 'waiting' };
  let done = false;
  const set = (next: PairingPhase) => {
    // After a pairing, later refusals (a reused link) are the other device's news, not ours.
    if (phase.phase === 'paired' || abort.signal.aborted) return;
    phase = next;
    for (const listener of [...listeners]) listener(next);
  };

  void (async () => {
    while (!abort.signal.aborted && deps.clock.now() < until) {
      let meeting: Meeting;
      try {
        meeting = await deps.meet({
          signal: abort.signal,
          onAttempt: () => set({ phase: 'connecting' }),
          waitMs: Math.max(0, until - deps.clock.now()),
        });
      } catch (error) {
        if (error instanceof MeetError && (error.kind === 'aborted' || error.kind === 'nobody')) break;
        set({ phase: 'failed', message: (error as Error).message });
        // The relay refused or the connection failed: wait a moment before listening again.
        await new Promise<void>((resolve) => deps.clock.setTimer(1000, resolve));
        continue;
      }
      try {
        const result = await deps.pair(meeting);
        if (!done) {
          done = true;
          set({ phase: 'paired', result });
        }
        deps.paired(result, meeting.transport);
      } catch (error) {
        set({ phase: 'failed', message: (error as Error).message });
        // The refused device is leaving the room: listening again at once could find it
        // still listed there, offer to a page that no longer answers, and replace the
        // refusal the person needs to see with a time-out.
        await new Promise<void>((resolve) => deps.clock.setTimer(1000, resolve));
      }
    }
  })();

  return {
    link: deps.invite.link,
    expiresAt: deps.invite.expiresAt,
    get phase() {
      return phase;
    },
    onPhase(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    cancel() {
      if (phase.phase !== 'paired') deps.revoke();
      abort.abort(new Error('cancelled'));
    },
  };
}
