import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { systemClock } from '../../../src/adapters/clock/SystemClock.ts';
import { createMemoryPair } from '../../../src/adapters/transport/MemoryTransport.ts';
import type { Transport } from '../../../src/ports/Transport.ts';
import { PairingError } from '../../../src/net/handshakeErrors.ts';
import {
  decodeMessage,
  encodeMessage,
  type FingerprintView,
  type HandshakeMessage,
  type PairHello,
  type PairProof,
} from '../../../src/net/handshakeMessages.ts';
import { encodeFields, pairTranscript } from '../../../src/net/handshakeTranscript.ts';
import { sign } from '../../../src/net/webCrypto.ts';
import { pair, type PairResult } from '../../../src/net/handshakePair.ts';
import { Invites } from '../../../src/net/invites.ts';
import { createInvite, type Invite } from '../../../src/net/pairingLink.ts';
import { RememberedDevices } from '../../../src/net/rememberedDevices.ts';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import {
  connect,
  directViews,
  makeDevice,
  randomFingerprint,
  settledState,
  type Device,
  failures,
  tap,
} from './netFixture.ts';

const clock = systemClock();

interface Session {
  readonly inviter: Device;
  readonly joiner: Device;
  readonly invite: Invite;
  readonly invites: Invites;
}

async function session(): Promise<Session> {
  const [inviter, joiner] = await Promise.all([makeDevice('Laptop'), makeDevice('Phone')]);
  const invite = createInvite({ origin: 'https://tandem.test/', now: clock.now() });
  const invites = new Invites(clock);
  invites.add(invite);
  return { inviter, joiner, invite, invites };
}

interface RunOptions {
  readonly a?: Transport;
  readonly b?: Transport;
  readonly views?: { a: FingerprintView; b: FingerprintView };
  readonly joinerSecret?: string;
  readonly joinerRoom?: string;
}

/** Runs both sides of a pairing; the inviter on `a`, the joiner on `b`. */
function run(s: Session, options: RunOptions = {}): [Promise<PairResult>, Promise<PairResult>] {
  const transports = options.a && options.b ? { a: options.a, b: options.b } : connect();
  const views = options.views ?? directViews(s.inviter, s.joiner);
  const inviter = pair({
    role: 'inviter',
    transport: transports.a,
    identity: s.inviter.identity,
    name: s.inviter.name,
    room: s.invite.room,
    secret: s.invite.secret,
    fingerprints: views.a,
    remembered: s.inviter.remembered,
    invites: s.invites,
  });
  const joiner = pair({
    role: 'joiner',
    transport: transports.b,
    identity: s.joiner.identity,
    name: s.joiner.name,
    room: options.joinerRoom ?? s.invite.room,
    secret: options.joinerSecret ?? s.invite.secret,
    fingerprints: views.b,
    remembered: s.joiner.remembered,
  });
  return [inviter, joiner];
}

/** The inviter alone, for tests that play the joiner's part by hand on the other end. */
function inviterOnly(
  s: Session,
  transport: Transport,
  extra: { invites?: Invites; clock?: ManualClock; timeoutMs?: number } = {},
) {
  return pair({
    role: 'inviter',
    transport,
    identity: s.inviter.identity,
    name: s.inviter.name,
    room: s.invite.room,
    secret: s.invite.secret,
    fingerprints: directViews(s.inviter, s.joiner).a,
    remembered: s.inviter.remembered,
    invites: extra.invites ?? s.invites,
    ...(extra.clock ? { clock: extra.clock } : {}),
    ...(extra.timeoutMs ? { timeoutMs: extra.timeoutMs } : {}),
  });
}

const send = (transport: Transport, message: HandshakeMessage) => transport.send(encodeMessage(message));

