/**
 * How the volumes that keep partial downloads on disk name them, one directory for all
 * (NodeVolume, HandleVolume): `<id>.<key>.part` holds the bytes of version `<key>` of a
 * path, `<id>.path` the path itself, so `partials()` can name a partial after a restart.
 * `<id>` is the SHA-256 hex of the path, so any path fits in one file name.
 */
import { isPartialKey } from './volumePaths.ts';

export type PartName = { readonly kind: 'part'; readonly id: string; readonly key: string };
export type PathName = { readonly kind: 'path'; readonly id: string };

/** The file holding the bytes of version `key` of the path whose id is `id`. */
export function partFileName(id: string, key: string): string {
  return `${id}.${key}.part`;
}

/** The file holding the path whose id is `id`. */
export function pathFileName(id: string): string {
  return `${id}.path`;
}

/** What a file name in the partials directory is, or `undefined` for a stranger. */
export function parsePartialName(name: string): PartName | PathName | undefined {
  const parts = name.split('.');
  if (
    parts.length === 3 &&
    parts[2] === 'part' &&
    /^[0-9a-f]{64}$/.test(parts[0]!) &&
    isPartialKey(parts[1]!)
  ) {
    return { kind: 'part', id: parts[0]!, key: parts[1]! };
  }
  if (parts.length === 2 && parts[1] === 'path' && /^[0-9a-f]{64}$/.test(parts[0]!)) {
    return { kind: 'path', id: parts[0]! };
  }
  return undefined;
}
