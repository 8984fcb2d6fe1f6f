import { request } from 'node:http';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticHandler, relativeFileOf } from '../../../src/server/staticFiles.ts';
import { startServer, type RunningServer } from '../../../src/server/server.ts';
import { within } from './helpers.ts';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A raw request: the path goes on the wire as written (fetch would normalise `..`). */
function get(
  port: number,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<Reply> {
  return within(
    new Promise<Reply>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      });
      req.on('error', reject);
      req.end();
    }),
    5_000,
    `${method} ${path}`,
  );
}

let root: string;
let server: RunningServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tandem-static-'));
  const dist = join(root, 'dist');
  await mkdir(join(dist, 'assets'), { recursive: true });
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>Tandem</title>');
  await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(dist, 'assets', 'zxing_reader-def.wasm'), Buffer.from([0, 97, 115, 109]));
  await writeFile(join(dist, 'manifest.webmanifest'), '{}');
  await writeFile(join(dist, 'icon.svg'), '<svg/>');
  await writeFile(join(dist, 'blob.bin'), 'x');
  await writeFile(join(dist, '.env'), 'SECRET=1');
  await writeFile(join(root, 'secret.txt'), 'outside the served folder');
  await symlink(join(root, 'secret.txt'), join(dist, 'link.txt'));
  server = await startServer({ host: '127.0.0.1', port: 0, dist });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('static files', () => {
  it('serves index.html for / with no-cache and an ETag', async () => {
    const reply = await get(server.port, '/');
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('<title>Tandem</title>');
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-cache');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    const again = await get(server.port, '/index.html', 'GET', {
      'If-None-Match': String(reply.headers.etag),
    });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it.each([
    ['/assets/index-abc123.js', 'text/javascript; charset=utf-8'],
    ['/assets/zxing_reader-def.wasm', 'application/wasm'],
    ['/manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['/icon.svg', 'image/svg+xml'],
    ['/blob.bin', 'application/octet-stream'],
  ])('serves %s as %s', async (path, type) => {
    const reply = await get(server.port, path);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(type);
  });

  it('marks hashed assets immutable', async () => {
    const reply = await get(server.port, '/assets/index-abc123.js?v=1');
    expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers HEAD with the length and no body', async () => {
    const reply = await get(server.port, '/assets/index-abc123.js', 'HEAD');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe(String('console.log(1)'.length));
    expect(reply.body).toBe('');
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/%2e%2e%5csecret.txt',
    '/link.txt',
    '/.env',
    '/index.html%00.js',
    '/assets/',
    '/assets',
    '//etc/passwd',
    '/%E0%A4%A',
    '/missing.js',
  ])('refuses %s with 404 and never leaks what is outside', async (path) => {
    const reply = await get(server.port, path);
    expect(reply.status).toBe(404);
    expect(reply.body).not.toContain('outside the served folder');
    expect(reply.body).not.toContain('SECRET');
  });

  it('refuses other methods with 405', async () => {
    const reply = await get(server.port, '/', 'POST');
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
  });

  it('maps URL paths to files only inside the folder', () => {
    expect(relativeFileOf('/')).toBe('index.html');
    expect(relativeFileOf('/assets/a%20b.js')).toBe('assets/a b.js');
    for (const bad of ['/..', '/a/../b', '/a//b', '/a/./b', 'relative', '/%ZZ', '/a\\b', '/a%00']) {
      expect(relativeFileOf(bad), bad).toBeUndefined();
    }
  });

  it('will not serve a folder that does not exist', async () => {
    await expect(createStaticHandler(join(root, 'nowhere'))).rejects.toThrow(/ENOENT/);
  });
});
