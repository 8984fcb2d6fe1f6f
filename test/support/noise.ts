/** `size` deterministic, incompressible bytes (xorshift32), different for each seed. */
export function noise(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = Math.imul(seed, 2654435761) || 1; // spreads small seeds apart
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
