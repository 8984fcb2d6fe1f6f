import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { within } from './helpers.ts';

const RUN_TS = resolve('bin/run-ts.js');
const MAIN = resolve('src/server/main.ts');
let dist: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'tandem-main-'));
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>Tandem main</title>');
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dist, { recursive: true, force: true });
});

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [RUN_TS, MAIN, ...args], {
    env: { ...process.env, HOST: '', PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const result: Run = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((done) => child.once('exit', (code) => done(code))),
  };
  child.stdout!.on('data', (chunk: Buffer) => (result.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()));
  return result;
}

/** Resolves with the first match of `pattern` in the output, polling at most `ms`. */
async function waitFor(runValue: Run, pattern: RegExp, ms = 20_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms;
  for (let attempt = 0; attempt < 1_000 && Date.now() < deadline; attempt++) {
    const match = pattern.exec(runValue.stdout);
    if (match) return match;
    if (runValue.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${pattern} in output:\n${runValue.stdout}\n${runValue.stderr}`);
}

describe('npm start (src/server/main.ts)', () => {
  it('serves on the port it prints and stops cleanly on SIGTERM', async () => {
    const server = run(['--host', '127.0.0.1', '--port', '0', '--dist', dist]);
    const [, url] = await waitFor(server, /On this machine:\s+(http:\/\/127\.0\.0\.1:\d+\/)/);
    expect(server.stdout).toMatch(/Only this machine can reach it/);
    const response = await within(fetch(url!), 5_000, 'the page');
    expect(await response.text()).toContain('Tandem main');
    server.child.kill('SIGTERM');
    expect(await within(server.exited, 10_000, 'the server to exit')).toBe(0);
  });

  it('exits 2 with a message naming a bad flag', async () => {
    const server = run(['--port', 'eighty']);
    expect(await within(server.exited, 20_000, 'the exit')).toBe(2);
    expect(server.stderr).toMatch(/--port must be a port number/);
  });

  it('exits 1 when the app is not built', async () => {
    const server = run(['--host', '127.0.0.1', '--port', '0', '--dist', join(dist, 'missing')]);
    expect(await within(server.exited, 20_000, 'the exit')).toBe(1);
    expect(server.stderr).toMatch(/build the app first/);
  });

  it('exits 1 when the certificate files cannot be read', async () => {
    const server = run([
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--dist',
      dist,
      '--cert',
      join(dist, 'c.pem'),
      '--key',
      join(dist, 'k.pem'),
    ]);
    expect(await within(server.exited, 20_000, 'the exit')).toBe(1);
    expect(server.stderr).toMatch(/cannot read the certificate/);
  });
});
