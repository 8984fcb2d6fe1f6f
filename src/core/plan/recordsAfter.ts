/**
 * The local index once a plan is carried out: what the commit step records, action by
 * action, and what tests compare across devices. Blocked actions change nothing.
 */
import type { FileRecord } from '../model/fileRecord.ts';
import type { PlannedAction } from './actions.ts';

/** The records each action leaves in the local index, path → record. */
export function recordsOf(action: PlannedAction): FileRecord[] {
  switch (action.kind) {
    case 'fetch':
    case 'copyLocal':
    case 'delete':
    case 'adopt':
      return [action.record];
    case 'conflict':
      return action.copy === null ? [action.record] : [action.record, action.copy];
    case 'blocked':
      return [];
  }
}

/** `local` with every action's records in place (a new map; `local` is not changed). */
export function recordsAfter(
  local: ReadonlyMap<string, FileRecord>,
  actions: readonly PlannedAction[],
): Map<string, FileRecord> {
  const after = new Map(local);
  for (const record of actions.flatMap(recordsOf)) after.set(record.path, record);
  return after;
}
