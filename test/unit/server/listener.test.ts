import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSelfSigned, type TlsMaterial } from '../../../src/server/certificate.ts';
import { plainHttpVerdict } from '../../../src/server/listener.ts';
import { roomName, startTestServer, within, type Started } from './helpers.ts';

let certDir: string;
let tls: TlsMaterial;
let started: Started;

beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'tandem-tls-'));
  tls = await loadOrCreateSelfSigned(certDir, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  started = await startTestServer({ tls });
});

afterAll(async () => {
  await started?.stop();
  await rm(certDir, { recursive: true, force: true });
});

function getStatus(url: string, options: { ca?: string } = {}): Promise<number> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return within(
    new Promise<number>((resolve, reject) => {
      const req = request(url, { ca: options.ca }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end();
    }),
    5_000,
    url,
  );
}

function firstFrame(url: string, ca?: string): Promise<string> {
  const socket = new WebSocket(url, { ca });
  return within(
    new Promise<string>((resolve, reject) => {
      socket.once('message', (data) => resolve(String(data)));
      socket.once('error', reject);
    }),
    5_000,
    url,
  ).finally(() => socket.terminate());
}

describe('one port for HTTP and HTTPS', () => {
  it('serves the page over both', async () => {
    expect(await getStatus(`http://127.0.0.1:${started.port}/`)).toBe(200);
    expect(await getStatus(`https://127.0.0.1:${started.port}/`, { ca: tls.cert })).toBe(200);
  });

  it('relays over ws and wss', async () => {
    const room = roomName('tls');
    expect(JSON.parse(await firstFrame(`ws://127.0.0.1:${started.port}/signal?room=${room}`)).type).toBe(
      'joined',
    );
    expect(
      JSON.parse(await firstFrame(`wss://127.0.0.1:${started.port}/signal?room=${room}`, tls.cert)).type,
    ).toBe('joined');
  });

  it('keeps serving after a client refuses the certificate', async () => {
    await expect(getStatus(`https://127.0.0.1:${started.port}/`)).rejects.toThrow(/self-signed|certificate/);
    expect(await getStatus(`https://127.0.0.1:${started.port}/`, { ca: tls.cert })).toBe(200);
  });
});

describe('plainHttpVerdict', () => {
  it('serves this machine over plain HTTP', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect(plainHttpVerdict(address, 'localhost:8080', '/')).toEqual({ kind: 'serve' });
    }
  });

  it('sends another device to the same URL over HTTPS', () => {
    expect(plainHttpVerdict('192.168.1.9', '192.168.1.5:8080', '/app?x=1')).toEqual({
      kind: 'redirect',
      location: 'https://192.168.1.5:8080/app?x=1',
    });
  });

  it('refuses a missing or odd Host header rather than redirect to it', () => {
    expect(plainHttpVerdict('192.168.1.9', undefined, '/')).toEqual({ kind: 'bad-host' });
    expect(plainHttpVerdict('192.168.1.9', 'evil.example/x', '/')).toEqual({ kind: 'bad-host' });
    expect(plainHttpVerdict('192.168.1.9', 'a@b', '/')).toEqual({ kind: 'bad-host' });
  });
});
