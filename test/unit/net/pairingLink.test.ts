import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { SeededRandom } from '../../../src/adapters/random/SeededRandom.ts';
import { fromBase64url, toBase64url } from '../../../src/net/base64url.ts';
import { PairingError } from '../../../src/net/handshakeErrors.ts';
import { Invites } from '../../../src/net/invites.ts';
import {
  createInvite,
  INVITE_TTL_MS,
  MAX_LINK_LENGTH,
  PairingLinkError,
  parsePairingLink,
} from '../../../src/net/pairingLink.ts';

const NOW = Date.UTC(2026, 0, 1);
const invite = (origin = 'https://tandem.example/') => createInvite({ origin, now: NOW });
const B64URL = /^[A-Za-z0-9_-]{22}$/;

describe('createInvite', () => {
  it('makes a 128-bit room and secret and a link to the app with them in the fragment', () => {
    const made = invite('https://192.168.1.20:8443/app/?from=menu#old');
    expect(made.room).toMatch(B64URL);
    expect(made.secret).toMatch(B64URL);
    expect(fromBase64url(made.room)).toHaveLength(16);
    expect(fromBase64url(made.secret)).toHaveLength(16);
    expect(made.room).not.toBe(made.secret);
    expect(made.link).toBe(`https://192.168.1.20:8443/app/#pair=${made.room}.${made.secret}`);
    expect(made.expiresAt).toBe(NOW + INVITE_TTL_MS);
    expect(INVITE_TTL_MS).toBe(10 * 60 * 1000);
  });

  it('takes its bytes from the given random source', () => {
    const a = createInvite({
      origin: 'http://localhost:8080',
      now: NOW,
      ttlMs: 5,
      random: new SeededRandom(7),
    });
    const b = createInvite({
      origin: 'http://localhost:8080',
      now: NOW,
      ttlMs: 5,
      random: new SeededRandom(7),
    });
    expect(a).toEqual(b);
    expect(a.expiresAt).toBe(NOW + 5);
    expect(a.link.startsWith('http://localhost:8080/#pair=')).toBe(true);
  });

  it('never repeats a room or secret from the CSPRNG', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const made = invite();
      seen.add(made.room).add(made.secret);
    }
    expect(seen.size).toBe(400);
  });

  it.each([['not a url'], ['ftp://host/'], ['https://user:pw@host/'], ['javascript:alert(1)']])(
    'refuses the origin %j',
    (origin) => expect(() => invite(origin)).toThrow(RangeError),
  );

  it('refuses a bad lifetime or time', () => {
    expect(() => createInvite({ origin: 'https://h/', now: NOW, ttlMs: 0 })).toThrow(RangeError);
    expect(() => createInvite({ origin: 'https://h/', now: NOW, ttlMs: Number.NaN })).toThrow(RangeError);
    expect(() => createInvite({ origin: 'https://h/', now: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});

describe('parsePairingLink', () => {
  it('reads back what createInvite made, from the link, the fragment or pasted with spaces', () => {
    const made = invite();
    const expected = { room: made.room, secret: made.secret };
    expect(parsePairingLink(made.link)).toEqual(expected);
    expect(parsePairingLink(`  ${made.link}\n`)).toEqual(expected);
    expect(parsePairingLink(`#pair=${made.room}.${made.secret}`)).toEqual(expected);
  });

  it('round-trips any room and secret bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (r, s) => {
          const link = `https://h.example/#pair=${toBase64url(r)}.${toBase64url(s)}`;
          const parsed = parsePairingLink(link);
          expect(fromBase64url(parsed.room)).toEqual(r);
          expect(fromBase64url(parsed.secret)).toEqual(s);
        },
      ),
    );
  });

  const good = invite();
  const malformed: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['blank', '   ', /empty/],
    ['not a link', 'hello there', /not a link/],
    ['another scheme', `ftp://h/#pair=${good.room}.${good.secret}`, /https/],
    ['no fragment', 'https://h.example/', /not a pairing link/],
    ['another fragment', 'https://h.example/#settings', /not a pairing link/],
    ['a misspelt key', `https://h/#pari=${good.room}.${good.secret}`, /not a pairing link/],
    ['no dot', `https://h/#pair=${good.room}${good.secret}`, /two parts/],
    ['two dots', `https://h/#pair=${good.room}.${good.secret}.x`, /two parts/],
    ['an empty room', `https://h/#pair=.${good.secret}`, /room ID/],
    ['an empty secret', `https://h/#pair=${good.room}.`, /secret/],
    ['a short room', `https://h/#pair=${good.room.slice(1)}.${good.secret}`, /room ID/],
    ['a long secret', `https://h/#pair=${good.room}.${good.secret}A`, /secret/],
    ['padding', `https://h/#pair=${good.room}==.${good.secret}`, /room ID/],
    ['standard base64 characters', `https://h/#pair=${'+'.repeat(22)}.${good.secret}`, /room ID/],
    [
      'a non-canonical last character',
      `https://h/#pair=${good.room.slice(0, 21)}B.${good.secret}`,
      /room ID/,
    ],
    ['percent-encoding', `https://h/#pair=${good.room}%2E${good.secret}`, /two parts/],
    ['too long', `https://h/${'a'.repeat(MAX_LINK_LENGTH)}#pair=${good.room}.${good.secret}`, /too long/],
  ];
  for (const [what, text, message] of malformed) {
    it(`refuses ${what}`, () => {
      expect(() => parsePairingLink(text)).toThrow(PairingLinkError);
      expect(() => parsePairingLink(text)).toThrow(message);
    });
  }

  it('refuses what is not text', () => {
    expect(() => parsePairingLink(42 as unknown as string)).toThrow(PairingLinkError);
  });

  it('either refuses any input with PairingLinkError or returns a canonical room and secret', () => {
    const parts = fc.oneof(
      fc.string(),
      fc.stringMatching(/^[A-Za-z0-9_=.+/%-]{0,30}$/),
      fc.constant(good.room),
      fc.constant(good.secret),
    );
    const inputs = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc
        .tuple(
          fc.constantFrom('https://h/#pair=', '#pair=', 'http://x:1/p#pair=', 'https://h/#'),
          parts,
          fc.constantFrom('.', '', '..'),
          parts,
        )
        .map((t) => t.join('')),
    );
    fc.assert(
      fc.property(inputs, (text) => {
        let parsed;
        try {
          parsed = parsePairingLink(text);
        } catch (error) {
          expect(error).toBeInstanceOf(PairingLinkError);
          return;
        }
        expect(parsed.room).toMatch(B64URL);
        expect(parsed.secret).toMatch(B64URL);
        expect(toBase64url(fromBase64url(parsed.room)!)).toBe(parsed.room);
        expect(toBase64url(fromBase64url(parsed.secret)!)).toBe(parsed.secret);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every link with one character of its fragment removed', () => {
    const fragment = `pair=${good.room}.${good.secret}`;
    for (let i = 0; i < fragment.length; i++) {
      const cut = fragment.slice(0, i) + fragment.slice(i + 1);
      expect(() => parsePairingLink(`https://h/#${cut}`), cut).toThrow(PairingLinkError);
    }
  });
});

