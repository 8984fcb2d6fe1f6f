/**
 * The ContentService contract: what every adapter must do, whatever runs the work. An
 * adapter's test calls `describeContentServiceContract` with a factory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/content/byteSource.ts';
import { digestSource } from '../../src/core/content/chunk.ts';
import type { ContentService } from '../../src/ports/ContentService.ts';
import { generatedBytes } from '../support/generatedSource.ts';

export function describeContentServiceContract(name: string, make: () => ContentService): void {
  describe(`${name} (ContentService contract)`, () => {
    let service: ContentService | undefined;
    const open = () => (service = make());
    afterEach(() => service?.dispose());

    it('hashes files exactly as the core does, from empty to several chunks', async () => {
      const content = open();
      for (const size of [0, 1, 100_000, 3 << 20]) {
        const bytes = generatedBytes(size, size);
        const { digest } = await content.hashFile(new Blob([bytes]));
        expect(digest).toEqual(await digestSource(bytesSource(bytes)));
      }
    });

    it('answers a batch in the order given, however many files it holds', async () => {
      const content = open();
      const files = Array.from({ length: 4 * content.concurrency + 3 }, (_, i) =>
        generatedBytes(20_000 + i * 997, i),
      );
      const outcomes = await content.hashFiles(files.map((bytes) => new Blob([bytes])));
      expect(outcomes).toHaveLength(files.length);
      for (const [i, outcome] of outcomes.entries()) {
        if (!outcome.ok) throw outcome.error;
        expect(outcome.digest).toEqual(await digestSource(bytesSource(files[i]!)));
      }
    });

    it('says how many files it hashes at once', () => {
      expect(open().concurrency).toBeGreaterThanOrEqual(1);
    });

    it('refuses work once disposed', async () => {
      const content = open();
      content.dispose();
      await expect(content.hashFile(new Blob([new Uint8Array(10)]))).rejects.toThrow();
    });
  });
}
