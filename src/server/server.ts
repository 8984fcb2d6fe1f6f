/**
 * `startServer`: the built app and the signaling relay on one port. Used by `npm start`
 * (./main.ts), the tests and the end-to-end harness (port 0 picks a free port).
 */
import { listen } from './listener.ts';
import type { TlsMaterial } from './certificate.ts';
import { RelayServer, type RelayServerOptions } from './relayServer.ts';
import { createStaticHandler } from './staticFiles.ts';
import { DEFAULT_RELAY_LIMITS } from './relay.ts';

export interface StartOptions {
  readonly host: string;
  readonly port: number;
  /** The folder of the built app. */
  readonly dist: string;
  /** With it the port speaks HTTPS too (./listener.ts); without, HTTP only. */
  readonly tls?: TlsMaterial;
  readonly relay?: RelayServerOptions;
  /** Errors after start (the listening socket's); default: a line on stderr. */
  readonly onError?: (error: Error) => void;
}

export interface RunningServer {
  readonly port: number;
  readonly relay: RelayServer;
  /** Closes relay connections with 1001, then stops listening; resolves when all is closed. */
  close(): Promise<void>;
}

/** Room for page and asset requests beside the relay's own connection cap. */
const EXTRA_SOCKETS = 128;

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const onRequest = await createStaticHandler(options.dist);
  const relay = new RelayServer(options.relay);
  const maxConnections = options.relay?.limits?.maxConnections ?? DEFAULT_RELAY_LIMITS.maxConnections;
  const listening = await listen({
    host: options.host,
    port: options.port,
    tls: options.tls,
    onRequest,
    onUpgrade: (request, socket, head) => relay.handleUpgrade(request, socket, head),
    maxSockets: maxConnections + EXTRA_SOCKETS,
    onError: options.onError ?? ((error) => process.stderr.write(`tandem server: ${error.message}\n`)),
  });
  let closing: Promise<void> | undefined;
  return {
    port: listening.port,
    relay,
    close: () => (closing ??= relay.close().then(() => listening.close())),
  };
}
