/**
 * Reconnection: the first messages on a fresh data channel between two devices that
 * paired before. Each proves it holds the key the other remembered, over a transcript of
 * this session's connection, and each checks the other's certificate is the pinned one.
 *
 *   both:    auth-hello  { device ID, 32-byte nonce, fingerprints as my connection shows
 *                         them, and a certificate renewal if I made one }
 *   each checks: not itself, the peer is remembered (and is the one expected), the
 *            peer's view of the fingerprints mirrors its own (else: tampering), and the
 *            remote fingerprint is the one pinned at pairing, or one the peer's renewal,
 *            signed with its remembered key, moves the pin to (certificateRenewal.ts)
 *   both:    auth-proof  { signature = ECDSA(device key, "signature" ‖ my ID ‖ T) },
 *            T = transcript(both IDs, nonces and fingerprints, in device ID order)
 *   each verifies the signature with the remembered key
 *   both:    accept, and finish on the peer's accept (and move a renewed pin, and take the
 *            peer's new name if its auth-hello gave one: renaming a device reaches its peers
 *            at their next connection)
 *
 * A peer that fails any check gets a refusal and a closed transport, and nothing else.
 */
import { CryptoRandom } from '../adapters/random/CryptoRandom.ts';
import type { DeviceId } from '../ports/Store.ts';
import type { Random } from '../ports/Random.ts';
import type { Transport } from '../ports/Transport.ts';
import { runHandshake, type HandshakeOptions } from './handshakeChannel.ts';
import { AuthError, type AuthErrorCode } from './handshakeErrors.ts';
import { NONCE_BYTES, type FingerprintView } from './handshakeMessages.ts';
import { authTranscript, encodeFields } from './handshakeTranscript.ts';
import { verifyRenewal } from './certificateRenewal.ts';
import type { DeviceIdentity } from './identity.ts';
import type { RememberedDevice, RememberedDevices } from './rememberedDevices.ts';
import { importSpki, sign, verify } from './webCrypto.ts';

export interface AuthenticateOptions extends HandshakeOptions {
  readonly transport: Transport;
  readonly identity: DeviceIdentity;
  readonly remembered: RememberedDevices;
  /** The DTLS fingerprints in this side's local and remote SDP (fingerprint.ts). */
  readonly fingerprints: FingerprintView;
  /** The device this connection was made for; any other is refused as unknown. */
  readonly expected?: DeviceId;
  /** This device's name now, sent so peers follow a rename; omitted, they keep the old one. */
  readonly name?: string;
  /** The source of the nonce (default the platform's CSPRNG). */
  readonly random?: Pick<Random, 'bytes'>;
}

export interface AuthenticateResult {
  /** The peer, as remembered. */
  readonly peer: RememberedDevice;
}

const AUTH_CODES: ReadonlySet<string> = new Set<AuthErrorCode>([
  'timeout',
  'closed',
  'malformed',
  'too-large',
  'version',
  'tampered',
  'same-device',
  'bad-signature',
  'unknown-device',
  'fingerprint-changed',
  'internal',
  'refused',
]);

const makeError = (code: string, by: 'local' | 'peer', detail?: string) =>
  new AuthError(
    AUTH_CODES.has(code) ? (code as AuthErrorCode) : by === 'peer' ? 'refused' : 'internal',
    by,
    detail,
  );

/**
 * Authenticates the remembered device at the other end of `transport`. Resolves once both
 * sides accepted; the transport then belongs to the caller (the sync engine). Rejects with
 * `AuthError`, having told the peer why and closed the transport.
 */
export function authenticate(options: AuthenticateOptions): Promise<AuthenticateResult> {
  return runHandshake(options.transport, options, makeError, async (channel, finish) => {
    const { identity, fingerprints } = options;
    if (fingerprints.local !== identity.fingerprint) {
      throw new AuthError('internal', 'local', "this side's connection does not use the device certificate");
    }
    const nonce = (options.random ?? new CryptoRandom()).bytes(NONCE_BYTES);
    const renewal = identity.renewal;
    await channel.send({
      kind: 'auth-hello',
      device: identity.id,
      nonce,
      fingerprints,
      ...(renewal ? { renewal } : {}),
      ...(options.name !== undefined ? { name: options.name } : {}),
    });

    const hello = await channel.receive('auth-hello');
    if (hello.device === identity.id) throw new AuthError('same-device');
    const peer = await options.remembered.get(hello.device);
    if (!peer) throw new AuthError('unknown-device', 'local', `device ${hello.device}`);
    if (options.expected !== undefined && hello.device !== options.expected) {
      throw new AuthError('unknown-device', 'local', `expected ${options.expected}, not ${hello.device}`);
    }
    if (
      hello.fingerprints.local !== fingerprints.remote ||
      hello.fingerprints.remote !== fingerprints.local
    ) {
      throw new AuthError('tampered');
    }
    const renewed = fingerprints.remote !== peer.fingerprint;
    if (renewed && !(hello.renewal && (await verifyRenewal(peer, hello.renewal, fingerprints.remote)))) {
      throw new AuthError('fingerprint-changed');
    }

    const transcript = await authTranscript(
      { device: identity.id, nonce, fingerprint: fingerprints.local },
      { device: hello.device, nonce: hello.nonce, fingerprint: fingerprints.remote },
    );
    const statement = (who: DeviceId) => encodeFields(['signature', who, transcript]);
    await channel.send({
      kind: 'auth-proof',
      signature: await sign(identity.keys.privateKey, statement(identity.id)),
    });

    const proof = await channel.receive('auth-proof');
    const key = await importSpki(peer.publicKeySpki);
    if (!key || !(await verify(key, proof.signature, statement(peer.id))))
      throw new AuthError('bad-signature');
    await channel.send({ kind: 'accept' });
    await channel.receive('accept');
    finish();
    let result = peer;
    if (renewed) {
      result = { ...peer, fingerprint: fingerprints.remote };
      await options.remembered.remember(result);
    }
    if (hello.name !== undefined && hello.name !== result.name) {
      // Only a peer that proved its key gets here; a rename that fails (forgotten meanwhile) is moot.
      result = await options.remembered.rename(result.id, hello.name).catch(() => result);
    }
    return { peer: result };
  });
}
