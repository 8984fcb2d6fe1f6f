/**
 * The app benchmark's workloads, each through the full app between device A (the sharer)
 * and a freshly paired device B: first sync of a shared folder (timed from the click on
 * Accept on B to the last time B's folder card turned "Up to date" before B's folder was
 * seen complete: file count, then sizes; the content check is outside the window), and an
 * edit on A (timed from the end of A's write to B's file holding the edit). Alongside:
 * bytes through the data channels (getStats), and long tasks on both pages.
 */
import type { Page } from 'playwright-core';
import type { FileSpec, LongTask, StateChange, WireCount } from './probe.ts';
import { startProfile, type ProfileSummary } from './profile.ts';
import { accept, share, type Device } from './world.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Responsiveness {
  /** Long tasks (over 50 ms) on A's and B's pages in the workload's window. */
  readonly count: number;
  readonly over100ms: number;
  readonly longestMs: number;
}

export interface WireBytes {
  /** Data-channel payload bytes each side sent (getStats `data-channel` bytesSent). */
  readonly aSent: number;
  readonly bSent: number;
  /** The same through the transport (DTLS/SCTP/UDP payload, getStats `transport` bytesSent). */
  readonly aTransportSent: number;
  readonly bTransportSent: number;
  /** Peer connections that closed during the window (their last half-second may be missing). */
  readonly closedConnections: number;
}

export interface FirstSync {
  readonly seconds: number;
  readonly files: number;
  readonly bytes: number;
  readonly wire: WireBytes;
  readonly longTasks: Responsiveness;
  /** Content identical on both sides (SHA-256 of every file, compared after the window). */
  readonly identical: boolean;
  /** B's card over the window: each state and when it began, seconds after Accept. */
  readonly timeline: readonly { readonly state: string; readonly at: number }[];
  /** With `profile`: where A's and B's main threads spent the window. */
  readonly profile?: { readonly a: ProfileSummary; readonly b: ProfileSummary };
}

export interface EditFigures {
  /** From the end of A's write (its close resolved) to B's file holding the edit; null: it never did. */
  readonly seconds: number | null;
  /** Why it never did, as the folder cards on A and B told. */
  readonly failure?: string;
  /** How long A's in-place write itself took. */
  readonly writeSeconds: number;
  readonly wire: WireBytes;
  readonly longTasks: Responsiveness;
  /** What each page's folder card showed after the write, seconds after its end. */
  readonly timeline: { readonly device: 'A' | 'B'; readonly state: string; readonly at: number }[];
  readonly identical: boolean;
}

async function wire(page: Page): Promise<(WireCount | null)[]> {
  return page.evaluate(() => window.tandemAppBench.wire());
}

/** Bytes each connection of a page sent between two readings (connections new since count from 0). */
function sentBetween(before: (WireCount | null)[], after: (WireCount | null)[]) {
  let channel = 0;
  let transport = 0;
  let closed = 0;
  after.forEach((now, i) => {
    if (!now) return;
    const then = before[i] ?? { channelSent: 0, transportSent: 0, closed: false };
    channel += now.channelSent - then.channelSent;
    transport += now.transportSent - then.transportSent;
    if (now.closed && !then.closed) closed++;
  });
  return { channel, transport, closed };
}

async function wireBetween(a: Page, b: Page, run: () => Promise<void>): Promise<WireBytes> {
  const [a0, b0] = [await wire(a), await wire(b)];
  await run();
  const [a1, b1] = [await wire(a), await wire(b)];
  const [atA, atB] = [sentBetween(a0, a1), sentBetween(b0, b1)];
  return {
    aSent: atA.channel,
    bSent: atB.channel,
    aTransportSent: atA.transport,
    bTransportSent: atB.transport,
    closedConnections: atA.closed + atB.closed,
  };
}

async function responsiveness(pages: readonly Page[], from: number, to: number): Promise<Responsiveness> {
  const tasks: LongTask[] = [];
  for (const page of pages)
    tasks.push(
      ...(await page.evaluate(([f, t]) => window.tandemAppBench.longTasksBetween(f, t), [from, to] as const)),
    );
  return {
    count: tasks.length,
    over100ms: tasks.filter((t) => t.duration > 100).length,
    longestMs: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
  };
}

const statesSince = (page: Page, from: number): Promise<StateChange[]> =>
  page.evaluate((f) => window.tandemAppBench.statesSince(f), from);

/**
 * Waits until B's folder `label` (OPFS `dir`) holds `files` files of `bytes` in all, its
 * card "Up to date"; resolves with when the card last turned "Up to date". Looks once a
 * second (counting first, sizes only once the count is right), for at most `timeoutMs`.
 */
async function untilSynced(
  b: Page,
  label: string,
  dir: string,
  want: { files: number; bytes: number },
  from: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = { files: 0, bytes: 0 };
  for (let round = 0; round < timeoutMs / 1000 + 1 && Date.now() < deadline; round++) {
    await sleep(1000);
    const last = (await statesSince(b, from)).filter((s) => s.label === label).at(-1);
    if (last?.text !== 'Up to date') continue;
    seen = await b.evaluate((d) => window.tandemAppBench.list(d, false), dir);
    if (seen.files !== want.files) continue;
    seen = await b.evaluate((d) => window.tandemAppBench.list(d, true), dir);
    if (seen.bytes !== want.bytes) continue;
    const since = (await statesSince(b, last.at)).filter((s) => s.label === label);
    if (since.length === 1) return last.at;
  }
  throw new Error(
    `${label} did not reach ${want.files} files, ${want.bytes} bytes within ${timeoutMs / 1000} s (saw ${seen.files} files, ${seen.bytes} bytes)`,
  );
}