describe('pairing', () => {
  it('succeeds with the same words on both sides, and each remembers the other', async () => {
    const s = await session();
    const [inviter, joiner] = await Promise.all(run(s));
    expect(inviter.words).toEqual(joiner.words);
    expect(inviter.words).toHaveLength(4);
    for (const word of inviter.words) expect(wordlist).toContain(word);

    expect(inviter.peer).toMatchObject({
      id: s.joiner.identity.id,
      name: 'Phone',
      fingerprint: s.joiner.identity.fingerprint,
    });
    expect(joiner.peer).toMatchObject({
      id: s.inviter.identity.id,
      name: 'Laptop',
      fingerprint: s.inviter.identity.fingerprint,
    });
    expect(inviter.peer.publicKeySpki).toEqual(s.joiner.identity.publicKeySpki);
    expect(await s.inviter.remembered.get(s.joiner.identity.id)).toEqual(inviter.peer);
    expect(await s.joiner.remembered.get(s.inviter.identity.id)).toEqual(joiner.peer);
  });

  it('gives different words to different sessions', async () => {
    const first = await Promise.all(run(await session()));
    const second = await Promise.all(run(await session()));
    expect(first[0].words).not.toEqual(second[0].words);
  });

  it('hands the transport over open, with the messages that followed the handshake held for the engine', async () => {
    const s = await session();
    const { a, b } = connect();
    const [inviter, joiner] = run(s, { a, b });
    await joiner;
    await b.send(new Uint8Array([7, 7, 7])); // the joiner's engine starts at once
    await inviter;
    expect(a.closed).toBeUndefined();
    const got: number[][] = [];
    a.onMessage((m) => got.push([...m]));
    expect(got).toEqual([[7, 7, 7]]);
  });

  it('closes without a refusal when remembering fails after the hand-over (the peer engine owns its end)', async () => {
    const s = await session();
    const failing = new RememberedDevices({
      getSetting: async () => undefined,
      setSetting: async () => {
        throw new Error('disk full');
      },
    });
    const { a, b } = connect();
    const [inviter, joiner] = run({ ...s, inviter: { ...s.inviter, remembered: failing } }, { a, b });
    const inviterFailed = failures(PairingError, inviter);
    await joiner;
    const engineGot: Uint8Array[] = [];
    b.onMessage((m) => engineGot.push(m));
    const [error] = await inviterFailed;
    expect(error).toMatchObject({ code: 'internal', by: 'local' });
    expect(error.message).toMatch(/disk full/);
    expect(a.closed?.by).toBe('local');
    await expect.poll(() => b.closed?.by, { timeout: 2000 }).toBe('remote');
    expect(engineGot).toEqual([]);
  });

  it('marks the invite used, so a second pairing with the same link is refused', async () => {
    const s = await session();
    await Promise.all(run(s));
    const third = await makeDevice('Tablet');
    const [inviterError, joinerError] = await failures(PairingError, ...run({ ...s, joiner: third }));
    expect(inviterError).toMatchObject({ code: 'invite-used', by: 'local' });
    expect(joinerError).toMatchObject({ code: 'invite-used', by: 'peer' });
    expect(joinerError.message).toMatch(/already used/);
    expect(await third.remembered.list()).toEqual([]);
  });

  it('refuses an expired invite, and remembers nothing', async () => {
    const s = await session();
    const late = new ManualClock(s.invite.expiresAt);
    const expired = { ...s, invites: new Invites(late) };
    expired.invites.add(s.invite);
    const [inviterError, joinerError] = await failures(PairingError, ...run(expired));
    expect(inviterError).toMatchObject({ code: 'invite-expired', by: 'local' });
    expect(joinerError).toMatchObject({ code: 'invite-expired', by: 'peer' });
    expect(joinerError.message).toMatch(/expired/);
    expect(await s.inviter.remembered.list()).toEqual([]);
    expect(await s.joiner.remembered.list()).toEqual([]);
  });

  it('refuses a room the inviter made no invite for', async () => {
    const s = await session();
    const [inviterError] = await failures(PairingError, ...run({ ...s, invites: new Invites(clock) }));
    expect(inviterError.code).toBe('invite-unknown');
  });

  it('fails on both sides with a wrong secret, and leaves the invite usable', async () => {
    const s = await session();
    const wrong = createInvite({ origin: 'https://tandem.test/', now: 0 }).secret;
    const errors = await failures(PairingError, ...run(s, { joinerSecret: wrong }));
    expect(errors.map((e) => e.code)).toEqual(['proof-failed', 'proof-failed']);
    expect(await s.inviter.remembered.list()).toEqual([]);
    expect(await s.joiner.remembered.list()).toEqual([]);
    // A 128-bit secret cannot be guessed online, so a failed try does not burn the link.
    expect(() => s.invites.check(s.invite.room)).not.toThrow();
  });

  it('refuses a joiner that came to another room', async () => {
    const s = await session();
    const other = createInvite({ origin: 'https://tandem.test/', now: 0 }).room;
    const [inviterError] = await failures(PairingError, ...run(s, { joinerRoom: other }));
    expect(inviterError.code).toBe('wrong-room');
  });

  it('fails on both sides with the tampering message when a relay swapped in its own fingerprints', async () => {
    const s = await session();
    // The relay terminates DTLS on each side with its own certificates: each device's
    // connection shows the relay's fingerprint as the remote one.
    const views = {
      a: { local: s.inviter.identity.fingerprint, remote: randomFingerprint() },
      b: { local: s.joiner.identity.fingerprint, remote: randomFingerprint() },
    };
    const errors = await failures(PairingError, ...run(s, { views }));
    for (const error of errors) {
      expect(error).toMatchObject({ code: 'tampered', by: 'local' });
      expect(error.message).toMatch(/tampering/);
    }
    expect(await s.inviter.remembered.list()).toEqual([]);
  });

  it('fails on both sides when the relay also rewrites the hellos to hide the swap', async () => {
    const s = await session();
    const relayToInviter = randomFingerprint();
    const relayToJoiner = randomFingerprint();
    const inviterSide = createMemoryPair();
    const joinerSide = createMemoryPair();
    // The relay forwards every message, making each hello mirror what the receiver sees.
    const forward = (from: Transport, to: Transport, view: FingerprintView) =>
      from.onMessage((bytes) => {
        const message = decodeMessage(bytes);
        void send(to, message.kind === 'pair-hello' ? { ...message, fingerprints: view } : message).catch(
          () => {},
        );
      });
    forward(inviterSide.b, joinerSide.a, { local: relayToJoiner, remote: s.joiner.identity.fingerprint });
    forward(joinerSide.a, inviterSide.b, { local: relayToInviter, remote: s.inviter.identity.fingerprint });
    const views = {
      a: { local: s.inviter.identity.fingerprint, remote: relayToInviter },
      b: { local: s.joiner.identity.fingerprint, remote: relayToJoiner },
    };
    const errors = await failures(PairingError, ...run(s, { a: inviterSide.a, b: joinerSide.b, views }));
    expect(errors.map((e) => e.code)).toEqual(['proof-failed', 'proof-failed']);
    expect(inviterSide.a.closed).toBeDefined();
    expect(joinerSide.b.closed).toBeDefined();
  });

  it("refuses a recorded earlier session's messages replayed by the relay", async () => {
    const s = await session();
    const first = connect();
    const recorded: HandshakeMessage[] = [];
    // Record what the joiner sent in a pairing that went through.
    const original = first.b.send.bind(first.b);
    first.b.send = (bytes: Uint8Array) => {
      recorded.push(decodeMessage(bytes));
      return original(bytes);
    };
    await Promise.all(run(s, { a: first.a, b: first.b }));
    const [hello, proof] = recorded;
    expect(hello?.kind).toBe('pair-hello');
    expect(proof?.kind).toBe('pair-proof');

    // The same link, with the single-use check out of the way (a registry that still has
    // it open): only the fresh nonces stop the replay.
    const reopened = new Invites(clock);
    reopened.add(s.invite);
    const second = connect();
    const fromInviter = tap(second.b);
    const inviter = inviterOnly(s, second.a, { invites: reopened });
    await send(second.b, hello!);
    await send(second.b, proof!);
    const [error] = await failures(PairingError, inviter);
    expect(error.code).toBe('proof-failed');
    expect(fromInviter.at(-1)).toEqual({ kind: 'refuse', code: 'proof-failed' });
    expect(second.a.closed?.by).toBe('local');
    expect(() => reopened.check(s.invite.room)).not.toThrow();

    // Against the registry that saw the first pairing, the link is simply used.
    const third = connect();
    const again = inviterOnly(s, third.a);
    await send(third.b, hello!);
    expect((await failures(PairingError, again))[0].code).toBe('invite-used');
  });

  it("refuses a peer that sends this device's own hello back", async () => {
    const s = await session();
    const { a, b } = connect();
    const got = tap(b);
    const inviter = inviterOnly(s, a);
    await expect.poll(() => got.length, { timeout: 2000 }).toBe(1);
    await send(b, { ...(got[0] as HandshakeMessage & { kind: 'pair-hello' }), role: 'joiner' });
    expect((await failures(PairingError, inviter))[0].code).toBe('same-device');
  });

  it('refuses a hello whose device ID is not the hash of its key', async () => {
    const s = await session();
    const { a, b } = connect();
    const inviter = inviterOnly(s, a);
    const other = await makeDevice('Impostor');
    await send(b, {
      kind: 'pair-hello',
      role: 'joiner',
      room: s.invite.room,
      device: s.joiner.identity.id, // claims the joiner's ID with another key
      name: 'Phone',
      key: other.identity.publicKeySpki,
      nonce: new Uint8Array(32),
      fingerprints: directViews(s.inviter, s.joiner).b,
    });
    expect((await failures(PairingError, inviter))[0].code).toBe('bad-device-id');
  });

  it('refuses a peer whose signature is not made with the key it announced', async () => {
    // The joiner announces its key but signs with another: the MAC is right, the signature not.
    const s = await session();
    const signer = await makeDevice('Other');
    const joinerIdentity = { ...s.joiner.identity, keys: signer.identity.keys };
    const errors = await failures(
      PairingError,
      ...run({ ...s, joiner: { ...s.joiner, identity: joinerIdentity } }),
    );
    expect(errors.map((e) => e.code)).toEqual(['bad-signature', 'bad-signature']);
    expect(errors[1].by).toBe('peer');
  });
});

