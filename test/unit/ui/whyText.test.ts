/** The sentences the "why isn't this in sync" form shows, for each kind of answer. */
import { describe, expect, it } from 'vitest';
import type { Explanation, PeerFacts, RecordFacts } from '../../../src/core/engine/explain.ts';
import { formatWhen, whyText, type WhyContext } from '../../../src/ui/whyText.ts';

const LAPTOP = 'L'.repeat(52);
const PHONE = 'P'.repeat(52);
const HOUR = 3600_000;

const ctx: WhyContext = {
  names: new Map([
    [LAPTOP, 'Laptop'],
    [PHONE, 'Phone'],
  ]),
  authors: new Map([
    ['LLLL', 'Laptop'],
    ['HERE', 'this device'],
  ]),
  lastSeen: new Map([[LAPTOP, 10 * HOUR + 41 * 60_000]]),
  time: (ms) => new Date(ms).toISOString().slice(11, 16),
};

const rec = (over: Partial<RecordFacts> = {}): RecordFacts => ({
  deleted: false,
  size: 10,
  mtime: 12 * HOUR + 3 * 60_000,
  modifiedBy: 'LLLL',
  ...over,
});

function tracked(
  peers: PeerFacts[],
  over: Partial<Extract<Explanation, { kind: 'tracked' }>> = {},
): Explanation {
  return {
    kind: 'tracked',
    path: 'a.txt',
    local: rec({ modifiedBy: 'HERE' }),
    peers,
    conflictCopies: [],
    ...over,
  };
}

const laptop = (standing: PeerFacts['standing'], connected = true): PeerFacts => ({
  device: LAPTOP,
  connected,
  standing,
});

describe('whyText', () => {
  it('says up to date with the devices that agree', () => {
    const out = whyText(
      tracked([laptop({ kind: 'same' }), { ...laptop({ kind: 'same' }), device: PHONE }]),
      ctx,
    );
    expect(out).toEqual({
      headline: 'Up to date on this device, Laptop and Phone.',
      details: [],
      tone: 'ok',
    });
  });

  it('says a peer has a newer version, when it was edited, and how far the download is', () => {
    const out = whyText(
      tracked([laptop({ kind: 'peer-newer', record: rec() })], {
        download: { bytesDone: 3 * 1024 * 1024, bytesTotal: 10 * 1024 * 1024 },
      }),
      ctx,
    );
    expect(out.headline).toBe(
      'Laptop has a newer version (edited 12:03 on Laptop); waiting to fetch it — 3.00 MiB of 10.0 MiB.',
    );
    expect(out.tone).toBe('waiting');
  });

  it('says a newer version waits for an offline peer, with when it was last seen', () => {
    const out = whyText(tracked([laptop({ kind: 'peer-newer', record: rec() }, false)]), ctx);
    expect(out.headline).toBe(
      'Laptop has a newer version (edited 12:03 on Laptop); waiting: Laptop is offline (last seen 10:41).',
    );
  });

  it('says a file is not on an offline peer yet', () => {
    const out = whyText(tracked([laptop({ kind: 'peer-behind', record: rec() }, false)]), ctx);
    expect(out.headline).toBe('Not on Laptop yet: Laptop is offline (last seen 10:41).');
  });

  it('says a delete made here reaches the peer when it connects', () => {
    const local = rec({ deleted: true, mtime: 10 * HOUR + 2 * 60_000, modifiedBy: 'HERE' });
    const out = whyText(tracked([laptop({ kind: 'peer-behind', record: rec() }, false)], { local }), ctx);
    expect(out.headline).toBe(
      'Deleted here at 10:02; the delete reaches Laptop when it connects (Laptop is offline (last seen 10:41)).',
    );
  });

  it('names the conflict copy kept, and a pending conflict', () => {
    const copy = 'a.sync-conflict-20240305-070809-LLLL.txt';
    expect(whyText(tracked([laptop({ kind: 'same' })], { conflictCopies: [copy] }), ctx)).toEqual({
      headline: `Conflict: both versions kept, the other is ${copy}.`,
      details: ['Up to date on this device and Laptop.'],
      tone: 'ok',
    });
    expect(whyText(tracked([laptop({ kind: 'conflict', record: rec() })]), ctx).headline).toMatch(
      /^Conflict: this device and Laptop both changed it \(theirs edited 12:03 on Laptop\); both versions will be kept/,
    );
  });

  it("leads with the engine's issue: blocked, failed, paused", () => {
    const issue = { code: 'case-collision' as const, message: 'It differs only by case from "A.txt".' };
    const out = whyText(tracked([laptop({ kind: 'peer-newer', record: rec() })], { issue }), ctx);
    expect(out.headline).toBe('Blocked: It differs only by case from "A.txt".');
    expect(out.tone).toBe('problem');
    expect(out.details[0]).toMatch(/^Laptop has a newer version/);
    expect(whyText(tracked([], { paused: 'the folder is gone' }), ctx).headline).toBe(
      'The folder is paused: the folder is gone',
    );
  });

  it('names the ignore rule and its line', () => {
    const out = whyText(
      { kind: 'ignored', path: 'x.tmp', rule: { pattern: '*.tmp', line: 2 }, recorded: false },
      ctx,
    );
    expect(out.headline).toBe('Ignored by .tandemignore rule `*.tmp` (line 2).');
  });

  it('says a path is unknown, suggesting one that differs by case', () => {
    const out = whyText({ kind: 'unknown', path: 'a.txt', similar: ['A.txt'] }, ctx);
    expect(out.headline).toMatch(/^Unknown path/);
    expect(out.details).toEqual(['Did you mean A.txt? It differs only by case.']);
  });

  it('is honest about a peer that sent no record or no index', () => {
    const out = whyText(
      tracked([
        laptop({ kind: 'not-reported' }),
        { device: PHONE, connected: false, standing: { kind: 'no-index' } },
      ]),
      ctx,
    );
    expect(out.headline).toMatch(/^Recorded on this device \(edited 12:03 on this device\)/);
    expect(out.details).toEqual([
      'Laptop sent no record of it: it had this same version when the two last compared, or it has not taken it yet.',
      "Phone has not sent its list of this folder's files yet (it has not accepted the folder, or Phone is offline).",
    ]);
  });
});

describe('formatWhen', () => {
  it('gives the time of day for today, and the date otherwise', () => {
    const now = Date.UTC(2024, 4, 10, 15);
    expect(formatWhen(now - HOUR, now, 'en-GB')).not.toMatch(/2024/);
    expect(formatWhen(now - 30 * 24 * HOUR, now, 'en-GB')).toMatch(/2024/);
  });
});