async function identical(a: Page, aDir: string, b: Page, bDir: string): Promise<boolean> {
  const [atA, atB] = [
    await a.evaluate((d) => window.tandemAppBench.digests(d), aDir),
    await b.evaluate((d) => window.tandemAppBench.digests(d), bDir),
  ];
  const keys = Object.keys(atA);
  return keys.length === Object.keys(atB).length && keys.every((k) => atA[k] === atB[k]);
}

/** A shares its folder `label` (OPFS `label`) with B, which accepts it into `bDir`; timed. */
export async function firstSync(
  a: Device,
  b: Device,
  label: string,
  bDir: string,
  want: { files: number; bytes: number },
  timeoutMs: number,
  profile = false,
): Promise<FirstSync> {
  let started = 0;
  let done = 0;
  let profiles: FirstSync['profile'];
  const wireBytes = await wireBetween(a.page, b.page, async () => {
    await share(a, label, b.name);
    const stops = profile ? [await startProfile(a.page), await startProfile(b.page)] : [];
    started = await accept(b, label, bDir);
    done = await untilSynced(b.page, label, bDir, want, started, timeoutMs);
    if (stops.length === 2) profiles = { a: await stops[0]!(), b: await stops[1]!() };
  });
  const timeline = (await statesSince(b.page, started))
    .filter((s) => s.label === label && s.at <= done)
    .map((s) => ({ state: s.text, at: Math.round(s.at - started) / 1000 }));
  return {
    seconds: (done - started) / 1000,
    ...want,
    wire: wireBytes,
    longTasks: await responsiveness([a.page, b.page], started, done),
    identical: await identical(a.page, label, b.page, bDir),
    timeline,
    ...(profiles ? { profile: profiles } : {}),
  };
}

/** What a device's folder cards say, in one line (for a failure's report). */
async function cardText(device: Device): Promise<string> {
  const text = await device.page.locator('[data-testid=folder]').allInnerTexts();
  return `${device.name}: ${text.join(' / ').replace(/\s+/g, ' ').slice(0, 600)}`;
}

/** Waits, at most `timeoutMs`, until both cards of `label` show "Up to date". */
async function bothUpToDate(pages: readonly Page[], label: string, timeoutMs: number): Promise<void> {
  for (const page of pages) {
    await page
      .locator(`[data-testid=folder][data-folder-label="${label}"] [data-testid=folder-state]`)
      .getByText('Up to date', { exact: true })
      .waitFor({ timeout: timeoutMs });
  }
}

/**
 * Saves `file` again in A's folder `label` (already in sync with B's `bDir`) with `length`
 * bytes in its middle changed, and times their arrival on B; the wire bytes run until both cards are
 * up to date again and a further `settleMs` passed (late acknowledgements count too).
 */
export async function edit(
  a: Device,
  b: Device,
  label: string,
  bDir: string,
  file: FileSpec,
  length: number,
  seed: number,
  timeoutMs: number,
  settleMs = 2000,
): Promise<EditFigures> {
  const offset = Math.floor(file.size / 2) - Math.floor(length / 2);
  let written = { startedAt: 0, writtenAt: 0 };
  let seenAt: number | undefined;
  const wireBytes = await wireBetween(a.page, b.page, async () => {
    const seeing = b.page.evaluate(
      ([d, p, o, l, s, t]) => window.tandemAppBench.waitForEdit(d, p, o, l, s, t),
      [bDir, file.path, offset, length, seed, timeoutMs] as const,
    );
    // Awaited below; should A's save fail first, the bench closes the browser, and this
    // one's "target closed" must not come out instead of A's error (it did, and read as a
    // browser crash).
    seeing.catch(() => undefined);
    try {
      written = await a.page.evaluate(([d, p, o, l, s]) => window.tandemAppBench.edit(d, p, o, l, s), [
        label,
        file,
        offset,
        length,
        seed,
      ] as const);
    } catch (error) {
      throw new Error(
        `A could not save the edit: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
    seenAt = await seeing;
    if (seenAt !== undefined) {
      await bothUpToDate([a.page, b.page], label, timeoutMs);
      await sleep(settleMs);
    }
  });
  const timeline = [
    ...(await statesSince(a.page, written.startedAt)).map((s) => ({ device: 'A' as const, s })),
    ...(await statesSince(b.page, written.startedAt)).map((s) => ({ device: 'B' as const, s })),
  ]
    .filter(({ s }) => s.label === label)
    .sort((x, y) => x.s.at - y.s.at)
    .map(({ device, s }) => ({ device, state: s.text, at: (s.at - written.writtenAt) / 1000 }));
  const end = seenAt ?? written.writtenAt + timeoutMs;
  return {
    seconds: seenAt === undefined ? null : (seenAt - written.writtenAt) / 1000,
    writeSeconds: (written.writtenAt - written.startedAt) / 1000,
    wire: wireBytes,
    longTasks: await responsiveness([a.page, b.page], written.startedAt, end),
    timeline,
    identical: seenAt !== undefined && (await identical(a.page, label, b.page, bDir)),
    ...(seenAt === undefined
      ? { failure: `not on B within ${timeoutMs / 1000} s; ${await cardText(a)} | ${await cardText(b)}` }
      : {}),
  };
}
