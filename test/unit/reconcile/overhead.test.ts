import { describe, expect, it } from 'vitest';
import { RatelessEncoder, reconcile } from '../../../src/core/reconcile/index.ts';
import { nextIndex } from '../../../src/core/reconcile/mapping.ts';
import { seededWords, setPair } from './helpers.ts';

describe('rateless overhead', () => {
  it('decodes d = 100 within 3 × d symbols and 100 bytes per difference (fixed seed)', () => {
    const pair = setPair(20_000, 50, 50, 2024);
    const result = reconcile(pair.local, pair.remote, 1);
    expect(result.onlyLocal).toHaveLength(50);
    expect(result.onlyRemote).toHaveLength(50);
    expect(result.symbolsUsed).toBeLessThanOrEqual(300);
    expect(result.bytes).toBeLessThanOrEqual(100 * 100);
  });

  it('averages under 2 symbols per difference over several seeds (d = 400)', () => {
    let symbols = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const pair = setPair(2_000, 200, 200, seed);
      symbols += reconcile(pair.local, pair.remote, 1).symbolsUsed;
    }
    expect(symbols / 5 / 400).toBeLessThan(2);
  });

  it('maps every item to symbol 0 and to symbol i with probability about 1/(1 + i/2)', () => {
    const samples = 20_000;
    const hits = new Map<number, number>();
    const state = new Uint32Array(4);
    const next = seededWords(5);
    for (let s = 0; s < samples; s++) {
      for (let w = 0; w < 4; w++) state[w] = next() | (w === 3 ? 1 : 0);
      for (let index = 0; index <= 1000; index = nextIndex(state, 0, index)) {
        hits.set(index, (hits.get(index) ?? 0) + 1);
      }
    }
    expect(hits.get(0)).toBe(samples);
    for (const i of [1, 2, 10, 100, 1000]) {
      const expected = samples / (1 + i / 2);
      expect(Math.abs((hits.get(i) ?? 0) - expected)).toBeLessThan(5 * Math.sqrt(expected) + 1);
    }
  });

  it('produces symbol j from the items mapped to it, about n / (1 + j/2) of them', () => {
    const pair = setPair(10_000, 0, 0, 1);
    const counts = new RatelessEncoder(pair.local).nextSymbols(101).map((s) => s.count);
    expect(counts[0]).toBe(10_000);
    expect(Math.abs(counts[100]! - 10_000 / 51)).toBeLessThan(5 * Math.sqrt(10_000 / 51));
  });
});
