import type { PlannedAction } from './actions.ts';

/**
 * The planner's runs (core/plan invariant 9): maximal stretches of the ordered actions of
 * one class — local copies, deletes that free a name, everything else.
 */
export function runsOf(actions: readonly PlannedAction[]): PlannedAction[][] {
  const classOf = (a: PlannedAction) =>
    a.kind === 'copyLocal' ? 'copy' : a.kind === 'delete' && a.frees ? 'frees' : 'other';
  const runs: PlannedAction[][] = [];
  let last: string | undefined;
  for (const action of actions) {
    const kind = classOf(action);
    if (kind !== last) runs.push([]);
    runs.at(-1)!.push(action);
    last = kind;
  }
  return runs;
}
