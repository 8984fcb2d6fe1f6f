/**
 * Which way a WebRTC connection runs, from the candidate pair ICE selected
 * (`RTCPeerConnection.getStats()`): both ends on the local network → straight across it; a
 * server-reflexive end, or a reflexive one at a public address → direct, through a NAT; a
 * relay end → through a TURN server. Shown beside a connected device.
 *
 * A peer-reflexive (`prflx`) candidate is only one ICE learnt from a check before the
 * other side's candidate was signalled, which on a LAN happens all the time: its address,
 * not its type, says where it is. Chromium hides a remote one's address (seen in about one
 * connection in three between two pages on one machine), and then the path is only known
 * to be `direct`.
 */

/** `direct`: not relayed, but where the other end is cannot be told (see below). */
export type ConnectionPath = 'local-network' | 'through-nat' | 'direct' | 'relay';

/** One end of the selected pair: its candidate type and address, as the stats give them. */
export interface CandidateEnd {
  readonly type: string | undefined;
  readonly address?: string;
}

const KNOWN = new Set(['host', 'srflx', 'prflx', 'relay']);

/** Loopback, private, link-local and unique-local addresses, and mDNS names. */
export function isLocalAddress(address: string): boolean {
  const a = address.toLowerCase();
  if (a.endsWith('.local')) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(a);
  if (v4) {
    const [x, y] = [Number(v4[1]), Number(v4[2])];
    return (
      x === 10 ||
      x === 127 ||
      (x === 172 && y >= 16 && y <= 31) ||
      (x === 192 && y === 168) ||
      (x === 169 && y === 254)
    );
  }
  return a === '::1' || /^fe[89ab]/.test(a) || /^f[cd]/.test(a);
}

function onLocalNetwork(end: CandidateEnd): boolean {
  return (
    end.type === 'host' || (end.type === 'prflx' && end.address !== undefined && isLocalAddress(end.address))
  );
}

/** The path for a selected pair's two ends; undefined when a type is unknown. */
export function classifyConnectionPath(
  local: CandidateEnd,
  remote: CandidateEnd,
): ConnectionPath | undefined {
  if (!KNOWN.has(local.type ?? '') || !KNOWN.has(remote.type ?? '')) return undefined;
  if (local.type === 'relay' || remote.type === 'relay') return 'relay';
  if (onLocalNetwork(local) && onLocalNetwork(remote)) return 'local-network';
  const hidden = (end: CandidateEnd) => end.type === 'prflx' && !end.address;
  if (hidden(local) || hidden(remote)) return 'direct';
  return 'through-nat';
}

/** One entry of an `RTCStatsReport`, with the fields read here. */
interface StatsEntry {
  readonly id: string;
  readonly type: string;
  readonly selectedCandidatePairId?: string;
  readonly selected?: boolean;
  readonly nominated?: boolean;
  readonly state?: string;
  readonly localCandidateId?: string;
  readonly remoteCandidateId?: string;
  readonly candidateType?: string;
  readonly address?: string;
}

/**
 * The two ends of the selected pair in a stats report: the transport's
 * `selectedCandidatePairId` (Chromium, Safari), else the pair marked `selected` (Firefox),
 * else a nominated pair that succeeded.
 */
export function selectedCandidates(
  report: Iterable<StatsEntry>,
): { readonly local: CandidateEnd; readonly remote: CandidateEnd } | undefined {
  const byId = new Map<string, StatsEntry>();
  for (const entry of report) byId.set(entry.id, entry);
  const pairs = [...byId.values()].filter((e) => e.type === 'candidate-pair');
  const viaTransport = [...byId.values()]
    .filter((e) => e.type === 'transport' && e.selectedCandidatePairId)
    .map((e) => byId.get(e.selectedCandidatePairId!))
    .find((e) => e?.type === 'candidate-pair');
  const pair =
    viaTransport ??
    pairs.find((p) => p.selected === true) ??
    pairs.find((p) => p.nominated === true && p.state === 'succeeded');
  if (!pair) return undefined;
  const end = (id: string | undefined): CandidateEnd => {
    const candidate = id === undefined ? undefined : byId.get(id);
    return {
      type: candidate?.candidateType,
      address: candidate?.address,
    };
  };
  return { local: end(pair.localCandidateId), remote: end(pair.remoteCandidateId) };
}

/** The path `pc` runs over now, or undefined when it is closed or has no selected pair. */
export async function readConnectionPath(pc: RTCPeerConnection | null): Promise<ConnectionPath | undefined> {
  if (!pc || pc.connectionState === 'closed') return undefined;
  try {
    const report = await pc.getStats();
    const entries: StatsEntry[] = [];
    report.forEach((value: StatsEntry) => entries.push(value));
    const ends = selectedCandidates(entries);
    return ends && classifyConnectionPath(ends.local, ends.remote);
  } catch {
    return undefined; // closed meanwhile
  }
}