describe('pairing without the secret', () => {
  it("fails for a device that sends the inviter's own proof back as its own", async () => {
    // The attacker knows everything in the transcript but the secret; it signs with its own
    // key and reflects the inviter's MAC, which only the role in the MAC input tells apart.
    const s = await session();
    const attacker = await makeDevice('Attacker');
    const { a, b } = connect();
    const got = tap(b);
    const inviter = inviterOnly({ ...s, joiner: attacker }, a);
    const view = directViews(s.inviter, attacker).b;
    const nonce = new Uint8Array(32).fill(9);
    await send(b, {
      kind: 'pair-hello',
      role: 'joiner',
      room: s.invite.room,
      device: attacker.identity.id,
      name: attacker.name,
      key: attacker.identity.publicKeySpki,
      nonce,
      fingerprints: view,
    });
    await expect.poll(() => got.length, { timeout: 2000 }).toBe(2);
    const [hello, proof] = got as [PairHello, PairProof];
    const transcript = await pairTranscript(
      s.invite.room,
      { ...hello, fingerprint: view.remote },
      {
        device: attacker.identity.id,
        name: attacker.name,
        key: attacker.identity.publicKeySpki,
        nonce,
        fingerprint: view.local,
      },
    );
    const signature = await sign(
      attacker.identity.keys.privateKey,
      encodeFields(['signature', 'joiner', transcript]),
    );
    await send(b, { kind: 'pair-proof', mac: proof.mac, signature });
    expect((await failures(PairingError, inviter))[0].code).toBe('proof-failed');
    expect(await s.inviter.remembered.list()).toEqual([]);
  });
});

