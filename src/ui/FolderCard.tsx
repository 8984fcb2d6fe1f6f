/**
 * One shared folder: its label, where it lives, its state in words (with what is left of a
 * round), who it is shared with (checkboxes over the paired devices), recent activity,
 * the files not in sync, and Remove (syncing stops, the files stay).
 */
import { useState } from 'preact/hooks';
import type { FolderService } from '../app/folders.ts';
import type { FolderView } from '../app/foldersView.ts';
import type { DeviceView } from '../net/session.ts';
import type { DeviceId } from '../ports/Store.ts';
import { ConflictList } from './ConflictList.tsx';
import { DeviceProgress } from './DeviceProgress.tsx';
import { FileProgressList } from './FileProgressList.tsx';
import { formatBytes } from './format.ts';
import { useTask } from './useTask.ts';
import { FolderFiles } from './FolderFiles.tsx';
import { IgnoreEditor } from './IgnoreEditor.tsx';
import { WhyNotInSync } from './WhyNotInSync.tsx';

/** The folder's state in a few words, as the heading of its card shows it. */
export function folderStatus(view: FolderView): string {
  const { access, state, progress } = view;
  if (access.kind === 'needs-permission') return 'Needs access';
  if (access.kind === 'unavailable') return `Unavailable: ${access.message}`;
  switch (state.kind) {
    case 'idle': {
      // Never "up to date" beside a list of files that are not: they failed, wait for a
      // peer, or cannot be taken (their reasons are listed under the card).
      const left = view.issues.length;
      return left === 0 ? 'Up to date' : `${left} ${left === 1 ? 'file' : 'files'} not in sync`;
    }
    case 'scanning':
      return 'Scanning';
    case 'paused':
      return `Paused: ${state.message}`;
    case 'syncing': {
      const files = progress ? progress.filesTotal - progress.filesDone : state.files;
      const bytes = progress ? progress.bytesTotal - progress.bytesDone : state.bytes;
      const parts = [`${files} ${files === 1 ? 'file' : 'files'}`, `${formatBytes(Math.max(0, bytes))} left`];
      if (progress && progress.rate > 0) parts.push(`${(progress.rate / 1e6).toFixed(1)} MB/s`);
      if (progress?.etaSeconds !== undefined) parts.push(`about ${formatEta(progress.etaSeconds)} to go`);
      return `Syncing — ${parts.join(', ')}`;
    }
  }
}

