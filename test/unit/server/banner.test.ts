import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { formatBanner, serverUrls } from '../../../src/server/banner.ts';
import { lanAddresses } from '../../../src/server/addresses.ts';

describe('serverUrls', () => {
  it('on every interface: localhost over HTTP, the LAN over HTTPS', () => {
    expect(
      serverUrls({ host: '0.0.0.0', port: 8080, tls: true, lanAddresses: ['192.168.1.5', '10.0.0.2'] }),
    ).toEqual({
      local: 'http://localhost:8080/',
      network: ['https://192.168.1.5:8080/', 'https://10.0.0.2:8080/'],
    });
  });

  it('on loopback only: no network URL', () => {
    expect(serverUrls({ host: '127.0.0.1', port: 5000, tls: false, lanAddresses: ['192.168.1.5'] })).toEqual({
      local: 'http://127.0.0.1:5000/',
      network: [],
    });
  });

  it('on one LAN address: only that, bracketed when IPv6', () => {
    expect(serverUrls({ host: 'fd00::5', port: 443, tls: true, lanAddresses: [] })).toEqual({
      local: undefined,
      network: ['https://[fd00::5]:443/'],
    });
  });
});

describe('formatBanner', () => {
  it('prints the URLs, a QR code of the first LAN URL and the certificate fingerprint', () => {
    const text = formatBanner({
      host: '0.0.0.0',
      port: 8080,
      tls: true,
      lanAddresses: ['192.168.1.5'],
      fingerprint: 'AB:CD',
      certPath: '.tandem/cert.pem',
    });
    expect(text).toContain('http://localhost:8080/');
    expect(text).toContain('https://192.168.1.5:8080/');
    expect(text).toMatch(/[█▀▄]{20,}/); // a row of the QR code
    expect(text).toContain('AB:CD');
    expect(text).toContain('.tandem/cert.pem');
  });

  it('says when other devices cannot reach it', () => {
    const text = formatBanner({ host: '0.0.0.0', port: 8080, tls: true, lanAddresses: [] });
    expect(text).toMatch(/No network address found/);
    expect(text).not.toMatch(/[█▀▄]{20,}/);
  });
});

describe('lanAddresses', () => {
  it('lists external IPv4 addresses, private ranges first, without loopback or link-local', () => {
    const info = (address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo =>
      family === 'IPv4'
        ? { address, family, internal, netmask: '', mac: '', cidr: null }
        : { address, family, internal, netmask: '', mac: '', cidr: null, scopeid: 0 };
    const found = lanAddresses({
      lo: [info('127.0.0.1', 'IPv4', true)],
      eth0: [info('203.0.113.4', 'IPv4'), info('fe80::1', 'IPv6')],
      wlan0: [info('192.168.1.5', 'IPv4'), info('169.254.3.3', 'IPv4')],
      docker0: [info('172.17.0.1', 'IPv4')],
    });
    expect(found).toEqual(['192.168.1.5', '172.17.0.1', '203.0.113.4']);
  });
});
