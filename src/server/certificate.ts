/**
 * TLS material for `npm start` beyond localhost: the user's own PEM files, or a self-signed
 * certificate generated once and cached on disk, so every device sees the same certificate
 * (and accepts its warning once) across restarts.
 *
 * The cached certificate is reused while its key matches, it is valid for another 30 days,
 * and it names every address asked for; otherwise (say the LAN address changed) a new one
 * replaces it. It follows what iOS and Chromium ask of certificates: ECDSA P-256 with
 * SHA-256, subjectAltName, serverAuth, at most 397 days.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint, colon-separated hex, to show next to the URL. */
  readonly fingerprint: string;
}

export interface CachedCertificate extends TlsMaterial {
  /** True when this call generated it (nothing usable was cached). */
  readonly created: boolean;
  readonly certPath: string;
  readonly keyPath: string;
}

export interface CertificateNames {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

const VALIDITY_DAYS = 397;
const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;

/** A certificate error a person can act on. */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

/** Checks a PEM certificate and key belong together; returns them with the fingerprint. */
export function checkTlsMaterial(cert: string, key: string, source: string): TlsMaterial {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new CertificateError(`${source}: the certificate is not a PEM X.509 certificate`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new CertificateError(`${source}: the key is not a PEM private key (or it is encrypted)`);
  }
  if (!matches) throw new CertificateError(`${source}: the key does not belong to the certificate`);
  return { cert, key, fingerprint: x509.fingerprint256 };
}

/** The user's own certificate and key files. */
export async function loadTlsFiles(certPath: string, keyPath: string): Promise<TlsMaterial> {
  const read = (path: string, what: string) =>
    readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CertificateError(`cannot read the ${what} ${path}: ${error.code ?? error.message}`);
    });
  // One after the other, so when both are unreadable the message names the certificate,
  // every time (reading both at once named whichever failed first).
  const cert = await read(certPath, 'certificate');
  const key = await read(keyPath, 'key');
  return checkTlsMaterial(cert, key, `${certPath} + ${keyPath}`);
}

/** The cached self-signed certificate in `dir` (cert.pem, key.pem), made when missing or unfit. */
export async function loadOrCreateSelfSigned(
  dir: string,
  names: CertificateNames,
  now: Date = new Date(),
): Promise<CachedCertificate> {
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const cached = await readCached(certPath, keyPath, names, now);
  if (cached !== undefined) return { ...cached, created: false, certPath, keyPath };

  const pems = await generate([{ name: 'commonName', value: 'Tandem (self-signed)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - DAY_MS), // a device whose clock lags still accepts it
    notAfterDate: new Date(now.getTime() + VALIDITY_DAYS * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.dnsNames.map((value) => ({ type: 2 as const, value })),
          ...names.ipAddresses.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Key first, each by rename: a crash in between leaves a pair that fails the key check.
  await writeAtomically(keyPath, pems.private, 0o600);
  await writeAtomically(certPath, pems.cert, 0o644);
  return { ...checkTlsMaterial(pems.cert, pems.private, certPath), created: true, certPath, keyPath };
}

async function readCached(
  certPath: string,
  keyPath: string,
  names: CertificateNames,
  now: Date,
): Promise<TlsMaterial | undefined> {
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  } catch {
    return undefined;
  }
  try {
    const material = checkTlsMaterial(cert, key, certPath);
    const x509 = new X509Certificate(cert);
    const fresh = new Date(x509.validTo).getTime() - now.getTime() > RENEW_BEFORE_DAYS * DAY_MS;
    const covers =
      names.dnsNames.every((name) => x509.checkHost(name) !== undefined) &&
      names.ipAddresses.every((ip) => x509.checkIP(ip) !== undefined);
    return fresh && covers ? material : undefined;
  } catch {
    return undefined; // unreadable or mismatched: replaced
  }
}

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode });
  await rename(temporary, path);
}