function formatEta(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const WHAT = {
  written: 'Received',
  deleted: 'Deleted by a peer',
  adopted: 'Recorded',
  conflict: 'Conflict',
  'changed-here': 'Changed here',
  'deleted-here': 'Deleted here',
} as const;

/**
 * Keys for the activity list that stay with their item as new ones arrive on top (an
 * index key re-made every row on each new item): identical items are told apart by how
 * many older ones they have.
 */
function activityKeys(activity: FolderView['activity']): string[] {
  const seen = new Map<string, number>();
  const keys: string[] = [];
  for (let i = activity.length - 1; i >= 0; i--) {
    const a = activity[i]!;
    const base = `${a.at}|${a.what}|${a.path}`;
    const older = seen.get(base) ?? 0;
    seen.set(base, older + 1);
    keys[i] = `${base}|${older}`;
  }
  return keys;
}

export function FolderCard({
  view,
  service,
  devices,
}: {
  view: FolderView;
  service: FolderService;
  devices: readonly DeviceView[];
}) {
  const [error, setError] = useState<string | undefined>();
  const keys = activityKeys(view.activity);
  const { busy, run: runTask } = useTask();
  const run = (task: () => Promise<void>) => {
    setError(undefined);
    runTask(task, undefined, (e) => setError(e.message));
  };
  const headingId = `folder-${view.id}`;
  return (
    <li class="card folder" data-testid="folder" data-folder-label={view.label} aria-labelledby={headingId}>
      <h3 id={headingId}>{view.label}</h3>
      <p class="muted" data-testid="folder-where">
        {view.where}
      </p>
      <p class="folder-state" data-testid="folder-state">
        {folderStatus(view)}
      </p>
      {/* Announced when the state changes, not at every progress figure of the line above. */}
      <p class="visually-hidden" role="status">
        {`${view.label}: ${view.access.kind === 'running' && view.state.kind === 'syncing' ? 'Syncing' : folderStatus(view)}`}
      </p>
      <FileProgressList files={view.inFlight ?? []} />
      <DeviceProgress view={view} devices={devices} />
      {view.access.kind === 'needs-permission' && (
        <p class="actions">
          <button
            type="button"
            data-testid="folder-allow"
            disabled={busy}
            onClick={() => run(() => service.allowAccess(view.id))}
          >
            Allow access
          </button>
        </p>
      )}
      <ShareForm
        view={view}
        devices={devices}
        busy={busy}
        onSave={(ids) => run(() => service.share(view.id, ids))}
      />
      {keys.length > 0 && (
        <details class="activity" data-testid="folder-activity">
          <summary>Recent activity ({view.activity.length})</summary>
          <ul>
            {view.activity.map((a, i) => (
              <li key={keys[i]}>
                <time dateTime={new Date(a.at).toISOString()}>{new Date(a.at).toLocaleTimeString()}</time>{' '}
                {WHAT[a.what]} <code>{a.path}</code>
                {a.copyName && (
                  <>
                    {' '}
                    — the other version is kept as <code>{a.copyName}</code>
                  </>
                )}
              </li>
            ))}
          </ul>
        </details>
      )}
      <ConflictList view={view} service={service} />
      {view.issues.length > 0 && (
        <div class="issues" data-testid="folder-issues">
          <h4>Not in sync ({view.issues.length})</h4>
          <ul>
            {view.issues.map((issue) => (
              <li key={issue.path}>
                <code>{issue.path}</code>: {issue.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <WhyNotInSync view={view} service={service} devices={devices} />
      {error && (
        <p class="error" role="alert" data-testid="folder-error">
          {error}
        </p>
      )}
      <FolderFiles view={view} service={service} />
      <IgnoreEditor view={view} service={service} />
      <p class="actions">
        <button
          type="button"
          data-testid="folder-remove"
          aria-label={`Remove ${view.label}`}
          disabled={busy}
          onClick={() => {
            if (confirm(`Stop syncing ${view.label}? Its files stay where they are.`))
              run(() => service.remove(view.id));
          }}
        >
          Remove
        </button>
      </p>
    </li>
  );
}

function ShareForm({
  view,
  devices,
  busy,
  onSave,
}: {
  view: FolderView;
  devices: readonly DeviceView[];
  busy: boolean;
  onSave: (devices: DeviceId[]) => void;
}) {
  const [chosen, setChosen] = useState<ReadonlySet<DeviceId>>(() => new Set(view.devices));
  const changed = chosen.size !== view.devices.length || view.devices.some((d) => !chosen.has(d));
  const names = new Map(devices.map(({ device }) => [device.id, device.name]));
  // Devices it is shared with that were forgotten still show, so they can be unticked.
  const listed = [...devices.map(({ device }) => device.id), ...view.devices.filter((d) => !names.has(d))];
  if (listed.length === 0) return <p class="hint">Pair a device to share this folder with it.</p>;
  return (
    <form
      class="share"
      onSubmit={(e) => {
        e.preventDefault();
        onSave([...chosen]);
      }}
    >
      <fieldset>
        <legend>Shared with</legend>
        {listed.map((id) => (
          <label key={id} class="share-device">
            <input
              type="checkbox"
              data-testid="folder-share-device"
              data-device-name={names.get(id) ?? id}
              checked={chosen.has(id)}
              onChange={(e) => {
                const next = new Set(chosen);
                if (e.currentTarget.checked) next.add(id);
                else next.delete(id);
                setChosen(next);
              }}
            />{' '}
            {names.get(id) ?? `${id.slice(0, 7)}… (forgotten)`}
          </label>
        ))}
      </fieldset>
      <button
        type="submit"
        data-testid="folder-share-save"
        aria-label={`Save sharing of ${view.label}`}
        disabled={busy || !changed}
      >
        Save sharing
      </button>
    </form>
  );
}
