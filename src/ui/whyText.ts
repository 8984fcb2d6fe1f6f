/**
 * "Why isn't this in sync?" in plain sentences: the engine's facts (core/engine/explain.ts)
 * worded for a person, with device names, times and sizes. Pure, so every case is tested.
 */
import type { Explanation, PeerFacts, RecordFacts } from '../core/engine/explain.ts';
import type { DeviceId } from '../ports/Store.ts';
import { formatBytes } from './format.ts';

export interface WhyContext {
  /** Paired devices' names by full device ID. */
  readonly names: ReadonlyMap<DeviceId, string>;
  /** Names by short device ID (a record's `modifiedBy`), this device's as "this device". */
  readonly authors: ReadonlyMap<string, string>;
  /** When each device was last connected (ms since the epoch). */
  readonly lastSeen: ReadonlyMap<DeviceId, number>;
  /** A time of day (or date and time) for people. */
  readonly time: (ms: number) => string;
}

export interface WhyAnswer {
  /** The one sentence that answers the question. */
  readonly headline: string;
  /** What else is known, one sentence each. */
  readonly details: readonly string[];
  readonly tone: 'ok' | 'waiting' | 'problem';
}

const BLOCKED = new Set(['case-collision', 'file-directory-clash', 'conflict-copy-exists']);

/** The answer for one explanation. */
export function whyText(e: Explanation, ctx: WhyContext): WhyAnswer {
  switch (e.kind) {
    case 'invalid':
      return { headline: `Tandem cannot sync this path: ${e.message}`, details: [], tone: 'problem' };
    case 'directory':
      return { headline: 'This is a folder: ask about a file inside it.', details: [], tone: 'ok' };
    case 'ignored':
      return {
        headline: `Ignored by .tandemignore rule \`${e.rule.pattern}\` (line ${e.rule.line}).`,
        details: [
          'Changes to it on this device are not sent to other devices.',
          ...(e.recorded ? ['The version synced before the rule applied stays as it was.'] : []),
        ],
        tone: 'ok',
      };
    case 'not-indexed':
      return e.issue
        ? { headline: `Not synced: ${e.issue.message}`, details: [], tone: 'problem' }
        : {
            headline: 'Not recorded yet: the next scan of this folder picks it up.',
            details: [],
            tone: 'waiting',
          };
    case 'unknown':
      return {
        headline: 'Unknown path: neither this device nor any other has told it about such a file.',
        details: e.similar.map((p) => `Did you mean ${p}? It differs only by case.`),
        tone: 'problem',
      };
    case 'tracked':
      return tracked(e, ctx);
  }
}

type Tracked = Extract<Explanation, { kind: 'tracked' }>;

function tracked(e: Tracked, ctx: WhyContext): WhyAnswer {
  const name = (p: PeerFacts) => ctx.names.get(p.device) ?? `device ${p.device.slice(0, 7)}…`;
  const offline = (p: PeerFacts) => {
    const seen = ctx.lastSeen.get(p.device);
    return seen === undefined
      ? `${name(p)} is offline`
      : `${name(p)} is offline (last seen ${ctx.time(seen)})`;
  };
  const edited = (r: RecordFacts) => {
    const by = ctx.authors.get(r.modifiedBy);
    return `${r.deleted ? 'deleted' : 'edited'} ${ctx.time(r.mtime)}${by ? ` on ${by}` : ''}`;
  };
  const details: string[] = [];
  let headline: string | undefined;
  let tone: WhyAnswer['tone'] = 'ok';
  const take = (sentence: string, level: WhyAnswer['tone']) => {
    if (headline === undefined) {
      headline = sentence;
      tone = level;
    } else details.push(sentence);
  };

  if (e.paused !== undefined) take(`The folder is paused: ${e.paused}`, 'problem');
  if (e.issue) {
    const { code, message } = e.issue;
    if (BLOCKED.has(code)) take(`Blocked: ${message}`, 'problem');
    else if (code === 'failed') take(`Failed, will retry: ${message}`, 'problem');
    else if (code === 'waiting-for-peer') take(`Waiting for a device that has it: ${message}`, 'waiting');
    else take(`Not synced: ${message}`, 'problem');
  }

  const same: string[] = [];
  for (const p of e.peers) {
    const s = p.standing;
    switch (s.kind) {
      case 'same':
        same.push(name(p));
        break;
      case 'peer-newer': {
        if (s.record.deleted) {
          take(
            `${name(p)} has deleted it (${edited(s.record)}); it is deleted here at the next sync.`,
            'waiting',
          );
          break;
        }
        const progress = e.download
          ? ` — ${formatBytes(e.download.bytesDone)} of ${formatBytes(e.download.bytesTotal)}`
          : '';
        const waiting = p.connected || e.download ? 'waiting to fetch it' : `waiting: ${offline(p)}`;
        take(`${name(p)} has a newer version (${edited(s.record)}); ${waiting}${progress}.`, 'waiting');
        break;
      }
      case 'conflict':
        take(
          `Conflict: this device and ${name(p)} both changed it (theirs ${edited(s.record)}); both versions will be kept, the older under a .sync-conflict name.`,
          'waiting',
        );
        break;
      case 'peer-behind':
        take(behind(e, p, name(p), offline, ctx.time), 'waiting');
        break;
      case 'not-reported':
        details.push(
          `${name(p)} sent no record of it: it had this same version when the two last compared, or it has not taken it yet.`,
        );
        break;
      case 'no-index':
        details.push(
          `${name(p)} has not sent its list of this folder's files yet (it has not accepted the folder${p.connected ? '' : `, or ${offline(p)}`}).`,
        );
        break;
    }
  }

  if (e.conflictCopies.length > 0) {
    const copies = e.conflictCopies.join(', ');
    take(`Conflict: both versions kept, the other is ${copies}.`, 'ok');
  }
  if (e.copyOf !== undefined)
    take(`This is a conflict copy of ${e.copyOf}: the other version, kept when both were changed.`, 'ok');
  if (e.ignoreUnreadable !== undefined) details.push(`Local changes wait: ${e.ignoreUnreadable}.`);

  const where = e.local?.deleted ? 'Deleted' : 'Up to date';
  if (same.length > 0) take(`${where} on ${list(['this device', ...same])}.`, 'ok');
  if (e.peers.length === 0) take('Not shared with any device yet: it is recorded on this device only.', 'ok');
  if (headline === undefined) {
    headline = e.local
      ? `Recorded on this device (${edited(e.local)}); no other device has confirmed it yet.`
      : 'Known only from other devices.';
  }
  return { headline, details, tone };
}

function behind(
  e: Tracked,
  p: PeerFacts,
  name: string,
  offline: (p: PeerFacts) => string,
  time: (ms: number) => string,
): string {
  if (e.local?.deleted) {
    const when = `Deleted here at ${time(e.local.mtime)}`;
    return p.connected
      ? `${when}; ${name} is taking the delete now.`
      : `${when}; the delete reaches ${name} when it connects (${offline(p)}).`;
  }
  return p.connected
    ? `${name} has an older version; it is fetching this one.`
    : `Not on ${name} yet: ${offline(p)}.`;
}

function list(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** A time for people: the time of day when it is today, else the date and time. */
export function formatWhen(ms: number, now: number, locale?: string): string {
  const when = new Date(ms);
  const today = new Date(now).toDateString() === when.toDateString();
  return today
    ? when.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
    : when.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}
