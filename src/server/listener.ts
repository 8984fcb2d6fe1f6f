/**
 * One port, HTTP and HTTPS: with TLS material, each new connection is handed to the HTTPS
 * or the HTTP server by its first byte (0x16 opens a TLS handshake; plain HTTP starts with a
 * letter). So `http://localhost:8080` and `https://<lan-ip>:8080` are the same server, as
 * the app and its relay must be (DESIGN.md, "Network and pairing").
 *
 * Plain HTTP is for this machine: a page request over it from another address is
 * redirected to HTTPS, where that device gets a secure context. Without TLS material, plain
 * HTTP is all there is.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import type { Duplex } from 'node:stream';
import { isLoopbackHost } from './addresses.ts';
import type { TlsMaterial } from './certificate.ts';
import type { RequestHandler } from './staticFiles.ts';

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsMaterial;
  readonly onRequest: RequestHandler;
  readonly onUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** TCP connections at once, all kinds together; more are refused by the kernel's accept. */
  readonly maxSockets: number;
  /** Errors of the listening socket once it listens (accept failures such as EMFILE). */
  readonly onError: (error: Error) => void;
}

export interface Listening {
  /** The port bound (the one asked for, or the free one picked for port 0). */
  readonly port: number;
  /** Stops listening and cuts every connection still open. */
  close(): Promise<void>;
}

const TLS_HANDSHAKE = 0x16;
/** A connection that sends nothing for this long is not a browser worth waiting for. */
const FIRST_BYTE_TIMEOUT_MS = 10_000;

export async function listen(options: ListenOptions): Promise<Listening> {
  const sockets = new Set<Socket>();
  const http = createHttpServer(
    options.tls === undefined ? options.onRequest : redirectRemote(options.onRequest),
  );
  http.on('upgrade', options.onUpgrade);
  let front: NetServer | HttpServer = http;

  if (options.tls !== undefined) {
    const https = createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, options.onRequest);
    https.on('upgrade', options.onUpgrade);
    // A failed handshake (a browser that refused the certificate) is routine, not an error.
    https.on('tlsClientError', (_error, socket) => socket.destroy());
    front = createNetServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
      socket.once('readable', () => {
        const first = socket.read(1) as Buffer | null;
        if (first === null) return void socket.destroy();
        socket.setTimeout(0);
        socket.unshift(first);
        (first[0] === TLS_HANDSHAKE ? https : http).emit('connection', socket);
      });
    });
  }
  front.maxConnections = options.maxSockets;
  front.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(options.port, options.host, () => {
      front.off('error', reject);
      front.on('error', options.onError);
      resolve();
    });
  });
  const port = (front.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        front.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

export type PlainHttpVerdict =
  | { readonly kind: 'serve' }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'bad-host' };

/** Over plain HTTP, only this machine gets pages; another device is sent to the HTTPS URL. */
export function plainHttpVerdict(
  remoteAddress: string,
  host: string | undefined,
  path: string,
): PlainHttpVerdict {
  if (isLoopbackHost(remoteAddress)) return { kind: 'serve' };
  if (host === undefined || !/^[A-Za-z0-9.:[\]-]{1,260}$/.test(host)) return { kind: 'bad-host' };
  return { kind: 'redirect', location: `https://${host}${path}` };
}

function redirectRemote(onRequest: RequestHandler): RequestHandler {
  return (request, response) => {
    const verdict = plainHttpVerdict(
      request.socket.remoteAddress ?? '',
      request.headers.host,
      request.url ?? '/',
    );
    if (verdict.kind === 'serve') return onRequest(request, response);
    response.setHeader('Cache-Control', 'no-store');
    if (verdict.kind === 'bad-host') {
      response.statusCode = 400;
      response.end('400 Bad Request\n');
      return;
    }
    response.statusCode = 308;
    response.setHeader('Location', verdict.location);
    response.end();
  };
}
