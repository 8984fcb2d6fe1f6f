/** The five edits the delta benchmark compares, applied to one base file. */

export interface Edit {
  readonly name: string;
  apply(old: Uint8Array): Uint8Array;
}

/** A fixed pseudo-random sequence, so every run edits the same places. */
function random(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function splice(old: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(old.length - remove + insert.length);
  out.set(old.subarray(0, at));
  out.set(insert, at);
  out.set(old.subarray(at + remove), at + insert.length);
  return out;
}

const bytesOf = (length: number, seed: number) => {
  const next = random(seed);
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
};

export const EDITS: readonly Edit[] = [
  {
    name: '100 bytes inserted',
    apply: (old) => splice(old, Math.floor(old.length * 0.37), 0, bytesOf(100, 1)),
  },
  {
    name: '4 KiB overwritten',
    apply: (old) => splice(old, Math.floor(old.length * 0.61), 4096, bytesOf(4096, 2)),
  },
  { name: '1 MiB appended', apply: (old) => splice(old, old.length, 0, bytesOf(1 << 20, 3)) },
  {
    name: '64 KiB deleted',
    apply: (old) => splice(old, Math.floor(old.length * 0.5) + 12_345, 65536, new Uint8Array(0)),
  },
  {
    name: '1,000 scattered 1-byte changes',
    apply: (old) => {
      const out = old.slice();
      const next = random(5);
      for (let i = 0; i < 1000; i++) {
        const at = Math.floor(next() * out.length);
        out[at] = out[at]! ^ 0x5a;
      }
      return out;
    },
  },
];
