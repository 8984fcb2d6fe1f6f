import { describe, expect, it } from 'vitest';
import { FailingVolume } from '../../../src/adapters/volume/FailingVolume.ts';
import { keepConflictCopy } from '../../../src/core/engine/conflictCopy.ts';
import { pair, text } from './commitFixture.ts';

const COPY = 'notes.sync-conflict-20240101-000000-DEVB.txt';

describe('keepConflictCopy', () => {
  it('moves the local loser aside under its conflict name', async () => {
    const p = pair();
    await p.put(p.local, 'notes.txt', text('mine'));
    expect(await keepConflictCopy(p.local, 'notes.txt', COPY)).toEqual({ status: 'kept' });
    expect(await p.local.stat('notes.txt')).toBeUndefined();
    expect(await p.read(p.local, COPY)).toEqual(text('mine'));
  });

  it('a copy already there with the same content counts as kept and frees the path', async () => {
    const p = pair();
    await p.put(p.local, 'notes.txt', text('mine'));
    await p.put(p.local, COPY, text('mine'));
    expect(await keepConflictCopy(p.local, 'notes.txt', COPY, { windowSize: 2 })).toEqual({
      status: 'already-kept',
    });
    expect(await p.local.stat('notes.txt')).toBeUndefined();
    expect(await p.read(p.local, COPY)).toEqual(text('mine'));
  });

  it('a copy already there with other content is reported and both files stay', async () => {
    const p = pair();
    await p.put(p.local, 'notes.txt', text('mine'));
    await p.put(p.local, COPY, text('theirs'));
    expect(await keepConflictCopy(p.local, 'notes.txt', COPY)).toEqual({ status: 'name-taken' });
    expect(await p.read(p.local, 'notes.txt')).toEqual(text('mine'));
    expect(await p.read(p.local, COPY)).toEqual(text('theirs'));
  });

  it('a same-size copy differing only in its last window is name-taken', async () => {
    const p = pair();
    await p.put(p.local, 'notes.txt', text('abcdef'));
    await p.put(p.local, COPY, text('abcdeX'));
    expect(await keepConflictCopy(p.local, 'notes.txt', COPY, { windowSize: 4 })).toEqual({
      status: 'name-taken',
    });
  });

  it('nothing at the path is reported missing', async () => {
    const p = pair();
    expect(await keepConflictCopy(p.local, 'notes.txt', COPY)).toEqual({ status: 'missing' });
  });

  it('a volume failure is data, and the file stays', async () => {
    const p = pair();
    await p.put(p.local, 'notes.txt', text('mine'));
    const failing = new FailingVolume(p.local);
    failing.fail({ operation: 'rename' });
    const result = await keepConflictCopy(failing, 'notes.txt', COPY);
    expect(result.status).toBe('failed');
    expect(await p.read(p.local, 'notes.txt')).toEqual(text('mine'));
  });
});
