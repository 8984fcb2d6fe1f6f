import { describe, expect, it } from 'vitest';
import { poolHashFile } from '../../../src/adapters/content/poolHashFile.ts';
import { digestSource } from '../../../src/core/content/chunk.ts';
import type { ContentSource, HashedContent } from '../../../src/ports/ContentService.ts';
import { ChangedMeanwhileError, type FileSource } from '../../../src/ports/Volume.ts';

const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 251);

function sourceOf(data: Uint8Array, blob?: Blob): FileSource {
  return {
    size: data.length,
    mtime: 1,
    blob,
    read: async (offset, length) => data.slice(offset, offset + length),
  };
}

/** A pool stand-in that hashes in process and records what it was given. */
function pool(fail?: Error) {
  const given: ContentSource[] = [];
  return {
    given,
    hashFile: async (blob: ContentSource): Promise<HashedContent> => {
      given.push(blob);
      if (fail) throw fail;
      const data = new Uint8Array(await blob.arrayBuffer());
      return { digest: await digestSource(sourceOf(data)), worker: 0, millis: 0 };
    },
  };
}

const named = (name: string) => Object.assign(new Error(`${name} in the worker`), { name });

describe('poolHashFile', () => {
  it('hashes a source with a Blob in the pool, to the digest the engine would make itself', async () => {
    const content = pool();
    let fellBack = 0;
    const hash = poolHashFile(content, (s) => (fellBack++, digestSource(s)));
    const blob = new Blob([bytes]);
    const digest = await hash(sourceOf(bytes, blob), 'a.bin');
    expect(content.given).toEqual([blob]);
    expect(fellBack).toBe(0);
    expect(digest).toEqual(await digestSource(sourceOf(bytes)));
  });

  it('hashes a source without a Blob in process', async () => {
    const content = pool();
    const hash = poolHashFile(content, (s) => digestSource(s));
    expect((await hash(sourceOf(bytes), 'a.bin')).size).toBe(bytes.length);
    expect(content.given).toEqual([]);
  });

  it.each(['NotReadableError', 'NotFoundError', 'SourceChangedError'])(
    'a worker failing with %s means the file changed while being read',
    async (name) => {
      const hash = poolHashFile(pool(named(name)), (s) => digestSource(s));
      const failure = hash(sourceOf(bytes, new Blob([bytes])), 'dir/a.bin');
      await expect(failure).rejects.toBeInstanceOf(ChangedMeanwhileError);
      await expect(failure).rejects.toMatchObject({ path: 'dir/a.bin' });
    },
  );

  it('passes any other failure on as it is', async () => {
    const hash = poolHashFile(pool(named('PoolDisposedError')), (s) => digestSource(s));
    await expect(hash(sourceOf(bytes, new Blob([bytes])), 'a.bin')).rejects.toMatchObject({
      name: 'PoolDisposedError',
    });
  });
});
