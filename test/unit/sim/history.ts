/**
 * What the people using a simulated cluster did, and what sync therefore owes them: every
 * version written must survive (at its path or as a conflict copy of it) unless someone
 * replaced or deleted it knowingly, and nothing deleted may come back.
 *
 * "Knowingly" is causal, not temporal: a device's user replaces a version only if that
 * version was on their disk at that moment. Every write carries unique bytes, so a version
 * is named by its path and content hash.
 */
import { isConflictCopy } from '../../../src/core/model/conflictName.ts';
import type { Cluster } from '../../../src/sim/index.ts';

interface Placement {
  readonly path: string;
  readonly hash: string;
  readonly op: number;
  readonly by: string;
}

export class History {
  readonly #written: Placement[] = [];
  readonly #deleted: Placement[] = [];
  readonly #superseded = new Set<string>();
  #op = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly folder: string,
  ) {}

  /** Writes `bytes` at `path` on `device`, as its user. */
  async write(device: string, path: string, bytes: Uint8Array): Promise<void> {
    const before = this.#seen(device, path);
    try {
      await this.cluster.write(device, this.folder, path, bytes);
    } catch {
      return; // e.g. a parent path is a file there: the person sees an error, nothing changed
    }
    this.#supersede(path, before);
    this.#written.push({ path, hash: this.#seen(device, path)!, op: this.#op++, by: device });
  }

  /** Deletes `path` on `device` if it is there. */
  async remove(device: string, path: string): Promise<void> {
    const before = this.#seen(device, path);
    if (before === undefined) return;
    await this.cluster.remove(device, this.folder, path);
    this.#supersede(path, before);
    this.#deleted.push({ path, hash: before, op: this.#op++, by: device });
  }

  /** Moves `from` to `to` on `device` if `from` is there and `to` is free. */
  async rename(device: string, from: string, to: string): Promise<void> {
    const before = this.#seen(device, from);
    if (before === undefined || from === to || this.#seen(device, to) !== undefined) return;
    try {
      await this.cluster.rename(device, this.folder, from, to);
    } catch {
      return; // `to` under a file, say
    }
    this.#supersede(from, before);
    this.#deleted.push({ path: from, hash: before, op: this.#op++, by: device });
    this.#written.push({ path: to, hash: before, op: this.#op++, by: device });
  }

  /** Problems with the settled cluster, as sentences; empty when sync kept its promises. */
  check(devices: readonly string[]): string[] {
    const problems: string[] = [];
    const [first, ...rest] = devices;
    const reference = this.cluster.snapshot(first!, this.folder);
    for (const device of rest) {
      const snapshot = this.cluster.snapshot(device, this.folder);
      if (!sameMap(snapshot, reference)) {
        problems.push(`${device} differs from ${first}: ${describe(snapshot)} vs ${describe(reference)}`);
      }
    }
    for (const w of this.#written) {
      if (this.#superseded.has(key(w.path, w.hash))) continue;
      const kept = [...reference].some(
        ([path, hash]) => hash === w.hash && (path === w.path || isCopyOf(path, w.path)),
      );
      if (!kept) problems.push(`the version of ${w.path} that ${w.by} wrote (op ${w.op}) was lost`);
    }
    for (const d of this.#deleted) {
      const rewritten = this.#written.some((w) => w.path === d.path && w.hash === d.hash && w.op > d.op);
      if (!rewritten && reference.get(d.path) === d.hash) {
        problems.push(`${d.path}, deleted by ${d.by} (op ${d.op}), came back`);
      }
    }
    return problems;
  }

  #seen(device: string, path: string): string | undefined {
    return this.cluster.snapshot(device, this.folder).get(path);
  }

  #supersede(path: string, hash: string | undefined): void {
    if (hash !== undefined) this.#superseded.add(key(path, hash));
  }
}

function key(path: string, hash: string): string {
  return `${path}\u0000${hash}`;
}

/** `copy` is a conflict copy of `path`: same directory, `stem.sync-conflict-…ext`. */
export function isCopyOf(copy: string, path: string): boolean {
  if (!isConflictCopy(copy)) return false;
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  return (
    copy.startsWith(`${dir}${stem}.sync-conflict-`) &&
    copy.endsWith(ext) &&
    !copy.slice(dir.length).includes('/')
  );
}

function sameMap(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

function describe(snapshot: ReadonlyMap<string, string>): string {
  return `{${[...snapshot].map(([p, h]) => `${p}:${h.slice(0, 6)}`).join(', ')}}`;
}
