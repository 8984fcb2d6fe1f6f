/**
 * Per device a folder is shared with: its name, whether it is online, and what this device
 * is fetching from it now, or that it is up to date with it (DESIGN.md, "What a user sees"
 * 5, "per device"). The figures are the round's per-peer ones (core/engine/events.ts): bytes
 * received and rate; what is left is the round's, on the folder's status line.
 */
import type { FolderView } from '../app/foldersView.ts';
import type { PeerRoundProgress } from '../core/engine/events.ts';
import type { DeviceView } from '../net/session.ts';
import type { DeviceId } from '../ports/Store.ts';
import { formatBytes } from './format.ts';

/** What a device's line says, after its name and online state. */
export function deviceActivity(
  view: FolderView,
  name: string,
  online: boolean,
  peer: PeerRoundProgress | undefined,
): string {
  const rate = peer && peer.rate > 0 ? `, ${(peer.rate / 1e6).toFixed(1)} MB/s` : '';
  if (peer && peer.files > 0) {
    const files = `${peer.files} ${peer.files === 1 ? 'file' : 'files'}`;
    return `Fetching ${files} — ${formatBytes(peer.bytesReceived)} received${rate}`;
  }
  if (view.state.kind === 'syncing' && peer)
    return `${formatBytes(peer.bytesReceived)} received this round${rate}`;
  if (!online) return 'Changes reach it when it is online';
  if (view.state.kind === 'idle' && view.access.kind === 'running' && view.issues.length === 0)
    return `Up to date with ${name}`;
  return 'Nothing being fetched from it now';
}

export function DeviceProgress({ view, devices }: { view: FolderView; devices: readonly DeviceView[] }) {
  if (view.devices.length === 0) return null;
  const known = new Map<DeviceId, DeviceView>(devices.map((d) => [d.device.id, d]));
  return (
    <ul class="device-progress" aria-label="Devices this folder is shared with" data-testid="device-progress">
      {view.devices.map((id) => {
        const device = known.get(id);
        const name = device?.device.name ?? `${id.slice(0, 7)}… (forgotten)`;
        const online = device?.status.state === 'connected';
        const peer = view.progress?.peers?.find((p) => p.peer === id);
        return (
          <li key={id} data-testid="device-progress-item" data-device-name={name}>
            <span class="device-name">{name}</span>{' '}
            <span class={`link ${online ? 'online' : 'offline'}`}>{online ? 'online' : 'offline'}</span>
            {' — '}
            <span data-testid="device-progress-text">{deviceActivity(view, name, online, peer)}</span>
          </li>
        );
      })}
    </ul>
  );
}
