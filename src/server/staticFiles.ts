/**
 * Serves the built app (`dist/`) for `npm start`: GET and HEAD of files inside the folder,
 * `index.html` for `/`, 404 for anything else — no directory listings, no fallbacks, and no
 * way out of the folder (the path is decoded, normalised and checked, then the real path
 * of the file is checked again so a symbolic link cannot lead elsewhere).
 *
 * Caching: Vite's `assets/` carry a content hash in their names, so they are immutable;
 * everything else (index.html, the service worker, the manifest) is revalidated by ETag.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, posix, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

export const contentTypeOf = (path: string): string =>
  CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';

/**
 * The file a URL path names, relative to the served folder (`index.html` for `/`), or
 * undefined when it cannot name a file inside it: undecodable, NUL or backslash, a `..` or
 * empty segment, a dot-file, or a directory path.
 */
export function relativeFileOf(urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  if (decoded === '/') return 'index.html';
  const segments = decoded.slice(1).split('/');
  // Refuse rather than normalise: a request with `..`, `.` or `//` in it is never a real link of the app.
  if (segments.some((segment) => segment === '' || segment.startsWith('.'))) return undefined;
  const relative = posix.normalize(segments.join('/'));
  return relative.startsWith('..') || posix.isAbsolute(relative) ? undefined : relative;
}

const cacheControlOf = (relative: string): string =>
  relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** A request handler for the folder `root`; rejects when it is not a readable folder. */
export async function createStaticHandler(root: string): Promise<RequestHandler> {
  const realRoot = await realpath(root);
  if (!(await stat(realRoot)).isDirectory()) throw new Error(`${root}: not a folder`);
  return (request, response) => {
    serve(realRoot, request, response).catch(() => {
      if (!response.headersSent) finish(response, 500, 'Internal Server Error');
      else response.destroy();
    });
  };
}

async function serve(root: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return finish(response, 405, 'Method Not Allowed');
  }
  const path = (request.url ?? '/').split('?')[0]!.split('#')[0]!;
  const relative = relativeFileOf(path);
  if (relative === undefined) return finish(response, 404, 'Not Found');
  const file = await realpath(join(root, relative)).catch(() => undefined);
  if (file === undefined || !file.startsWith(root + sep)) return finish(response, 404, 'Not Found');
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || !info.isFile()) return finish(response, 404, 'Not Found');

  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  response.setHeader('ETag', etag);
  response.setHeader('Cache-Control', cacheControlOf(relative));
  response.setHeader('Content-Type', contentTypeOf(file));
  if (request.headers['if-none-match'] === etag) {
    response.statusCode = 304;
    response.end();
    return;
  }
  response.setHeader('Content-Length', info.size);
  response.statusCode = 200;
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  await pipeline(createReadStream(file), response);
}

function finish(response: ServerResponse, status: number, text: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.end(`${status} ${text}\n`);
}
