import type { FileRecord } from '../../../src/core/model/fileRecord.ts';
import { planFolder, type PlannedAction } from '../../../src/core/plan/index.ts';

/** A live record of `path` whose content is the byte `content` (hash = [content]). */
export function live(path: string, fields: Partial<FileRecord> & { content?: number } = {}): FileRecord {
  const { content = 1, ...rest } = fields;
  return {
    path,
    size: 1,
    mtime: 1_000,
    hash: new Uint8Array([content]),
    chunks: [],
    version: { A: 1 },
    deleted: false,
    sequence: 1,
    modifiedBy: 'A',
    ...rest,
  };
}

export function tombstone(path: string, fields: Partial<FileRecord> = {}): FileRecord {
  return live(path, { size: 0, hash: new Uint8Array(), deleted: true, ...fields });
}

export function byPath(records: readonly FileRecord[]): Map<string, FileRecord> {
  return new Map(records.map((r) => [r.path, r]));
}

export function announced(records: readonly FileRecord[]): Map<string, FileRecord[]> {
  const out = new Map<string, FileRecord[]>();
  for (const r of records) out.set(r.path, [...(out.get(r.path) ?? []), r]);
  return out;
}

/** A record as every device must agree on it: all fields but the local sequence. */
export function synced(r: FileRecord | undefined): unknown {
  if (r === undefined) return undefined;
  return { ...r, sequence: 0, hash: [...r.hash], version: { ...r.version } };
}

/** The plan for `local` records against `remote` ones (each peer's, any order). */
export function plan(local: readonly FileRecord[], remote: readonly FileRecord[]): PlannedAction[] {
  return planFolder({ local: byPath(local), remote: announced(remote) });
}

/** Each action as `[kind, path]`, plus what it collides with or frees, for short expectations. */
export function outline(actions: readonly PlannedAction[]): string[][] {
  return actions.map((a) => {
    if (a.kind === 'blocked') return [a.kind, a.path, a.reason, a.collidesWith ?? ''];
    if (a.kind === 'delete' && a.frees) return [a.kind, a.path, 'frees'];
    if (a.kind === 'copyLocal') return [a.kind, a.path, `from ${a.from}`];
    return [a.kind, a.path];
  });
}
