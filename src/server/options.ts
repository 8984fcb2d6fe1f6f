/**
 * `npm start` options, from flags and the environment (a flag wins over its variable).
 * Everything is checked here, with a message that names the flag; files are read later.
 */
import { isIP } from 'node:net';
import { isLoopbackHost } from './addresses.ts';

export const USAGE = `usage: npm start -- [options]     (or: node bin/run-ts.js src/server/main.ts [options])

  --port N          port to listen on (env PORT; default 8080; 0 picks a free one)
  --host H          address to listen on (env HOST; default 0.0.0.0, every interface)
  --cert FILE       PEM certificate for HTTPS (env TANDEM_CERT; needs --key)
  --key FILE        PEM private key for HTTPS (env TANDEM_KEY; needs --cert)
  --cert-dir DIR    where the generated self-signed certificate is kept
                    (env TANDEM_CERT_DIR; default .tandem)
  --no-tls          plain HTTP even beyond localhost, e.g. behind a TLS proxy (env TANDEM_TLS=off)
  --dist DIR        the built app to serve (env TANDEM_DIST; default dist)
  --idle-timeout S  close a silent relay connection after S seconds
                    (env TANDEM_IDLE_TIMEOUT; default 120)
  --help            show this help

On localhost the app is served over HTTP. Beyond it (the default host listens on every
interface) the same port also speaks HTTPS, with your certificate or a generated one, because
the camera, the service worker and folder access need a secure context on other devices.
`;

export type TlsChoice =
  | { readonly kind: 'none' }
  | { readonly kind: 'files'; readonly certPath: string; readonly keyPath: string }
  | { readonly kind: 'self-signed'; readonly dir: string };

export interface ServerOptions {
  readonly port: number;
  readonly host: string;
  readonly dist: string;
  readonly tls: TlsChoice;
  readonly idleTimeoutMs: number;
}

export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}

type Env = Readonly<Record<string, string | undefined>>;

const VALUE_FLAGS = ['port', 'host', 'cert', 'key', 'cert-dir', 'dist', 'idle-timeout'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];
const isValueFlag = (name: string): name is ValueFlag => (VALUE_FLAGS as readonly string[]).includes(name);

const ENV_OF: Readonly<Record<ValueFlag, string>> = {
  port: 'PORT',
  host: 'HOST',
  cert: 'TANDEM_CERT',
  key: 'TANDEM_KEY',
  'cert-dir': 'TANDEM_CERT_DIR',
  dist: 'TANDEM_DIST',
  'idle-timeout': 'TANDEM_IDLE_TIMEOUT',
};

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Parses the arguments after the script name; `help` when asked for the usage text. */
export function parseOptions(argv: readonly string[], env: Env = {}): ServerOptions | 'help' {
  const flags = new Map<ValueFlag, string>();
  let noTls = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--no-tls') {
      noTls = true;
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = match?.[1];
    if (name === undefined || !isValueFlag(name)) throw new OptionsError(`unknown option ${arg}; try --help`);
    if (flags.has(name)) throw new OptionsError(`--${name} is given twice`);
    let value = match![2];
    if (value === undefined) {
      value = argv[index + 1];
      if (value === undefined || value.startsWith('--')) throw new OptionsError(`--${name} needs a value`);
      index++;
    }
    flags.set(name, value);
  }
  const get = (name: ValueFlag): { value: string; from: string } | undefined => {
    const flag = flags.get(name);
    if (flag !== undefined) return { value: flag, from: `--${name}` };
    const fromEnv = env[ENV_OF[name]];
    return fromEnv === undefined || fromEnv === '' ? undefined : { value: fromEnv, from: ENV_OF[name] };
  };

  const port = parsePort(get('port'));
  const host = parseHost(get('host'));
  const dist = nonEmpty(get('dist')) ?? 'dist';
  const idleTimeoutMs = parseIdleTimeout(get('idle-timeout'));
  const certPath = nonEmpty(get('cert'));
  const keyPath = nonEmpty(get('key'));
  const envTls = env.TANDEM_TLS;
  if (envTls !== undefined && envTls !== '' && envTls !== 'off' && envTls !== 'on') {
    throw new OptionsError(`TANDEM_TLS must be "on" or "off", not ${JSON.stringify(envTls)}`);
  }
  noTls ||= envTls === 'off';

  let tls: TlsChoice;
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new OptionsError('--cert and --key (TANDEM_CERT, TANDEM_KEY) go together: give both or neither');
  }
  if (certPath !== undefined && keyPath !== undefined) {
    if (noTls) throw new OptionsError('--no-tls and a certificate contradict each other');
    tls = { kind: 'files', certPath, keyPath };
  } else if (noTls || isLoopbackHost(host)) {
    tls = { kind: 'none' };
  } else {
    tls = { kind: 'self-signed', dir: nonEmpty(get('cert-dir')) ?? '.tandem' };
  }
  return { port, host, dist, tls, idleTimeoutMs };
}

function nonEmpty(option: { value: string; from: string } | undefined): string | undefined {
  if (option === undefined) return undefined;
  if (option.value.trim() === '') throw new OptionsError(`${option.from} must not be empty`);
  return option.value;
}

function parsePort(option: { value: string; from: string } | undefined): number {
  if (option === undefined) return 8080;
  const port = /^\d{1,5}$/.test(option.value) ? Number(option.value) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new OptionsError(
      `${option.from} must be a port number 0–65535, not ${JSON.stringify(option.value)}`,
    );
  }
  return port;
}

function parseHost(option: { value: string; from: string } | undefined): string {
  if (option === undefined) return '0.0.0.0';
  const host = option.value.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0 && !HOSTNAME.test(host)) {
    throw new OptionsError(
      `${option.from} must be an IP address or host name, not ${JSON.stringify(option.value)}`,
    );
  }
  return host;
}

function parseIdleTimeout(option: { value: string; from: string } | undefined): number {
  if (option === undefined) return 120_000;
  const seconds = /^\d+(\.\d+)?$/.test(option.value) ? Number(option.value) : NaN;
  if (!(seconds >= 0.01 && seconds <= 86_400)) {
    throw new OptionsError(
      `${option.from} must be seconds between 0.01 and 86400, not ${JSON.stringify(option.value)}`,
    );
  }
  return Math.round(seconds * 1000);
}
