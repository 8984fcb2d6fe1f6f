/**
 * `npm start`: serve the built app and the signaling relay on one port.
 *
 * Default: listen on every interface (0.0.0.0:8080). This machine opens
 * `http://localhost:8080` (a secure context already); other devices open
 * `https://<lan-ip>:8080` — the same port answers TLS — with a self-signed certificate
 * generated on first start and kept in `.tandem/`, so devices accept it once. With
 * `--host 127.0.0.1` it is HTTP on loopback only and no certificate is made. See USAGE in
 * ./options.ts for every option.
 */
import { access } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { isWildcardHost, lanAddresses } from './addresses.ts';
import { formatBanner } from './banner.ts';
import { loadOrCreateSelfSigned, loadTlsFiles, type TlsMaterial } from './certificate.ts';
import { OptionsError, parseOptions, USAGE, type ServerOptions } from './options.ts';
import { startServer } from './server.ts';

async function tlsFor(options: ServerOptions): Promise<{ material?: TlsMaterial; certPath?: string }> {
  const { tls } = options;
  if (tls.kind === 'none') return {};
  if (tls.kind === 'files') return { material: await loadTlsFiles(tls.certPath, tls.keyPath) };
  const machine = hostname();
  const dnsNames = [
    'localhost',
    ...(/^[A-Za-z0-9-]{1,63}$/.test(machine) ? [machine, `${machine}.local`] : []),
  ];
  const specific = isWildcardHost(options.host) || isIP(options.host) === 0 ? [] : [options.host];
  const ipAddresses = [...new Set(['127.0.0.1', '::1', ...lanAddresses(), ...specific])];
  const cached = await loadOrCreateSelfSigned(tls.dir, { dnsNames, ipAddresses });
  if (cached.created) process.stdout.write(`Generated a self-signed certificate in ${tls.dir}/\n`);
  return { material: cached, certPath: cached.certPath };
}

async function main(argv: readonly string[]): Promise<number> {
  let options: ServerOptions;
  try {
    const parsed = parseOptions(argv, process.env);
    if (parsed === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    process.stderr.write(`tandem server: ${error.message}\n`);
    return 2;
  }
  try {
    await access(join(options.dist, 'index.html'));
  } catch {
    process.stderr.write(
      `tandem server: no ${join(options.dist, 'index.html')}: build the app first (npx vite build)\n`,
    );
    return 1;
  }
  try {
    const tls = await tlsFor(options);
    const server = await startServer({
      ...options,
      tls: tls.material,
      relay: { idleTimeoutMs: options.idleTimeoutMs },
    });
    process.stdout.write(
      formatBanner({
        host: options.host,
        port: server.port,
        tls: tls.material !== undefined,
        lanAddresses: lanAddresses(),
        fingerprint: tls.material?.fingerprint,
        certPath: tls.certPath,
      }),
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        // A second Ctrl+C does not wait for the clean close.
        process.once('SIGINT', () => process.exit(130));
        server.close().then(resolve, resolve);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'EADDRINUSE'
        ? `port ${options.port} is in use: stop the other server or pass --port`
        : code === 'EACCES'
          ? `not allowed to listen on port ${options.port}: use a port above 1023`
          : code === 'EADDRNOTAVAIL'
            ? `${options.host} is not an address of this machine`
            : error instanceof Error
              ? error.message
              : String(error);
    process.stderr.write(`tandem server: ${message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
