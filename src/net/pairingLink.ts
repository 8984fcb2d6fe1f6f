/**
 * Pairing links (DESIGN.md, "Network and pairing"): `https://<host>/#pair=<room>.<secret>`,
 * both parts 128 random bits in base64url. The fragment never reaches a server; the room
 * is where the two devices meet on the relay, the secret is what both prove they know.
 *
 * The inviter keeps each invite in its `Invites` registry (invites.ts), which makes it
 * single-use and lets it expire; the link itself carries no expiry.
 */
import { CryptoRandom } from '../adapters/random/CryptoRandom.ts';
import type { Random } from '../ports/Random.ts';
import { fromBase64urlOfLength, toBase64url } from './base64url.ts';

/** How long an invite stays usable unless the caller says otherwise. */
export const INVITE_TTL_MS = 10 * 60 * 1000;
/** Room ID and secret sizes: 128 bits each. */
export const ROOM_BYTES = 16;
export const SECRET_BYTES = 16;
/** Longer input is refused before any parsing. */
export const MAX_LINK_LENGTH = 2048;

/** What a pairing link names. */
export interface PairingLink {
  /** base64url of 16 random bytes (22 characters). */
  readonly room: string;
  /** base64url of 16 random bytes (22 characters). */
  readonly secret: string;
}

/** An invite as its maker holds it: the link, and until when it may be used. */
export interface Invite extends PairingLink {
  /** Milliseconds since the epoch, on the maker's clock. */
  readonly expiresAt: number;
  /** `https://<host>/<path>#pair=<room>.<secret>`: show as QR code and as text. */
  readonly link: string;
}

export interface CreateInviteOptions {
  /** The app's URL (`location.href`); its origin and path are kept, query and fragment dropped. */
  readonly origin: string;
  /** The time now (ms since the epoch). */
  readonly now: number;
  readonly ttlMs?: number;
  /** The source of the room and secret; default the platform's CSPRNG. Never a seeded one. */
  readonly random?: Pick<Random, 'bytes'>;
}

/** A link that is not a usable pairing link; the message says which part is wrong. */
export class PairingLinkError extends Error {
  override readonly name = 'PairingLinkError';
}

/** A new invite. Throws `RangeError` for an origin that is not an http(s) URL or a bad time. */
export function createInvite(options: CreateInviteOptions): Invite {
  const { now, ttlMs = INVITE_TTL_MS } = options;
  if (!Number.isFinite(now)) throw new RangeError('the time must be a finite number');
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new RangeError('an invite lifetime must be a positive number');
  let base: URL;
  try {
    base = new URL(options.origin);
  } catch {
    throw new RangeError(`not a URL: "${options.origin}"`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new RangeError(`a pairing link must be http(s), not ${base.protocol}`);
  }
  if (base.username || base.password) throw new RangeError('a pairing link cannot carry credentials');
  const random = options.random ?? new CryptoRandom();
  const room = toBase64url(random.bytes(ROOM_BYTES));
  const secret = toBase64url(random.bytes(SECRET_BYTES));
  return {
    room,
    secret,
    expiresAt: now + ttlMs,
    link: `${base.origin}${base.pathname}#pair=${room}.${secret}`,
  };
}

/**
 * The room and secret of a pairing link: a whole URL (as scanned or pasted), or just its
 * fragment (`#pair=…`, as `location.hash` gives it). Throws `PairingLinkError` for anything
 * else, saying what is wrong.
 */
export function parsePairingLink(urlOrHash: string): PairingLink {
  if (typeof urlOrHash !== 'string') throw new PairingLinkError('a pairing link must be text');
  const text = urlOrHash.trim();
  if (text === '') throw new PairingLinkError('the pairing link is empty');
  if (text.length > MAX_LINK_LENGTH) throw new PairingLinkError('this is too long to be a pairing link');
  const fragment = text.startsWith('#') ? text.slice(1) : fragmentOfUrl(text);
  if (!fragment.startsWith('pair=')) {
    throw new PairingLinkError('this link is not a pairing link (it has no "#pair=" part)');
  }
  const parts = fragment.slice('pair='.length).split('.');
  if (parts.length !== 2) {
    throw new PairingLinkError(
      'the pairing part must be "#pair=<room>.<secret>", two parts joined by one dot',
    );
  }
  const [room, secret] = parts as [string, string];
  if (!fromBase64urlOfLength(room, ROOM_BYTES)) {
    throw new PairingLinkError(
      'the room ID of the pairing link is damaged (expected 22 base64url characters)',
    );
  }
  if (!fromBase64urlOfLength(secret, SECRET_BYTES)) {
    throw new PairingLinkError(
      'the secret of the pairing link is damaged (expected 22 base64url characters)',
    );
  }
  return { room, secret };
}

function fragmentOfUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PairingLinkError('this is not a link');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PairingLinkError(`a pairing link starts with https:// (this one is ${url.protocol})`);
  }
  if (url.hash === '')
    throw new PairingLinkError('this link is not a pairing link (it has no "#pair=" part)');
  return url.hash.slice(1);
}
