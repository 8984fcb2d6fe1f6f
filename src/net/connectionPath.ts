/**
 * Which way a WebRTC connection runs, from the candidate pair ICE selected
 * (`RTCPeerConnection.getStats()`): both ends host candidates → straight across the local
 * network; a server- or peer-reflexive end → direct, through a NAT; a relay end → through a
 * TURN server. Shown beside a connected device.
 */

export type ConnectionPath = 'local-network' | 'through-nat' | 'relay';

/** The path for a selected pair's candidate types; undefined when a type is unknown. */
export function classifyConnectionPath(
  local: string | undefined,
  remote: string | undefined,
): ConnectionPath | undefined {
  const known = ['host', 'srflx', 'prflx', 'relay'];
  if (!local || !remote || !known.includes(local) || !known.includes(remote)) return undefined;
  if (local === 'relay' || remote === 'relay') return 'relay';
  if (local === 'host' && remote === 'host') return 'local-network';
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
}

/**
 * The candidate types of the selected pair in a stats report: the transport's
 * `selectedCandidatePairId` (Chromium, Safari), else the pair marked `selected` (Firefox),
 * else a nominated pair that succeeded.
 */
export function selectedCandidateTypes(
  report: Iterable<StatsEntry>,
): { readonly local: string | undefined; readonly remote: string | undefined } | undefined {
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
  const type = (id: string | undefined) => (id === undefined ? undefined : byId.get(id)?.candidateType);
  return { local: type(pair.localCandidateId), remote: type(pair.remoteCandidateId) };
}

/** The path `pc` runs over now, or undefined when it is closed or has no selected pair. */
export async function readConnectionPath(pc: RTCPeerConnection | null): Promise<ConnectionPath | undefined> {
  if (!pc || pc.connectionState === 'closed') return undefined;
  try {
    const report = await pc.getStats();
    const entries: StatsEntry[] = [];
    report.forEach((value: StatsEntry) => entries.push(value));
    const types = selectedCandidateTypes(entries);
    return types && classifyConnectionPath(types.local, types.remote);
  } catch {
    return undefined; // closed meanwhile
  }
}
