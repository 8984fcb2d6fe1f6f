/** What `npm start` prints: where to open the app, and a QR code of the LAN URL for a phone. */
import { renderUnicodeCompact } from 'uqr';
import { isLoopbackHost, isWildcardHost, urlHost } from './addresses.ts';

export interface BannerFacts {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** The machine's LAN addresses (./addresses.ts `lanAddresses`), best first. */
  readonly lanAddresses: readonly string[];
  readonly fingerprint?: string;
  /** Where the generated certificate is kept, when it is one. */
  readonly certPath?: string;
}

export interface ServerUrls {
  /** On this machine (absent when listening on one non-loopback address only). */
  readonly local?: string;
  /** For other devices, best first. */
  readonly network: readonly string[];
}

export function serverUrls(facts: BannerFacts): ServerUrls {
  const wildcard = isWildcardHost(facts.host);
  const loopback = isLoopbackHost(facts.host);
  const scheme = facts.tls ? 'https' : 'http';
  // Plain HTTP always works on loopback (./listener.ts), and localhost is a secure context.
  const local = wildcard
    ? `http://localhost:${facts.port}/`
    : loopback
      ? `${scheme}://${urlHost(facts.host)}:${facts.port}/`
      : undefined;
  const hosts = wildcard ? facts.lanAddresses : loopback ? [] : [facts.host];
  return { local, network: hosts.map((host) => `${scheme}://${urlHost(host)}:${facts.port}/`) };
}

export function formatBanner(facts: BannerFacts): string {
  const urls = serverUrls(facts);
  const lines = ['', 'Tandem is running.', ''];
  if (urls.local !== undefined) lines.push(`  On this machine:   ${urls.local}`);
  for (const [index, url] of urls.network.entries()) {
    lines.push(`  ${index === 0 ? 'On your network:' : '                '}   ${url}`);
  }
  const first = urls.network[0];
  if (first === undefined) {
    lines.push(
      '',
      isLoopbackHost(facts.host)
        ? '  Only this machine can reach it (--host is a loopback address).'
        : '  No network address found: other devices cannot reach this machine.',
    );
  } else {
    lines.push('', `  Scan to open ${first} on a phone or tablet:`, '');
    // uqr draws the light modules as blocks: on a dark terminal it reads as dark-on-light.
    lines.push(
      ...renderUnicodeCompact(first, { border: 2 })
        .split('\n')
        .map((row) => `  ${row}`),
    );
    if (!facts.tls) {
      lines.push('', '  Note: over plain HTTP other devices get no camera, offline use or folder access.');
    }
  }
  if (facts.tls && facts.fingerprint !== undefined) {
    lines.push('', `  Certificate SHA-256: ${facts.fingerprint}`);
    if (facts.certPath !== undefined) {
      lines.push(`  Self-signed (kept in ${facts.certPath}): each device asks once to accept it;`);
      lines.push('  check the fingerprint above on the warning page before you do.');
    }
  }
  lines.push('', '  Press Ctrl+C to stop.', '');
  return lines.join('\n');
}
