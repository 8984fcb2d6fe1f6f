/** What the HandleVolume browser tests share: fresh OPFS folders and a few byte helpers. */
export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const text = (s: string) => new TextEncoder().encode(s);
export const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
/** A partial's key: any valid file hash. */
export const KEY = 'c3'.repeat(32);

export const opfsRoot = navigator.storage.getDirectory();
let made = 0;

/** A fresh, empty OPFS directory of its own, named after `prefix`. */
export async function freshDirectory(prefix: string): Promise<FileSystemDirectoryHandle> {
  return (await opfsRoot).getDirectoryHandle(`${prefix}-${Date.now()}-${made++}`, { create: true });
}

/** Removes every directory the tests made. */
export async function clearOpfs(): Promise<void> {
  const root = await opfsRoot;
  for await (const name of root.keys()) await root.removeEntry(name, { recursive: true });
}
