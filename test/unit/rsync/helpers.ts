/** Shared generators and helpers for the rsync tests. */
import { concatBytes } from '../../../src/core/content/bytes.ts';
import fc from 'fast-check';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import {
  applyPatch,
  computeDelta,
  computeSignature,
  type SignatureOptions,
} from '../../../src/core/content/rsync/index.ts';

export type Edit =
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array }
  | { kind: 'append'; bytes: Uint8Array };

const position = fc.double({ min: 0, max: 1, noNaN: true });
const smallBytes = fc.uint8Array({ minLength: 1, maxLength: 3000 });

export const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: smallBytes }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: position,
    length: fc.integer({ min: 1, max: 5000 }),
  }),
  fc.record({ kind: fc.constant('overwrite' as const), at: position, bytes: smallBytes }),
  fc.record({ kind: fc.constant('append' as const), bytes: smallBytes }),
);

/** Random bytes, or low-entropy bytes full of repeats (many identical blocks). */
export const fileArb = (maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.uint8Array({ maxLength }),
    fc
      .tuple(fc.integer({ min: 0, max: maxLength }), fc.integer({ min: 1, max: 1 << 30 }))
      .map(([length, seed]) => lowEntropy(length, seed)),
  );

export function lowEntropy(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    out[i] = (s >>> 28) & 1;
  }
  return out;
}

export function pseudoRandom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    out[i] = s >>> 24;
  }
  return out;
}

export function applyEdits(old: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let data = old;
  for (const edit of edits) {
    const at = edit.kind === 'append' ? data.length : Math.floor(edit.at * data.length);
    if (edit.kind === 'insert' || edit.kind === 'append') {
      data = concat(data.subarray(0, at), edit.bytes, data.subarray(at));
    } else if (edit.kind === 'delete') {
      data = concat(data.subarray(0, at), data.subarray(Math.min(data.length, at + edit.length)));
    } else {
      const copy = data.slice();
      copy.set(edit.bytes.subarray(0, Math.max(0, copy.length - at)), at);
      data = copy;
    }
  }
  return data;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

export async function singleRoundDelta(
  old: Uint8Array,
  next: Uint8Array,
  options?: SignatureOptions,
): Promise<Uint8Array> {
  const signature = await computeSignature(bytesSource(old), options);
  const parts: Uint8Array[] = [];
  await computeDelta(signature, bytesSource(next), async (bytes) => void parts.push(bytes));
  return concat(...parts);
}

export async function patch(old: Uint8Array, delta: Uint8Array): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await applyPatch(bytesSource(old), bytesSource(delta), async (bytes) => void parts.push(bytes));
  return concat(...parts);
}

/** A random corruption: flip bits of one byte, cut the tail off, or append junk. */
export const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

export type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

export function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'truncate') return bytes.slice(0, m.at % bytes.length);
  if (m.kind === 'append') return concat(bytes, m.bytes);
  const out = bytes.slice();
  const at = m.at % out.length;
  out[at] = (out[at] as number) ^ m.mask;
  return out;
}
