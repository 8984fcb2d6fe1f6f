import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RatelessDecoder,
  RatelessEncoder,
  ReconcileOrderError,
  encodeSymbols,
  reconcile,
} from '../../../src/core/reconcile/index.ts';
import { hexSet, randomItems, setPair, shuffled } from './helpers.ts';

const streamBytes = (encoder: RatelessEncoder, n: number) => encodeSymbols(encoder.nextSymbols(n), 0);

describe('the coded-symbol stream', () => {
  it('depends on the set only, not on insertion order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer(), (n, seed) => {
        const items = randomItems(n, seed);
        const a = new RatelessEncoder(items);
        const b = new RatelessEncoder(shuffled(items, seed ^ 0x55));
        expect(streamBytes(a, 64)).toEqual(streamBytes(b, 64));
      }),
      { numRuns: 30 },
    );
  });

  it('is the same after incremental adds and removes as when built from the final set', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer(), (n, seed) => {
        const items = randomItems(n, seed);
        const extra = randomItems(n, seed + 1);
        const built = new RatelessEncoder();
        for (const item of [...items, ...extra]) expect(built.add(item)).toBe(true);
        for (const item of shuffled(extra, seed)) expect(built.remove(item)).toBe(true);
        expect(built.add(items[0]!)).toBe(false);
        expect(built.remove(extra[0]!)).toBe(false);
        expect(built.size).toBe(n);
        expect(streamBytes(built, 48)).toEqual(streamBytes(new RatelessEncoder(items), 48));
      }),
      { numRuns: 30 },
    );
  });

  it('restarts identically after rewind, and refuses set changes mid-stream', () => {
    const encoder = new RatelessEncoder(randomItems(200, 1));
    const first = streamBytes(encoder, 40);
    expect(() => encoder.add(randomItems(1, 2)[0]!)).toThrow(/rewind/);
    encoder.rewind();
    expect(streamBytes(encoder, 40)).toEqual(first);
  });

  it('decodes the same difference however the stream is batched', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
        fc.integer(),
        (onlyLocal, onlyRemote, sizes, seed) => {
          const pair = setPair(800, onlyLocal, onlyRemote, seed);
          const reference = reconcile(pair.local, pair.remote, 1);
          const decoder = RatelessDecoder.fromItems(pair.local);
          const remote = new RatelessEncoder(pair.remote);
          for (let i = 0; !decoder.done; i++) {
            decoder.addRemoteSymbols(remote.nextSymbols(sizes[i % sizes.length]!));
          }
          expect(decoder.symbolsUsed).toBe(reference.symbolsUsed);
          expect(hexSet(decoder.result().onlyLocal)).toEqual(hexSet(reference.onlyLocal));
          expect(hexSet(decoder.result().onlyRemote)).toEqual(hexSet(reference.onlyRemote));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses a gap or a replay in the stream', () => {
    const pair = setPair(100, 30, 30, 9);
    const decoder = RatelessDecoder.fromItems(pair.local);
    const remote = new RatelessEncoder(pair.remote);
    decoder.addRemoteSymbols(remote.nextSymbols(5), 0);
    expect(() => decoder.addRemoteSymbols(remote.nextSymbols(5), 6)).toThrow(ReconcileOrderError);
    expect(() => decoder.addRemoteSymbols([], 0)).toThrow(ReconcileOrderError);
  });
});
