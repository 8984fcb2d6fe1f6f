import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../../src/core/content/byteSource.ts';
import { ChunkIndex } from '../../../src/core/engine/chunkIndex.ts';
import { encodeMessage } from '../../../src/core/protocol/codec.ts';
import {
  chooseTransfer,
  deltaOverhead,
  DELTA_MAX_FILE_BYTES,
} from '../../../src/core/transfer/chooseTransfer.ts';
import { noise, recordOf } from '../engine/commitFixture.ts';
import { applyEdits } from '../rsync/helpers.ts';
import { deltaWorld } from './deltaFixture.ts';
import { FOLDER } from './transferFixture.ts';

const wishlist = (fetchBytes: number, fetchChunks = 1) => ({ fetchBytes, fetchChunks });

/** A record of `size` bytes (its chunks are not looked at by the rule). */
const recordSized = async (size: number) => ({
  ...(await recordOf('docs/a.bin', new Uint8Array(0))).record,
  size,
});

describe('chooseTransfer', () => {
  it('fetches chunks when there is no old version, nothing to fetch, or the record is a tombstone', async () => {
    const record = await recordSized(100_000);
    expect(chooseTransfer(record, wishlist(65_536), undefined)).toBe('chunks');
    expect(chooseTransfer(record, wishlist(0, 0), 100_000)).toBe('chunks');
    expect(chooseTransfer({ ...record, deleted: true }, wishlist(65_536), 100_000)).toBe('chunks');
    expect(chooseTransfer(record, wishlist(65_536), 100_000)).toBe('delta');
  });

  it('fetches chunks when the file or its old version is over the size limit', async () => {
    const big = await recordSized(DELTA_MAX_FILE_BYTES + 1);
    expect(chooseTransfer(big, wishlist(65_536), 1_000_000)).toBe('chunks');
    const small = await recordSized(1_000_000);
    expect(chooseTransfer(small, wishlist(65_536), DELTA_MAX_FILE_BYTES + 1)).toBe('chunks');
    expect(chooseTransfer(small, wishlist(65_536), DELTA_MAX_FILE_BYTES)).toBe('delta');
  });

  it('leaves tiny fetches to chunks: the delta could not be much smaller', async () => {
    const tiny = await recordSized(1_100);
    expect(chooseTransfer(tiny, wishlist(1_100), 1_000)).toBe('chunks');
    const small = await recordSized(8_000);
    expect(chooseTransfer(small, wishlist(8_000), 8_000)).toBe('delta');
  });

  it('a real edit: 100 bytes inserted into 1 MiB leaves one chunk to fetch, and the delta is chosen', async () => {
    const old = noise(1 << 20, 5);
    const next = applyEdits(old, [{ kind: 'insert', at: 0.37, bytes: noise(100, 6) }]);
    const { record: oldRecord } = await recordOf('a.bin', old);
    const { record } = await recordOf('a.bin', next);
    const list = ChunkIndex.fromRecords([oldRecord]).wishlist(record);
    expect(list.fetchChunks).toBeGreaterThanOrEqual(1);
    expect(list.fetchChunks).toBeLessThanOrEqual(2);
    expect(chooseTransfer(record, list, old.length)).toBe('delta');
  });

  it('estimates the fixed cost of a delta session within a factor of 1.5 of what it sends', async () => {
    for (const size of [16 * 1024, 256 * 1024, 2 << 20]) {
      const w = deltaWorld();
      const old = noise(size, size);
      const next = applyEdits(old, [{ kind: 'insert', at: 0.37, bytes: noise(100, 1) }]);
      const record = await w.put('docs/a.bin', next);
      await w.fetcher.fetch({ folder: FOLDER, record, base: bytesSource(old) });
      const wire = [...w.fromFetcher, ...w.fromServer].reduce((n, m) => n + encodeMessage(m).length, 0);
      const estimate = deltaOverhead(old.length, 'docs/a.bin'.length);
      expect(wire - 100, `${size} bytes`).toBeGreaterThan(estimate / 1.5);
      expect(wire - 100, `${size} bytes`).toBeLessThan(estimate * 1.5);
    }
  });
});