describe('pairing refuses bad messages', () => {
  async function inviterFacing(): Promise<{
    result: Promise<PairResult>;
    peer: Transport;
    got: HandshakeMessage[];
    a: Transport;
  }> {
    const s = await session();
    const { a, b } = connect();
    const got = tap(b);
    const result = inviterOnly(s, a);
    return { result, peer: b, got, a };
  }

  const cases: [string, () => Uint8Array, string][] = [
    ['bytes that are not UTF-8', () => new Uint8Array([0xff, 0xfe, 0x00]), 'malformed'],
    ['text that is not JSON', () => new TextEncoder().encode('hello?'), 'malformed'],
    ['a JSON array', () => new TextEncoder().encode('[1,2]'), 'malformed'],
    ['another protocol version', () => new TextEncoder().encode('{"v":2,"kind":"pair-hello"}'), 'version'],
    ['an unknown kind', () => new TextEncoder().encode('{"v":1,"kind":"hug"}'), 'malformed'],
    ['the wrong kind at this step', () => encodeMessage({ kind: 'accept' }), 'malformed'],
    [
      'a hello with a field missing',
      () => new TextEncoder().encode('{"v":1,"kind":"pair-hello","role":"joiner"}'),
      'malformed',
    ],
    [
      'a message over the size limit',
      () => new TextEncoder().encode(`{"v":1,"pad":"${'x'.repeat(5000)}"}`),
      'too-large',
    ],
  ];
  for (const [what, bytes, code] of cases) {
    it(`refuses ${what} with ${code}, tells the peer and closes`, async () => {
      const { result, peer, got, a } = await inviterFacing();
      await peer.send(bytes());
      const [error] = await failures(PairingError, result);
      expect(error).toMatchObject({ code, by: 'local' });
      expect(a.closed).toMatchObject({ by: 'local', message: error.message });
      await expect.poll(() => peer.closed?.by, { timeout: 2000 }).toBe('remote');
      expect(got.at(-1)).toEqual({ kind: 'refuse', code });
    });
  }

  it('turns a refusal code it does not know into a generic refusal', async () => {
    const { result, peer } = await inviterFacing();
    await peer.send(new TextEncoder().encode('{"v":1,"kind":"refuse","code":"from-the-future"}'));
    const [error] = await failures(PairingError, result);
    expect(error).toMatchObject({ code: 'refused', by: 'peer' });
  });

  it('reports a closed connection as such', async () => {
    const { result, peer } = await inviterFacing();
    peer.close('bye');
    const [error] = await failures(PairingError, result);
    expect(error).toMatchObject({ code: 'closed', by: 'peer' });
  });
});

describe('pairing time limit', () => {
  it('fails with timeout once the limit passes without an answer, not before, and tells the peer', async () => {
    const s = await session();
    const manual = new ManualClock();
    const { a, b } = connect();
    const got = tap(b);
    const result = inviterOnly(s, a, { clock: manual, timeoutMs: 5_000 });
    await expect.poll(() => got.length, { timeout: 2000 }).toBe(1); // its hello
    manual.advance(4_999);
    expect(await settledState(result)).toBe('pending');
    manual.advance(1);
    const [error] = await failures(PairingError, result);
    expect(error).toMatchObject({ code: 'timeout', by: 'local' });
    expect(a.closed?.by).toBe('local');
    await expect.poll(() => got.at(-1), { timeout: 2000 }).toEqual({ kind: 'refuse', code: 'timeout' });
    expect(manual.pendingTimers).toBe(0);
  });
});
