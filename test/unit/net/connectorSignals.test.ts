import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSignal, encodeSignal, type RelayedSignal } from '../../../src/net/connectorSignals.ts';

const attempt = fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/);
const signal = fc.oneof(
  fc.record({
    type: fc.constantFrom('offer' as const, 'answer' as const),
    sdp: fc.string({ maxLength: 200 }),
  }),
  fc.record({
    type: fc.constant('candidate' as const),
    candidate: fc.record(
      {
        candidate: fc.string({ maxLength: 100 }),
        sdpMid: fc.string({ maxLength: 8 }),
        sdpMLineIndex: fc.nat(4),
        usernameFragment: fc.string({ maxLength: 16 }),
      },
      { requiredKeys: ['candidate'] },
    ),
  }),
);

describe('relayed signals', () => {
  it('decode to exactly what was encoded', () => {
    fc.assert(
      fc.property(attempt, signal, (a, s) => {
        const message = { attempt: a, signal: s } as RelayedSignal;
        expect(decodeSignal(encodeSignal(message))).toEqual(message);
      }),
    );
  });

  it('drop anything an honest page would not send, without throwing', () => {
    const good = { v: 1, attempt: 'A'.repeat(16), signal: { type: 'offer', sdp: 'v=0' } };
    const bad: unknown[] = [
      'not json',
      null,
      [],
      { ...good, v: 2 },
      { ...good, attempt: 'short' },
      { ...good, attempt: 'A'.repeat(15) + '!' },
      { ...good, signal: { type: 'offer' } },
      { ...good, signal: { type: 'offer', sdp: 'x'.repeat(32 * 1024 + 1) } },
      { ...good, signal: { type: 'renegotiate' } },
      { ...good, signal: { type: 'candidate', candidate: { candidate: 'x'.repeat(2049) } } },
      { ...good, signal: { type: 'candidate', candidate: 'a string' } },
    ];
    for (const value of bad) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      expect(decodeSignal(text), text.slice(0, 80)).toBeUndefined();
    }
    expect(decodeSignal(JSON.stringify(good))).toEqual({ attempt: good.attempt, signal: good.signal });
  });

  it('never throws on arbitrary text, and keeps only the fields a signal has', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const decoded = decodeSignal(text);
        if (decoded === undefined) return;
        expect(Object.keys(decoded).sort()).toEqual(['attempt', 'signal']);
      }),
    );
    const extra = { v: 1, attempt: 'B'.repeat(20), signal: { type: 'answer', sdp: 's', evil: 1 }, more: 2 };
    expect(decodeSignal(JSON.stringify(extra))).toEqual({
      attempt: 'B'.repeat(20),
      signal: { type: 'answer', sdp: 's' },
    });
  });
});
