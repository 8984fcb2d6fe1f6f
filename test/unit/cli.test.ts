import { pseudoRandom } from './rsync/helpers.ts';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/content/byteSource.ts';
import { digestSource } from '../../src/core/content/chunk.ts';
import { toHex } from '../../src/core/content/bytes.ts';

const BIN = join(import.meta.dirname, '../../bin/tandem.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tandem(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir = '';
const path = (name: string): string => join(dir, name);
const oldBytes = pseudoRandom(600_000, 1);
const newBytes = new Uint8Array([
  ...oldBytes.subarray(0, 250_000),
  ...pseudoRandom(300, 2),
  ...oldBytes.subarray(250_000),
]);

/** Expects a failure: the exit code, one stderr line, nothing on stdout, and no leftovers. */
async function expectFailure(run: Run, code: number, pattern: RegExp): Promise<void> {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe('');
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(pattern);
  expect((await readdir(dir)).filter((name) => name.includes('tandem-tmp'))).toEqual([]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-cli-'));
  await writeFile(path('old'), oldBytes);
  await writeFile(path('new'), newBytes);
  await writeFile(path('other'), pseudoRandom(oldBytes.length, 3));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tandem chunks', () => {
  it('prints one JSON line per contiguous chunk and a summary matching digestSource', async () => {
    const run = await tandem('chunks', path('new'));
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const summary = lines.pop();
    let offset = 0;
    for (const chunk of lines) {
      expect(chunk.offset).toBe(offset);
      expect(chunk.hash).toMatch(/^[0-9a-f]{64}$/);
      offset += chunk.size as number;
    }
    const digest = await digestSource(bytesSource(newBytes));
    expect(summary).toEqual({
      size: newBytes.length,
      hash: toHex(digest.hash),
      chunks: digest.chunks.length,
    });
    expect(offset).toBe(newBytes.length);
    expect(lines.map((c) => c.hash)).toEqual(digest.chunks.map((c) => toHex(c.hash)));
  });
});

describe('tandem signature, delta and patch', () => {
  it('reproduce NEW byte for byte', async () => {
    expect((await tandem('signature', path('old'), path('sig'))).code).toBe(0);
    expect((await tandem('delta', path('sig'), path('new'), path('delta'))).code).toBe(0);
    expect((await tandem('patch', path('old'), path('delta'), path('out'))).code).toBe(0);
    expect(Buffer.compare(await readFile(path('out')), newBytes)).toBe(0);
    expect((await readFile(path('delta'))).length).toBeLessThan(5000);
  });

  it('refuse a delta for another base, leaving no output', async () => {
    await expectFailure(
      await tandem('patch', path('other'), path('delta'), path('out-other')),
      1,
      /^tandem: patch: the delta was made for a different base file\n$/,
    );
    await expect(readFile(path('out-other'))).rejects.toThrow();
  });

  it('refuse a truncated delta, leaving no output', async () => {
    const delta = await readFile(path('delta'));
    await writeFile(path('delta-cut'), delta.subarray(0, delta.length - 20));
    await expectFailure(
      await tandem('patch', path('old'), path('delta-cut'), path('out-cut')),
      1,
      /^tandem: patch: invalid delta/,
    );
    await expect(readFile(path('out-cut'))).rejects.toThrow();
  });

  it('refuse a corrupt signature, leaving no output', async () => {
    const sig = await readFile(path('sig'));
    await writeFile(path('sig-bad'), sig.subarray(0, 30));
    await expectFailure(
      await tandem('delta', path('sig-bad'), path('new'), path('delta-bad')),
      1,
      /^tandem: delta: invalid signature/,
    );
    await expect(readFile(path('delta-bad'))).rejects.toThrow();
  });

  it('report a missing file', async () => {
    await expectFailure(
      await tandem('signature', path('missing'), path('sig2')),
      1,
      /^tandem: signature: .*missing: no such file/,
    );
  });
});

describe('tandem usage', () => {
  it('exits 2 on a wrong argument count or an unknown command', async () => {
    await expectFailure(await tandem('patch', path('old')), 2, /^tandem: patch: expected OLD DELTA OUT/);
    await expectFailure(await tandem('frobnicate'), 2, /^tandem: unknown command/);
  });

  it('prints help', async () => {
    const run = await tandem('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/usage: tandem/);
  });
});
