/**
 * The sync engine: scan → exchange → plan → transfer → commit (DESIGN.md, "Sync").
 * `SyncEngine` drives one device's folders and peer connections; each folder runs a
 * `FolderSync` loop over the scan, the planner (core/plan), `applyAction` and the
 * verified, resumable commit.
 */
export * from './engine.ts';
export * from './events.ts';
export * from './scan.ts';
export * from './ignore.ts';
export * from './chunkIndex.ts';
export * from './commit.ts';
export * from './conflictCopy.ts';
export { applyAction, type ApplyDeps, type ApplyOutcome } from './applyAction.ts';
