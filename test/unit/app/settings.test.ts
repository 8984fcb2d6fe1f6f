/** Network settings: what is refused when typed, and what a damaged saved value turns into. */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/adapters/store/MemoryStore.ts';
import {
  ICE_SERVERS_SETTING,
  loadNetworkSettings,
  MAX_ICE_SERVERS,
  SettingsService,
  SIGNALING_URL_SETTING,
  validateIceServer,
  validateIceServers,
  validateSignalingUrl,
} from '../../../src/app/settings.ts';

const PAGE = 'http://192.168.1.20:8080/index.html';

describe('ICE server validation', () => {
  it('takes STUN, TURN and TURNS URLs, with host names, IPv4, IPv6 and ports', () => {
    expect(validateIceServer({ urls: ' stun:stun.example.org:3478 ' })).toEqual({
      urls: 'stun:stun.example.org:3478',
    });
    expect(validateIceServer({ urls: 'STUN:10.0.0.1' })).toEqual({ urls: 'stun:10.0.0.1' });
    expect(
      validateIceServer({ urls: 'turn:[2001:db8::1]:3478?transport=TCP', username: 'u', credential: 'p' }),
    ).toEqual({ urls: 'turn:[2001:db8::1]:3478?transport=tcp', username: 'u', credential: 'p' });
    expect(
      validateIceServer({ urls: 'turns:turn.example.org:443', username: 'u', credential: 'p' }).urls,
    ).toBe('turns:turn.example.org:443');
  });

  it.each([
    ['http://stun.example.org', /not a STUN or TURN URL/],
    ['stun:', /not a STUN or TURN URL/],
    ['stun:exa mple.org', /spaces/],
    ['stun:-bad-.org', /valid host/],
    ['stun:example.org:70000', /port/],
    ['stun:example.org?transport=udp', /no \?transport/],
    ['', /needs a URL/],
    [`stun:${'a'.repeat(600)}.org`, /at most 512/],
  ])('refuses %j', (urls, message) => {
    expect(() => validateIceServer({ urls })).toThrow(message);
  });

  it('wants credentials for TURN and none for STUN; bounds their size', () => {
    expect(() => validateIceServer({ urls: 'turn:t.example.org' })).toThrow(/username and a password/);
    expect(() => validateIceServer({ urls: 'stun:s.example.org', username: 'u' })).toThrow(/no username/);
    expect(() =>
      validateIceServer({ urls: 'turn:t.example.org', username: 'u', credential: 'x'.repeat(300) }),
    ).toThrow(/at most 256/);
  });

  it('names the bad entry of a list and bounds its length', () => {
    expect(() => validateIceServers([{ urls: 'stun:a.org' }, { urls: 'nope' }])).toThrow(/^ICE server 2:/);
    expect(() =>
      validateIceServers(Array.from({ length: MAX_ICE_SERVERS + 1 }, () => ({ urls: 'stun:a.org' }))),
    ).toThrow(/at most/);
    expect(() => validateIceServers('stun:a.org')).toThrow(/a list/);
  });
});

describe('signaling URL validation', () => {
  it('takes ws: and wss: URLs', () => {
    expect(validateSignalingUrl(' wss://relay.example.org/signal ')).toBe('wss://relay.example.org/signal');
    expect(validateSignalingUrl('ws://10.0.0.2:8080/signal', PAGE)).toBe('ws://10.0.0.2:8080/signal');
  });

  it.each([
    ['https://relay.example.org/signal', /ws:\/\/ or wss:\/\//],
    ['relay.example.org', /not a URL/],
    ['wss://user:pw@relay.example.org/', /user name or password/],
    ['wss://relay.example.org/#x', /fragment/],
  ])('refuses %j', (url, message) => {
    expect(() => validateSignalingUrl(url)).toThrow(message);
  });

  it('refuses ws: for a page served over HTTPS', () => {
    expect(() => validateSignalingUrl('ws://relay.example.org/', 'https://app.example.org/')).toThrow(/wss/);
  });
});

describe('loading saved settings', () => {
  it('defaults to no ICE servers and the page’s own relay', async () => {
    const { settings, notes } = await loadNetworkSettings(new MemoryStore(), PAGE);
    expect(settings).toEqual({ iceServers: [] });
    expect(notes).toEqual([]);
  });

  it('turns corrupt or invalid saved values into the defaults, with a note for each', async () => {
    const store = new MemoryStore();
    await store.setSetting(ICE_SERVERS_SETTING, '[{"urls": "stun:ok.org"}, {"urls"');
    await store.setSetting(SIGNALING_URL_SETTING, JSON.stringify('ftp://relay.example.org'));
    const { settings, notes } = await loadNetworkSettings(store, PAGE);
    expect(settings).toEqual({ iceServers: [] });
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/ICE servers could not be used/);
    expect(notes[1]).toMatch(/signaling URL could not be used \(the signaling URL must start with ws/);
  });

  it('saves through the service, keeps what runs apart from what is saved, and reloads to apply', async () => {
    const store = new MemoryStore();
    let reloads = 0;
    const service = await SettingsService.load({ store, pageUrl: PAGE, reload: () => reloads++ });
    expect(service.signalingUrl).toBe('ws://192.168.1.20:8080/signal');
    await expect(service.saveIceServers([{ urls: 'turn:t.org' }])).rejects.toThrow(/password/);
    expect(service.pending).toBe(false);
    await service.saveIceServers([{ urls: 'stun:s.org:3478' }]);
    await service.saveSignalingUrl('wss://relay.example.org/signal');
    expect(service.pending).toBe(true);
    expect(service.running).toEqual({ iceServers: [] });
    service.applyAndReconnect();
    expect(reloads).toBe(1);
    const next = await SettingsService.load({ store, pageUrl: PAGE, reload: () => {} });
    expect(next.running).toEqual({
      iceServers: [{ urls: 'stun:s.org:3478' }],
      signalingUrl: 'wss://relay.example.org/signal',
    });
    await next.saveSignalingUrl('  ');
    expect(next.saved).toEqual({ iceServers: [{ urls: 'stun:s.org:3478' }] });
    expect(await store.getSetting(SIGNALING_URL_SETTING)).toBeUndefined();
  });
});
