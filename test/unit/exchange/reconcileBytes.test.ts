import { describe, expect, it } from 'vitest';
import {
  RECONCILE_KINDS,
  FOLDER,
  change,
  connect,
  device,
  recordCount,
  remoteOf,
  sentOf,
  until,
} from './exchangeFixture.ts';

const shared = [{ id: FOLDER, label: 'Photos' }];

describe('IndexExchange reconciling, protocol overhead', () => {
  it('finds 100 differing files between two 10,000-file indexes in under 100 B per file + 4 KiB', async () => {
    const FILES = 10_000;
    const DIFFERING = 100;
    for (const prefix of ['docs/']) {
      const a = device('DEVA', 'a');
      const b = device('DEVB', 'b');
      const common = Array.from({ length: FILES - DIFFERING }, (_, i) => change(`${prefix}${i}`, 'DEVC'));
      await a.store.putLocal(FOLDER, common);
      await b.store.putLocal(FOLDER, common);
      // Each differing file is on both devices, in a version each made: two keys apiece.
      const edited = Array.from({ length: DIFFERING }, (_, i) => `${prefix}edited-${i}`);
      await a.store.putLocal(
        FOLDER,
        edited.map((path) => change(path, 'DEVA', 2)),
      );
      await b.store.putLocal(
        FOLDER,
        edited.map((path) => change(path, 'DEVB', 3)),
      );

      const c = await connect(a, b, shared);
      await until(() => c.a.upToDate.length > 0 && c.b.upToDate.length > 0, 2000);

      const bytes = sentOf(c.a, ...RECONCILE_KINDS).bytes + sentOf(c.b, ...RECONCILE_KINDS).bytes;
      expect(bytes, `${bytes} bytes for ${DIFFERING} differing files`).toBeLessThanOrEqual(
        100 * DIFFERING + 4096,
      );
      // Only the differing records travel; each side stores exactly those of the peer.
      expect(recordCount(c.a.batches)).toBe(DIFFERING);
      expect(recordCount(c.b.batches)).toBe(DIFFERING);
      expect((await remoteOf(a, FOLDER, b)).every((r) => r.version.DEVB === 3)).toBe(true);
      expect(await remoteOf(b, FOLDER, a)).toHaveLength(DIFFERING);
      c.pair.link.cut('done');
    }
  });
});