describe('Invites', () => {
  it('lets an invite be claimed once, then refuses it as used', () => {
    const clock = new ManualClock(NOW);
    const invites = new Invites(clock);
    const made = invite();
    invites.add(made);
    expect(invites.check(made.room)).toBe(made);
    expect(invites.check(made.room)).toBe(made); // checking uses nothing up
    expect(invites.claim(made.room)).toBe(made);
    expect(() => invites.claim(made.room)).toThrow(expect.objectContaining({ code: 'invite-used' }));
    expect(() => invites.check(made.room)).toThrow(/already used/);
  });

  it('refuses an invite from the moment it expires', () => {
    const clock = new ManualClock(NOW);
    const invites = new Invites(clock);
    const made = invite();
    invites.add(made);
    clock.advance(INVITE_TTL_MS - 1);
    expect(() => invites.check(made.room)).not.toThrow();
    clock.advance(1);
    expect(() => invites.claim(made.room)).toThrow(expect.objectContaining({ code: 'invite-expired' }));
  });

  it('refuses an unknown room, a revoked invite, and a room added twice', () => {
    const invites = new Invites(new ManualClock(NOW));
    const made = invite();
    expect(() => invites.check(made.room)).toThrow(PairingError);
    invites.add(made);
    expect(() => invites.add(made)).toThrow(RangeError);
    invites.revoke(made.room);
    expect(() => invites.claim(made.room)).toThrow(expect.objectContaining({ code: 'invite-used' }));
  });

  it('forgets expired invites when pruned, and keeps the others', () => {
    const clock = new ManualClock(NOW);
    const invites = new Invites(clock);
    const old = invite();
    invites.add(old);
    clock.advance(INVITE_TTL_MS + 1);
    const fresh = createInvite({ origin: 'https://h/', now: clock.now() });
    invites.add(fresh);
    invites.prune();
    expect(() => invites.check(old.room)).toThrow(expect.objectContaining({ code: 'invite-unknown' }));
    expect(invites.check(fresh.room)).toBe(fresh);
  });
});
