import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exchangeMode, reconcileRole } from '../../../src/core/exchange/index.ts';
import type { FolderOffer } from '../../../src/core/protocol/messages.ts';

const FOLDER = '0123456789abcdef0123456789abcdef';
const A_INDEX = 'aaaaaaaaaaaaaaaa';
const B_INDEX = 'bbbbbbbbbbbbbbbb';

const offer = (
  indexId: string,
  maxSequence: number,
  receivedIndexId = '',
  receivedSequence = 0,
): FolderOffer => ({ id: FOLDER, label: 'x', indexId, maxSequence, receivedIndexId, receivedSequence });

const anyOffer = fc
  .record({
    indexId: fc.constantFrom(A_INDEX, B_INDEX, 'cccccccccccccccc'),
    maxSequence: fc.constantFrom(0, 1, 7),
    receivedIndexId: fc.constantFrom('', A_INDEX, B_INDEX, 'cccccccccccccccc'),
    receivedSequence: fc.constantFrom(0, 3),
  })
  .map((o) => offer(o.indexId, o.maxSequence, o.receivedIndexId, o.receivedSequence));

describe('choosing delta or reconciliation from the two hellos', () => {
  it('reconciles on first contact when both sides have records', () => {
    expect(exchangeMode(offer(A_INDEX, 5), offer(B_INDEX, 9))).toBe('reconcile');
  });

  it('sends a plain run when either side is empty', () => {
    expect(exchangeMode(offer(A_INDEX, 0), offer(B_INDEX, 9))).toBe('delta');
    expect(exchangeMode(offer(A_INDEX, 5), offer(B_INDEX, 0))).toBe('delta');
  });

  it('uses delta indexes when both claims hold for the current index IDs', () => {
    expect(exchangeMode(offer(A_INDEX, 5, B_INDEX, 9), offer(B_INDEX, 12, A_INDEX, 2))).toBe('delta');
  });

  it('reconciles after an index reset, and when a claim holds nothing yet', () => {
    const reset = offer('cccccccccccccccc', 4, '', 0);
    expect(exchangeMode(offer(A_INDEX, 5, B_INDEX, 9), reset)).toBe('reconcile');
    expect(exchangeMode(offer(A_INDEX, 5, B_INDEX, 9), offer(B_INDEX, 12, A_INDEX, 0))).toBe('reconcile');
  });

  it('is the same decision on both sides, whatever the offers', () => {
    fc.assert(
      fc.property(anyOffer, anyOffer, (x, y) => {
        expect(exchangeMode(x, y)).toBe(exchangeMode(y, x));
      }),
    );
  });

  it('gives the two sides opposite roles, by device ID and then index ID', () => {
    expect(reconcileRole('DEVA', offer(B_INDEX, 1), 'DEVB', offer(A_INDEX, 1))).toBe('decode');
    expect(reconcileRole('DEVB', offer(A_INDEX, 1), 'DEVA', offer(B_INDEX, 1))).toBe('stream');
    expect(reconcileRole('DEVA', offer(A_INDEX, 1), 'DEVA', offer(B_INDEX, 1))).toBe('decode');
    expect(reconcileRole('DEVA', offer(A_INDEX, 1), 'DEVA', offer(A_INDEX, 1))).toBeUndefined();
    fc.assert(
      fc.property(
        fc.constantFrom('DEVA', 'DEVB'),
        anyOffer,
        fc.constantFrom('DEVA', 'DEVB'),
        anyOffer,
        (d, x, e, y) => {
          const ours = reconcileRole(d, x, e, y);
          const theirs = reconcileRole(e, y, d, x);
          if (ours === undefined) expect(theirs).toBeUndefined();
          else expect(theirs).toBe(ours === 'decode' ? 'stream' : 'decode');
        },
      ),
    );
  });
});
