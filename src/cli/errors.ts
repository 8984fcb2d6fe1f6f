/** How the CLI reports failure: one line on stderr, an exit code, nothing else. */

/** The command line was wrong: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One readable line for any error, including Node's file system errors. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const path = (error as NodeJS.ErrnoException).path;
  const known: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory',
    ENOTDIR: 'a parent is not a directory',
    ENOSPC: 'no space left on the device',
    EROFS: 'read-only file system',
  };
  const text =
    code !== undefined && known[code] !== undefined && path !== undefined
      ? `${path}: ${known[code]}`
      : error.message;
  return text.replace(/\s*\n\s*/g, ' ');
}
