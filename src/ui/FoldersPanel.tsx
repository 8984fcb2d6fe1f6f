/**
 * The folders screen: add a folder (picked, or app-private where the browser cannot pick),
 * what paired devices offer (Accept into a folder of your choosing, or Decline), and a
 * card per shared folder (FolderCard.tsx).
 */
import { useState } from 'preact/hooks';
import type { FolderService } from '../app/folders.ts';
import type { DeviceView } from '../net/session.ts';
import { FolderCard } from './FolderCard.tsx';
import { FolderDropZone } from './FolderDrop.tsx';
import { useFolders, useNetwork } from './services.ts';
import { useTask } from './useTask.ts';

export function FoldersPanel() {
  const folders = useFolders();
  const network = useNetwork();
  if (!folders || typeof network === 'string' || !folders.ready) return null;
  return (
    <FolderDropZone service={folders}>
      <Folders service={folders} devices={network.devices()} />
    </FolderDropZone>
  );
}

/** A cancelled picker is not an error worth showing. */
function shown(error: Error): string | undefined {
  return error.name === 'AbortError' ? undefined : error.message;
}

function Folders({ service, devices }: { service: FolderService; devices: DeviceView[] }) {
  const [label, setLabel] = useState('');
  const { busy, run: runTask } = useTask();
  const [error, setError] = useState<string | undefined>();
  const names = new Map(devices.map(({ device }) => [device.id, device.name]));
  const run = (task: () => Promise<unknown>, after?: () => void) => {
    setError(undefined);
    runTask(task, after, (e) => setError(shown(e)));
  };
  const offers = service.offers();
  const list = service.folders();
  return (
    <section class="panel" data-testid="folders" aria-labelledby="folders-heading">
      <h2 id="folders-heading">Folders</h2>
      {service.problem && (
        <p class="error" role="alert">
          {service.problem}
        </p>
      )}
      <form
        class="add-folder"
        onSubmit={(e) => {
          e.preventDefault();
          run(
            () => service.add(label),
            () => setLabel(''),
          );
        }}
      >
        <label for="folder-label">{service.canPick ? 'Name (optional)' : 'Name of the new folder'}</label>
        <input
          id="folder-label"
          data-testid="folder-label-input"
          value={label}
          maxLength={100}
          required={!service.canPick}
          onInput={(e) => setLabel(e.currentTarget.value)}
        />
        <button type="submit" data-testid="folder-add" disabled={busy}>
          {service.canPick ? 'Choose a folder…' : 'Add folder'}
        </button>
        {!service.canPick && (
          <p class="hint">This browser cannot open your folders: the folder lives inside the app.</p>
        )}
      </form>
      {error && (
        <p class="error" role="alert" data-testid="folders-error">
          {error}
        </p>
      )}
      {offers.length > 0 && (
        <ul class="offers" aria-label="Folders offered to this device">
          {offers.map((offer) => (
            <li
              key={`${offer.peer} ${offer.id}`}
              class="card offer"
              data-testid="offer"
              data-folder-label={offer.label}
            >
              <strong>{names.get(offer.peer) ?? 'A paired device'}</strong> shares{' '}
              <strong>{offer.label}</strong>.
              <span class="actions">
                <button
                  type="button"
                  data-testid="offer-accept"
                  disabled={busy}
                  onClick={() => run(() => service.accept(offer))}
                >
                  {service.canPick ? 'Accept into a folder…' : 'Accept'}
                </button>
                <button type="button" data-testid="offer-decline" onClick={() => service.decline(offer.id)}>
                  Decline
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      {list.length === 0 ? (
        <p class="hint">No shared folders yet.</p>
      ) : (
        <ul class="folders">
          {list.map((view) => (
            <FolderCard key={view.id} view={view} service={service} devices={devices} />
          ))}
        </ul>
      )}
    </section>
  );
}
