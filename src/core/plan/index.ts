/** The planner: given local and remote records of a folder, the fetches, local copies, deletes and conflicts that bring it up to date. */
export type * from './actions.ts';
export { pickRemote, planFolder, type PlanInput } from './planFolder.ts';
export { recordsAfter, recordsOf } from './recordsAfter.ts';
