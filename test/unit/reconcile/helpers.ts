/** Seeded item sets for the reconciliation tests: random 16-byte keys, replayable from a seed. */

/** A seeded 32-bit generator (mulberry32). */
export function seededWords(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `n` distinct random 16-byte items from `seed` (distinct with overwhelming odds). */
export function randomItems(n: number, seed: number): Uint8Array[] {
  const next = seededWords(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const item = new Uint8Array(16);
    for (let k = 0; k < 16; k += 4) {
      const w = next();
      item[k] = w;
      item[k + 1] = w >>> 8;
      item[k + 2] = w >>> 16;
      item[k + 3] = w >>> 24;
    }
    out.push(item);
  }
  return out;
}

export interface SetPair {
  readonly local: Uint8Array[];
  readonly remote: Uint8Array[];
  readonly onlyLocal: Uint8Array[];
  readonly onlyRemote: Uint8Array[];
}

/** Two sets sharing `common` items, with `onlyLocal` and `onlyRemote` items of their own. */
export function setPair(common: number, onlyLocal: number, onlyRemote: number, seed: number): SetPair {
  const all = randomItems(common + onlyLocal + onlyRemote, seed);
  const shared = all.slice(0, common);
  const mine = all.slice(common, common + onlyLocal);
  const theirs = all.slice(common + onlyLocal);
  return { local: [...shared, ...mine], remote: [...shared, ...theirs], onlyLocal: mine, onlyRemote: theirs };
}

export const hex = (item: Uint8Array): string => Buffer.from(item).toString('hex');

/** The items as a sorted list of hex strings, for set comparison. */
export const hexSet = (items: readonly Uint8Array[]): string[] => items.map(hex).sort();

/** A seeded shuffle (Fisher–Yates), returning a new array. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const next = seededWords(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
