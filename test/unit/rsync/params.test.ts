import { describe, expect, it } from 'vitest';
import {
  blockSizeFor,
  strongLengthFor,
  strongLengthForBlocks,
} from '../../../src/core/content/rsync/index.ts';

describe('block size rule', () => {
  it('never goes below 700 bytes', () => {
    expect(blockSizeFor(0)).toBe(700);
    expect(blockSizeFor(1000)).toBe(700);
    expect(blockSizeFor(480_000)).toBe(700);
  });

  it('is the square root of the size rounded to a multiple of 8 above that', () => {
    expect(blockSizeFor(1 << 20)).toBe(1024);
    expect(blockSizeFor(1_000_000)).toBe(1000);
    expect(blockSizeFor(2 ** 28)).toBe(16384);
    expect(blockSizeFor(100_000_000)).toBe(10000);
    expect(blockSizeFor(2_000_000) % 8).toBe(0);
  });
});

describe('strong length rule (librsync rs_sig_args)', () => {
  it('matches librsync at known sizes', () => {
    // 2 + trunc((2·ln2(size) − ln2(block) + 7) / 8)
    expect(strongLengthFor(2 ** 28, 16384)).toBe(8);
    expect(strongLengthFor(2 ** 20, 1024)).toBe(6);
    expect(strongLengthFor(64 * 2 ** 20, 8192)).toBe(7);
    expect(strongLengthFor(2 ** 40, 2 ** 20)).toBe(10);
  });

  it('stays at least 2 bytes for tiny and empty files', () => {
    expect(strongLengthFor(0, 700)).toBe(2);
    expect(strongLengthFor(1, 700)).toBe(2);
  });

  it('never exceeds the 16-byte digest', () => {
    expect(strongLengthForBlocks(2 ** 60, 2 ** 60)).toBe(16);
    expect(strongLengthFor(2 ** 50, 1)).toBeLessThanOrEqual(16);
  });
});
