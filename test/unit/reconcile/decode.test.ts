import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RatelessDecoder, RatelessEncoder, reconcile } from '../../../src/core/reconcile/index.ts';
import { hexSet, randomItems, setPair } from './helpers.ts';

describe('rateless reconciliation', () => {
  it('recovers exactly the symmetric difference of random sets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer(),
        (common, onlyLocal, onlyRemote, seed) => {
          const pair = setPair(common, onlyLocal, onlyRemote, seed);
          const result = reconcile(pair.local, pair.remote, 16);
          expect(hexSet(result.onlyLocal)).toEqual(hexSet(pair.onlyLocal));
          expect(hexSet(result.onlyRemote)).toEqual(hexSet(pair.onlyRemote));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('finishes equal sets after the first symbol', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer(), (n, seed) => {
        const items = randomItems(n, seed);
        const decoder = RatelessDecoder.fromItems(items);
        const remote = new RatelessEncoder([...items].reverse());
        expect(decoder.addRemoteSymbols(remote.nextSymbols(1))).toBe(true);
        expect(decoder.symbolsUsed).toBe(1);
        expect(decoder.result()).toEqual({ onlyLocal: [], onlyRemote: [] });
      }),
      { numRuns: 30 },
    );
  });

  it('decodes against an empty side: everything is on one side', () => {
    const items = randomItems(500, 7);
    expect(hexSet(reconcile([], items, 8).onlyRemote)).toEqual(hexSet(items));
    expect(hexSet(reconcile(items, [], 8).onlyLocal)).toEqual(hexSet(items));
    expect(reconcile([], [], 1)).toMatchObject({ onlyLocal: [], onlyRemote: [], symbolsUsed: 1 });
  });

  it('stays undone, and refuses the result, until enough symbols arrive', () => {
    const pair = setPair(1000, 50, 50, 3);
    const decoder = RatelessDecoder.fromItems(pair.local);
    const remote = new RatelessEncoder(pair.remote);
    expect(decoder.addRemoteSymbols(remote.nextSymbols(20))).toBe(false);
    expect(() => decoder.result()).toThrow(/not decoded yet/);
    while (!decoder.addRemoteSymbols(remote.nextSymbols(10)));
    expect(hexSet(decoder.result().onlyRemote)).toEqual(hexSet(pair.onlyRemote));
  });
});
