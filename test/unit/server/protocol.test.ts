import { describe, expect, it } from 'vitest';
import { CloseCode, closeReason, describeClose } from '../../../src/server/closeCodes.ts';
import {
  decodeClientMessage,
  decodeServerMessage,
  MAX_SERVER_FRAME_CHARS,
} from '../../../src/server/protocol.ts';

const ID_A = 'AAAAAAAAAAAAAAAAAAAAAA';
const ID_B = 'BBBBBBBBBBBBBBBBBBBBBB';

describe('decodeClientMessage', () => {
  it('accepts a send with or without `to`', () => {
    expect(decodeClientMessage('{"type":"send","data":"x"}')).toEqual({
      ok: true,
      message: { type: 'send', data: 'x' },
    });
    expect(decodeClientMessage(`{"type":"send","to":"${ID_A}","data":""}`)).toEqual({
      ok: true,
      message: { type: 'send', to: ID_A, data: '' },
    });
  });

  it.each([
    ['not json', /malformed JSON/],
    ['null', /JSON object/],
    ['"send"', /JSON object/],
    ['{"type":"send"}', /only "to" and "data"|"data"/],
    ['{"type":"send","data":null}', /"data" must be a string/],
    ['{"type":"send","to":"","data":""}', /peer id/],
    ['{"type":"send","to":12,"data":""}', /peer id/],
    ['{"type":"join","data":""}', /unknown message type "join"/],
    ['{"data":""}', /unknown message type undefined/],
    ['{"type":"send","data":"","__proto__":{}}', /only "to" and "data"/],
  ])('refuses %s', (text, error) => {
    const decoded = decodeClientMessage(text);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error).toMatch(error);
  });
});

describe('decodeServerMessage', () => {
  it('accepts every message of the contract', () => {
    const messages = [
      { type: 'joined', you: ID_A, peers: [ID_B] },
      { type: 'peer-joined', id: ID_B },
      { type: 'peer-left', id: ID_B },
      { type: 'message', from: ID_B, data: '{"sdp":"…"}' },
      { type: 'error', message: 'no other member' },
    ];
    for (const message of messages)
      expect(decodeServerMessage(JSON.stringify(message))).toEqual({ ok: true, message });
  });

  it.each([
    ['a joined naming itself among the peers', { type: 'joined', you: ID_A, peers: [ID_A] }],
    [
      'a joined with 8 peers',
      { type: 'joined', you: ID_A, peers: Array.from({ length: 8 }, (_, i) => `${ID_B}${i}`) },
    ],
    ['a joined with a bad id', { type: 'joined', you: 'x', peers: [] }],
    ['a message without data', { type: 'message', from: ID_B }],
    ['a message with an extra field', { type: 'message', from: ID_B, data: '', to: ID_A }],
    ['a long error', { type: 'error', message: 'e'.repeat(2000) }],
    ['an unknown type', { type: 'welcome' }],
  ])('refuses %s', (_, message) => {
    expect(decodeServerMessage(JSON.stringify(message)).ok).toBe(false);
  });

  it('refuses a frame larger than the server ever sends, before parsing it', () => {
    const text = JSON.stringify({ type: 'message', from: ID_B, data: 'x'.repeat(MAX_SERVER_FRAME_CHARS) });
    const decoded = decodeServerMessage(text);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error).toMatch(/too large/);
  });
});

describe('close codes', () => {
  it('has a sentence for each named code and a fallback with the reason', () => {
    for (const code of Object.values(CloseCode)) expect(describeClose(code)).not.toMatch(/code \d+/);
    expect(describeClose(4999, 'odd')).toBe(
      'The connection to the signaling server closed (code 4999: odd).',
    );
  });

  it('cuts a close reason to 123 bytes on a character boundary', () => {
    expect(closeReason('short')).toBe('short');
    const cut = closeReason('é'.repeat(200));
    expect(new TextEncoder().encode(cut).length).toBeLessThanOrEqual(123);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).not.toContain('\uFFFD');
  });
});
