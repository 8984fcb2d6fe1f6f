/**
 * Pairing: the first messages on a fresh data channel between the device that made a
 * pairing link (the inviter) and the one that opened it (the joiner). The relay is not
 * trusted; the DTLS channel may have been set up through a relay that rewrote the SDP.
 *
 *   both:    pair-hello  { role, room, device ID, name, SPKI key, 32-byte nonce,
 *                         fingerprints as my connection shows them }
 *   each checks: opposite role, same room, not itself, ID = hash of key, and that the
 *            peer's view of the fingerprints mirrors its own (else: tampering)
 *   both:    pair-proof  { mac, signature }, over T = transcript(room, inviter part,
 *                         joiner part), each part with the fingerprint this side sees
 *            mac       = HMAC(K, "proof" ‖ role ‖ T), K = HKDF(secret, label, label/mac ‖ room)
 *            signature = ECDSA(device key, "signature" ‖ role ‖ T)
 *   each checks both; the inviter then claims the invite (single use, not expired)
 *   both:    accept, and finish on the peer's accept: remember the peer, and show
 *            words = 4 BIP-39 words of SHA-256("words" ‖ T)
 *
 * What binds what: the secret (only the two devices have it) and the fresh nonces make
 * every proof good for this session alone, so a replayed message fails; both DTLS
 * fingerprints in T mean a relay in the middle, whose connections show other
 * fingerprints, gets proofs that do not verify; the signatures prove each device holds the
 * key its ID names. The role in each proof keeps one side's proof from being sent back as
 * the other's.
 */
import { CryptoRandom } from '../adapters/random/CryptoRandom.ts';
import type { Random } from '../ports/Random.ts';
import type { Transport } from '../ports/Transport.ts';
import { fromBase64urlOfLength } from './base64url.ts';
import { validateDeviceName } from './deviceName.ts';
import { runHandshake, type HandshakeOptions } from './handshakeChannel.ts';
import { PairingError, type PairingErrorCode } from './handshakeErrors.ts';
import { NONCE_BYTES, type FingerprintView, type PairHello } from './handshakeMessages.ts';
import { encodeFields, pairTranscript, PAIR_LABEL, type PairParty } from './handshakeTranscript.ts';
import { deviceIdOfKey, type DeviceIdentity } from './identity.ts';
import type { Invites } from './invites.ts';
import { SECRET_BYTES } from './pairingLink.ts';
import type { RememberedDevice, RememberedDevices } from './rememberedDevices.ts';
import { isRoomId } from './rooms.ts';
import { verificationWords } from './verificationWords.ts';
import { deriveMacKey, importSpki, mac, sha256, sign, verify, verifyMac } from './webCrypto.ts';

type Role = 'inviter' | 'joiner';

interface PairCommon extends HandshakeOptions {
  readonly transport: Transport;
  readonly identity: DeviceIdentity;
  /** This device's name, sent to the peer. */
  readonly name: string;
  /** The invite's room and secret (base64url, as in the link). */
  readonly room: string;
  readonly secret: string;
  /** The DTLS fingerprints in this side's local and remote SDP (fingerprint.ts). */
  readonly fingerprints: FingerprintView;
  /** Where the peer is remembered once both sides accepted. */
  readonly remembered: RememberedDevices;
  /** The source of the nonce (default the platform's CSPRNG). */
  readonly random?: Pick<Random, 'bytes'>;
}

export type PairOptions =
  | (PairCommon & { readonly role: 'inviter'; readonly invites: Invites })
  | (PairCommon & { readonly role: 'joiner' });

export interface PairResult {
  /** The peer as now remembered. */
  readonly peer: RememberedDevice;
  /** The words both devices show; the same on both sides. */
  readonly words: readonly string[];
}

const makeError = (code: PairingErrorCode | string, by: 'local' | 'peer', detail?: string) =>
  new PairingError(isPairingCode(code) ? code : by === 'peer' ? 'refused' : 'internal', by, detail);

const NOT_PAIRING: ReadonlySet<string> = new Set(['unknown-device', 'fingerprint-changed']);
const isPairingCode = (code: string): code is PairingErrorCode => !NOT_PAIRING.has(code);

/**
 * Pairs with the device at the other end of `transport`. Resolves once both sides accepted
 * and the peer is remembered; the transport then belongs to the caller (the sync engine).
 * Rejects with `PairingError`, having told the peer why and closed the transport.
 */
