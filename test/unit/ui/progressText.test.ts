import { describe, expect, it } from 'vitest';
import type { FolderView } from '../../../src/app/foldersView.ts';
import { deviceActivity } from '../../../src/ui/DeviceProgress.tsx';
import { doneOfTotal } from '../../../src/ui/FileProgressList.tsx';
import { folderStatus } from '../../../src/ui/FolderCard.tsx';

const view = (state: FolderView['state']): FolderView => ({
  id: 'f',
  label: 'F',
  where: 'here',
  devices: ['P'],
  access: { kind: 'running' },
  state,
  activity: [],
  issues: [],
});

describe('doneOfTotal', () => {
  it('gives both figures in the unit of the total', () => {
    expect(doneOfTotal(3.2 * 2 ** 20, 10 * 2 ** 20)).toBe('3.2 of 10.0 MiB');
    expect(doneOfTotal(0, 64 * 2 ** 20)).toBe('0.0 of 64.0 MiB');
    expect(doneOfTotal(512, 900)).toBe('512 of 900 bytes');
    expect(doneOfTotal(4_000, 2_048)).toBe('2.00 of 2.00 KiB'); // never past the total
  });
});

describe('deviceActivity', () => {
  const syncing = view({ kind: 'syncing', files: 2, bytes: 10 });
  it('says what is fetched from the device now', () => {
    expect(
      deviceActivity(syncing, 'Laptop', true, { peer: 'P', files: 2, bytesReceived: 2048, rate: 3e6 }),
    ).toBe('Fetching 2 files — 2.00 KiB received, 3.0 MB/s');
    expect(deviceActivity(syncing, 'Laptop', true, { peer: 'P', files: 0, bytesReceived: 10, rate: 0 })).toBe(
      '10 bytes received this round',
    );
  });

  it('is up to date with an online device only when the folder is idle', () => {
    expect(deviceActivity(view({ kind: 'idle' }), 'Laptop', true, undefined)).toBe('Up to date with Laptop');
    expect(deviceActivity(view({ kind: 'idle' }), 'Laptop', false, undefined)).toBe(
      'Changes reach it when it is online',
    );
    expect(deviceActivity(syncing, 'Laptop', true, undefined)).toBe('Nothing being fetched from it now');
  });
});

describe('folderStatus', () => {
  const failed = { path: 'big.bin', code: 'failed', message: 'out of storage space' } as const;

  it('is up to date only when no file is left out of sync', () => {
    expect(folderStatus(view({ kind: 'idle' }))).toBe('Up to date');
    expect(folderStatus({ ...view({ kind: 'idle' }), issues: [failed] })).toBe('1 file not in sync');
    expect(
      folderStatus({ ...view({ kind: 'idle' }), issues: [failed, { ...failed, path: 'b', code: 'scan' }] }),
    ).toBe('2 files not in sync');
  });

  it('says nothing of being up to date with a device while files are left out', () => {
    expect(deviceActivity({ ...view({ kind: 'idle' }), issues: [failed] }, 'Laptop', true, undefined)).toBe(
      'Nothing being fetched from it now',
    );
  });
});
