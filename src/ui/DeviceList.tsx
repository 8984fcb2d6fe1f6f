/**
 * The paired devices: name, short ID, online or offline, the connection's path while
 * connected (from the selected ICE candidate pair) or when it was last seen, the last
 * error, and Forget.
 */
import type { ConnectionPath, DeviceView } from '../net/session.ts';
import { shortDeviceId } from '../core/model/device.ts';
import { formatWhen } from './whyText.ts';

const LABEL = { offline: 'Offline', connecting: 'Connecting…', connected: 'Connected' } as const;

export const PATH_TEXT: Readonly<Record<ConnectionPath, string>> = {
  'local-network': 'direct on the local network',
  'through-nat': 'direct through NAT',
  direct: 'direct connection',
  relay: 'through a relay (TURN)',
};

export function DeviceList({ devices, onForget }: { devices: DeviceView[]; onForget: (id: string) => void }) {
  if (devices.length === 0) return <p class="hint">No paired devices yet.</p>;
  const now = Date.now();
  return (
    <ul class="devices" data-testid="devices">
      {devices.map(({ device, status, lastSeen, path }) => (
        <li
          key={device.id}
          class={`device ${status.state}`}
          data-testid="device"
          data-device-name={device.name}
        >
          <span class="device-name">{device.name}</span>{' '}
          <code class="device-id" title={device.id}>
            {shortDeviceId(device.id)}
          </code>{' '}
          <span class="status" data-testid="device-status">
            {LABEL[status.state]}
          </span>
          {status.state === 'connected' && path && (
            <span class="device-path" data-testid="device-path">
              {' '}
              — {PATH_TEXT[path]}
            </span>
          )}
          {status.state !== 'connected' && lastSeen !== undefined && (
            <span class="device-seen" data-testid="device-last-seen">
              {' '}
              — last seen <time dateTime={new Date(lastSeen).toISOString()}>{formatWhen(lastSeen, now)}</time>
            </span>
          )}
          {status.error && status.state !== 'connected' && (
            <span class="error" data-testid="device-error">
              {' '}
              — {status.error}
            </span>
          )}{' '}
          <button
            type="button"
            aria-label={`Forget ${device.name}`}
            onClick={() => {
              if (confirm(`Forget ${device.name}? It will no longer connect until you pair again.`))
                onForget(device.id);
            }}
          >
            Forget
          </button>
        </li>
      ))}
    </ul>
  );
}
