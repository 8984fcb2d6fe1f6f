/** The paired devices: name, short ID, link status and the last error, and Forget. */
import type { DeviceView } from '../net/session.ts';
import { shortDeviceId } from '../core/model/device.ts';

const LABEL = { offline: 'Offline', connecting: 'Connecting…', connected: 'Connected' } as const;

export function DeviceList({ devices, onForget }: { devices: DeviceView[]; onForget: (id: string) => void }) {
  if (devices.length === 0) return <p class="hint">No paired devices yet.</p>;
  return (
    <ul class="devices" data-testid="devices">
      {devices.map(({ device, status }) => (
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
          {status.error && status.state !== 'connected' && (
            <span class="error" data-testid="device-error">
              {' '}
              — {status.error}
            </span>
          )}{' '}
          <button
            type="button"
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
