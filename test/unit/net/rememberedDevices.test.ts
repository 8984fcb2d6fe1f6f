import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/adapters/store/MemoryStore.ts';
import { toBase64url } from '../../../src/net/base64url.ts';
import {
  REMEMBERED_DEVICES_SETTING,
  RememberedDevices,
  RememberedDevicesError,
  type RememberedDevice,
} from '../../../src/net/rememberedDevices.ts';
import { makeDevice, randomFingerprint, type Device } from './netFixture.ts';

const entry = (device: Device, name = device.name): RememberedDevice => ({
  id: device.identity.id,
  name,
  publicKeySpki: device.identity.publicKeySpki,
  fingerprint: device.identity.fingerprint,
  pairedAt: 1234,
});

describe('remembered devices', () => {
  it('remembers, lists by name, gets, renames and forgets, surviving a new instance', async () => {
    const store = new MemoryStore();
    const [phone, laptop] = await Promise.all([makeDevice('Phone'), makeDevice('Laptop')]);
    const list = new RememberedDevices(store);
    expect(await list.list()).toEqual([]);
    await list.remember(entry(phone));
    await list.remember(entry(laptop));
    const again = new RememberedDevices(store);
    expect((await again.list()).map((d) => d.name)).toEqual(['Laptop', 'Phone']);
    expect(await again.get(phone.identity.id)).toEqual(entry(phone));

    expect(await again.rename(phone.identity.id, '  Old phone ')).toMatchObject({ name: 'Old phone' });
    expect((await list.get(phone.identity.id))?.name).toBe('Old phone');
    await expect(again.rename(phone.identity.id, '')).rejects.toThrow(/empty/);
    await expect(again.rename('A'.repeat(52), 'x')).rejects.toThrow(RememberedDevicesError);

    expect(await again.forget(phone.identity.id)).toBe(true);
    expect(await again.forget(phone.identity.id)).toBe(false);
    expect((await list.list()).map((d) => d.id)).toEqual([laptop.identity.id]);
  });

  it('replaces what it remembered of a device that pairs again', async () => {
    const list = new RememberedDevices(new MemoryStore());
    const phone = await makeDevice('Phone');
    await list.remember(entry(phone));
    await list.remember({ ...entry(phone, 'Phone 2'), fingerprint: randomFingerprint() });
    expect(await list.list()).toHaveLength(1);
    expect((await list.get(phone.identity.id))?.name).toBe('Phone 2');
  });

  it('applies concurrent changes one after another, losing none', async () => {
    const list = new RememberedDevices(new MemoryStore());
    const devices = await Promise.all(['A', 'B', 'C', 'D'].map((n) => makeDevice(n)));
    await Promise.all(devices.map((d) => list.remember(entry(d))));
    expect(await list.list()).toHaveLength(4);
  });

  it('refuses to remember an invalid device, storing nothing', async () => {
    const store = new MemoryStore();
    const list = new RememberedDevices(store);
    const [phone, other] = await Promise.all([makeDevice('Phone'), makeDevice('Other')]);
    const bad: [string, RememberedDevice, RegExp][] = [
      [
        'an ID not of its key',
        { ...entry(phone), publicKeySpki: other.identity.publicKeySpki },
        /does not match/,
      ],
      ['a malformed ID', { ...entry(phone), id: 'x' }, /malformed device ID/],
      ['bytes that are no key', { ...entry(phone), publicKeySpki: new Uint8Array(91) }, /no ECDSA P-256/],
      ['a bad fingerprint', { ...entry(phone), fingerprint: 'AB:CD' }, /fingerprint/],
      ['a control character in the name', entry(phone, 'a\nb'), /control/],
      ['no pairing time', { ...entry(phone), pairedAt: Number.NaN }, /pairing time/],
    ];
    for (const [what, device, message] of bad) {
      await expect(list.remember(device), what).rejects.toThrow(message);
    }
    expect(await store.getSetting(REMEMBERED_DEVICES_SETTING)).toBeUndefined();
  });

  it('refuses a damaged stored list with a clear error instead of dropping or trusting entries', async () => {
    const phone = await makeDevice('Phone');
    const other = await makeDevice('Other');
    const good = {
      id: phone.identity.id,
      name: 'Phone',
      key: toBase64url(phone.identity.publicKeySpki),
      fingerprint: phone.identity.fingerprint,
      pairedAt: 1,
    };
    const damaged: [string, unknown][] = [
      ['not JSON', '{'],
      ['another version', { v: 2, devices: [] }],
      ['no list', { v: 1 }],
      ['an extra field', { v: 1, devices: [{ ...good, trusted: true }] }],
      ['a swapped key', { v: 1, devices: [{ ...good, key: toBase64url(other.identity.publicKeySpki) }] }],
      ['an unreadable key', { v: 1, devices: [{ ...good, key: '***' }] }],
      ['the same device twice', { v: 1, devices: [good, good] }],
    ];
    for (const [what, value] of damaged) {
      const store = new MemoryStore();
      await store.setSetting(
        REMEMBERED_DEVICES_SETTING,
        typeof value === 'string' ? value : JSON.stringify(value),
      );
      const list = new RememberedDevices(store);
      await expect(list.list(), what).rejects.toThrow(/list of paired devices is damaged/);
      await expect(list.get(phone.identity.id), what).rejects.toThrow(RememberedDevicesError);
    }
    const store = new MemoryStore();
    await store.setSetting(REMEMBERED_DEVICES_SETTING, JSON.stringify({ v: 1, devices: [good] }));
    expect(await new RememberedDevices(store).get(phone.identity.id)).toMatchObject({
      name: 'Phone',
      pairedAt: 1,
    });
  });
});
