/** The sync engine: scan → exchange → plan → transfer → commit (DESIGN.md, "Sync"); so far the scan. */
export * from './scan.ts';
export * from './ignore.ts';
