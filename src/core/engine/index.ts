/**
 * The sync engine: scan → exchange → plan → transfer → commit (DESIGN.md, "Sync"). So far
 * the scan, the chunk index with wishlists, the verified atomic commit and conflict copies;
 * the planner is in core/plan.
 */
export * from './scan.ts';
export * from './ignore.ts';
export * from './chunkIndex.ts';
export * from './commit.ts';
export * from './conflictCopy.ts';
