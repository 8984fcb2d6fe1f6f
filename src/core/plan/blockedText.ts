/** Why a planned action is blocked, for people: what is wrong and what to do. */
import type { BlockedReason } from './actions.ts';

/** `other`: the path it collides with, when the planner named one. */
export function blockedText(reason: BlockedReason, other: string | undefined): string {
  const named = other === undefined ? 'another file here' : `"${other}"`;
  switch (reason) {
    case 'case-collision':
      return `It differs only by case from ${named}, and both cannot exist on Windows or macOS; rename one so both can sync.`;
    case 'file-directory-clash':
      return `It needs ${named} to be a directory where it is a file, or the reverse; rename one so both can sync.`;
    case 'conflict-copy-exists':
      return 'A conflict copy with this name already exists; it waits until that is resolved.';
  }
}
