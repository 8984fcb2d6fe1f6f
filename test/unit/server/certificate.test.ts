import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CertificateError, loadOrCreateSelfSigned, loadTlsFiles } from '../../../src/server/certificate.ts';

const NAMES = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1', '192.168.1.20'] };
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-cert-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadOrCreateSelfSigned', () => {
  it('generates a certificate once and reuses it on the next start', async () => {
    const first = await loadOrCreateSelfSigned(join(dir, '.tandem'), NAMES);
    expect(first.created).toBe(true);
    const second = await loadOrCreateSelfSigned(join(dir, '.tandem'), NAMES);
    expect(second.created).toBe(false);
    expect(second.cert).toBe(first.cert);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(await readFile(first.certPath, 'utf8')).toBe(first.cert);
    expect((await stat(first.keyPath)).mode & 0o777).toBe(0o600);
  });

  it('names localhost and the LAN addresses, for TLS servers, for at most 397 days', async () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const { cert } = await loadOrCreateSelfSigned(dir, NAMES, now);
    const x509 = new X509Certificate(cert);
    expect(x509.checkHost('localhost')).toBe('localhost');
    for (const ip of NAMES.ipAddresses) expect(x509.checkIP(ip), ip).toBe(ip);
    expect(x509.checkIP('192.168.1.21')).toBeUndefined();
    expect(x509.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    const days = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / 86_400_000;
    expect(days).toBeLessThanOrEqual(398);
  });

  it('replaces the cached one when the LAN address changed', async () => {
    const first = await loadOrCreateSelfSigned(dir, NAMES);
    const moved = await loadOrCreateSelfSigned(dir, { ...NAMES, ipAddresses: ['127.0.0.1', '10.0.0.7'] });
    expect(moved.created).toBe(true);
    expect(moved.cert).not.toBe(first.cert);
    expect(new X509Certificate(moved.cert).checkIP('10.0.0.7')).toBe('10.0.0.7');
  });

  it('replaces one that expires within 30 days', async () => {
    const made = new Date('2026-01-01T00:00:00Z');
    const first = await loadOrCreateSelfSigned(dir, NAMES, made);
    const later = new Date(made.getTime() + 380 * 86_400_000);
    const renewed = await loadOrCreateSelfSigned(dir, NAMES, later);
    expect(renewed.created).toBe(true);
    expect(renewed.cert).not.toBe(first.cert);
  });

  it('replaces a damaged or mismatched pair', async () => {
    const first = await loadOrCreateSelfSigned(dir, NAMES);
    await writeFile(first.certPath, 'garbage');
    const repaired = await loadOrCreateSelfSigned(dir, NAMES);
    expect(repaired.created).toBe(true);
    const other = await loadOrCreateSelfSigned(join(dir, 'other'), NAMES);
    await writeFile(repaired.keyPath, await readFile(other.keyPath, 'utf8'));
    expect((await loadOrCreateSelfSigned(dir, NAMES)).created).toBe(true);
  });
});

describe('loadTlsFiles', () => {
  it('loads a matching pair', async () => {
    const made = await loadOrCreateSelfSigned(dir, NAMES);
    const loaded = await loadTlsFiles(made.certPath, made.keyPath);
    expect(loaded.fingerprint).toBe(made.fingerprint);
  });

  it('refuses a key of another certificate, a missing file and a non-certificate, saying which', async () => {
    const a = await loadOrCreateSelfSigned(join(dir, 'a'), NAMES);
    const b = await loadOrCreateSelfSigned(join(dir, 'b'), NAMES);
    await expect(loadTlsFiles(a.certPath, b.keyPath)).rejects.toThrow(
      /the key does not belong to the certificate/,
    );
    await expect(loadTlsFiles(join(dir, 'none.pem'), a.keyPath)).rejects.toThrow(
      /cannot read the certificate .*none\.pem: ENOENT/,
    );
    await expect(loadTlsFiles(a.keyPath, a.keyPath)).rejects.toThrow(CertificateError);
    await expect(loadTlsFiles(a.certPath, a.certPath)).rejects.toThrow(/not a PEM private key/);
  });
});