export function pair(options: PairOptions): Promise<PairResult> {
  return runHandshake(options.transport, options, makeError, async (channel, finish) => {
    const { identity, room, fingerprints, role } = options;
    const local = checkLocal(options);
    if (options.role === 'inviter') options.invites.check(room);

    const nonce = (options.random ?? new CryptoRandom()).bytes(NONCE_BYTES);
    await channel.send({
      kind: 'pair-hello',
      role,
      room,
      device: identity.id,
      name: local.name,
      key: identity.publicKeySpki,
      nonce,
      fingerprints,
    });
    const hello = await channel.receive('pair-hello');
    const peerKey = await checkHello(options, hello);
    if (options.role === 'inviter') options.invites.check(room);

    const mine: PairParty = {
      device: identity.id,
      name: local.name,
      key: identity.publicKeySpki,
      nonce,
      fingerprint: fingerprints.local,
    };
    const theirs: PairParty = {
      device: hello.device,
      name: hello.name,
      key: hello.key,
      nonce: hello.nonce,
      fingerprint: fingerprints.remote,
    };
    const transcript =
      role === 'inviter'
        ? await pairTranscript(room, mine, theirs)
        : await pairTranscript(room, theirs, mine);
    const macKey = await deriveMacKey(
      local.secret,
      encodeFields([PAIR_LABEL]),
      encodeFields([`${PAIR_LABEL}/mac`, room]),
    );
    const statement = (what: string, who: Role) => encodeFields([what, who, transcript]);
    await channel.send({
      kind: 'pair-proof',
      mac: await mac(macKey, statement('proof', role)),
      signature: await sign(identity.keys.privateKey, statement('signature', role)),
    });

    const proof = await channel.receive('pair-proof');
    const peerRole: Role = role === 'inviter' ? 'joiner' : 'inviter';
    if (!(await verifyMac(macKey, proof.mac, statement('proof', peerRole))))
      throw new PairingError('proof-failed');
    if (!(await verify(peerKey, proof.signature, statement('signature', peerRole)))) {
      throw new PairingError('bad-signature');
    }
    if (options.role === 'inviter') options.invites.claim(room);
    await channel.send({ kind: 'accept' });
    await channel.receive('accept');
    finish();

    const peer: RememberedDevice = {
      id: hello.device,
      name: hello.name,
      publicKeySpki: hello.key,
      fingerprint: fingerprints.remote,
      pairedAt: (options.clock ?? { now: Date.now }).now(),
    };
    await options.remembered.remember(peer);
    const words = verificationWords(await sha256(encodeFields(['words', transcript])));
    return { peer, words };
  });
}

/** Our own inputs, checked before anything is sent. */
function checkLocal(options: PairOptions): { name: string; secret: Uint8Array } {
  const secret = fromBase64urlOfLength(options.secret, SECRET_BYTES);
  if (!secret) throw new PairingError('internal', 'local', 'the pairing secret is malformed');
  if (!isRoomId(options.room)) throw new PairingError('internal', 'local', 'the room ID is malformed');
  if (options.fingerprints.local !== options.identity.fingerprint) {
    throw new PairingError('internal', 'local', "this side's connection does not use the device certificate");
  }
  let name: string;
  try {
    name = validateDeviceName(options.name);
  } catch (error) {
    throw new PairingError('internal', 'local', (error as Error).message);
  }
  return { name, secret };
}

/** The peer's hello checked against ours; resolves with its public key. */
async function checkHello(options: PairOptions, hello: PairHello): Promise<CryptoKey> {
  const { identity, fingerprints } = options;
  if (hello.role === options.role)
    throw new PairingError('malformed', 'local', `both devices are ${hello.role}s`);
  if (hello.device === identity.id) throw new PairingError('same-device');
  if (hello.room !== options.room) throw new PairingError('wrong-room');
  const key = await importSpki(hello.key);
  if (!key) throw new PairingError('malformed', 'local', 'the key is not an ECDSA P-256 public key');
  if ((await deviceIdOfKey(hello.key)) !== hello.device) throw new PairingError('bad-device-id');
  if (hello.fingerprints.local !== fingerprints.remote || hello.fingerprints.remote !== fingerprints.local) {
    throw new PairingError('tampered');
  }
  return key;
}
